import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { secretEnv } from './app-secrets';
import { type Endpoint } from './network';
import { labelsFor, selectorFor } from './labels';
import { HARDENED_CONTAINER, type Sizing, execProbe, nonRootPod, resourceRequirements, scratchDirs, startupBudget } from './pod';

/** 16 as Judge0 upstream; postgres 18 moved its data directory. */
export const POSTGRES_IMAGE = 'postgres:16.6';
export const POSTGRES_PORT = 5432;
/** uid of the `postgres` user in the official (Debian) image. */
const POSTGRES_UID = 999;

export interface Judge0DatabaseProps {
  readonly sizing: Sizing;
}

/**
 * PostgreSQL for Judge0's submissions: Deployment `postgres` on emptyDir. Ephemeral by design
 * (Judge0 re-creates its schema and languages at every server start; submissions are transient).
 */
export class Judge0Database extends Construct implements Endpoint {
  static readonly NAME = 'postgres';
  readonly service = Judge0Database.NAME;
  readonly port = POSTGRES_PORT;
  readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: Judge0DatabaseProps) {
    super(scope, id);
    const name = Judge0Database.NAME;
    const labels = labelsFor(name, 'database');
    const selector = selectorFor(name);
    const scratch = scratchDirs({ run: '/var/run/postgresql', tmp: '/tmp' });
    // pg_isready checks that the server accepts connections, not merely that a port is open.
    const ready = execProbe('pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"');

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: { selector, ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: k8s.IntOrString.fromNumber(POSTGRES_PORT) }] },
    });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, labels },
      spec: {
        replicas: props.sizing.replicas,
        selector: { matchLabels: selector },
        // Never two at once: a surged pod would be a second, empty database behind the same Service.
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: nonRootPod(POSTGRES_UID),
            terminationGracePeriodSeconds: 30,
            containers: [{
              name: 'postgres',
              image: POSTGRES_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'postgres', containerPort: POSTGRES_PORT }],
              env: [
                secretEnv('POSTGRES_USER', 'JUDGE0_POSTGRES_USER'),
                secretEnv('POSTGRES_PASSWORD', 'JUDGE0_POSTGRES_PASSWORD'),
                secretEnv('POSTGRES_DB', 'JUDGE0_POSTGRES_DB'),
                { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
              ],
              resources: resourceRequirements(props.sizing.resources),
              securityContext: HARDENED_CONTAINER,
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }, ...scratch.mounts],
              startupProbe: startupBudget(ready, 120),
              readinessProbe: ready,
              livenessProbe: { ...ready, periodSeconds: 20 },
            }],
            // On the node's disk, not in memory: the database may outgrow a tmpfs.
            volumes: [{ name: 'data', emptyDir: {} }, ...scratch.volumes],
          },
        },
      },
    });
  }
}
