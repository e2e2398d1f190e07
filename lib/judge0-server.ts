import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { Sizing } from './config';
import { Judge0Database, POSTGRES_PORT } from './judge0-database';
import { JUDGE0_IMAGE, JUDGE0_PORT, judge0Env } from './judge0-settings';
import { Lane, allowTraffic, podsOf, tcp } from './network';
import { labelsFor } from './labels';
import { HARDENED_CONTAINER, httpProbe, nonRootPod, resourceRequirements, scratchDirs, startupBudget } from './pod';
import { REDIS_PORT, RedisStore } from './redis-store';
import { StatelessDeployment } from './stateless-deployment';

/** uid of the `judge0` user the image declares. */
const JUDGE0_UID = 1000;

export interface Judge0ServerProps {
  readonly sizing: Sizing;
  /** Workloads that may call the API. */
  readonly clients: Lane['peers'];
}

/**
 * The Judge0 API: Deployment and ClusterIP Service `judge0-server` on 2358. It only queues
 * submissions (ENABLE_WAIT_RESULT=false), so unlike upstream's compose file it runs unprivileged.
 */
export class Judge0Server extends Construct {
  static readonly NAME = 'judge0-server';
  readonly workload: StatelessDeployment;

  constructor(scope: Construct, id: string, props: Judge0ServerProps) {
    super(scope, id);
    const name = Judge0Server.NAME;
    // Rails writes pids, caches and logs under /api; the config script dumps the environment
    // (with secrets) to /api/tmp/environment, which therefore lives in memory.
    const scratch = scratchDirs({ 'api-tmp': '/api/tmp', 'api-log': '/api/log', tmp: '/tmp' });
    // Judge0 has no health route; `GET /` answers 200 without authentication once Rails serves.
    const serving = httpProbe('/', JUDGE0_PORT);

    this.workload = new StatelessDeployment(this, 'Workload', {
      name,
      component: 'judge',
      replicas: props.sizing.replicas,
      podSpec: {
        securityContext: nonRootPod(JUDGE0_UID),
        terminationGracePeriodSeconds: 30,
        containers: [{
          name: 'judge0-server',
          image: JUDGE0_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          // args, not command: the image's entrypoint must still run before the script. Its
          // `sudo cron` fails here (no privilege escalation) and the script goes on: that cron
          // only clears caches and sends telemetry.
          args: ['./scripts/server'],
          ports: [{ name: 'http', containerPort: JUDGE0_PORT }],
          env: judge0Env(),
          resources: resourceRequirements(props.sizing.resources),
          securityContext: HARDENED_CONTAINER,
          volumeMounts: scratch.mounts,
          // Every start runs migrations and re-seeds the languages before Rails listens.
          startupProbe: startupBudget(serving, 240),
          readinessProbe: serving,
          livenessProbe: { ...serving, periodSeconds: 20 },
          // Let the Service drop this pod before Rails stops accepting requests.
          lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
        }],
        volumes: scratch.volumes,
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels: labelsFor(name, 'judge') },
      spec: {
        selector: this.workload.selector,
        ports: [{ name: 'http', port: JUDGE0_PORT, targetPort: k8s.IntOrString.fromNumber(JUDGE0_PORT) }],
      },
    });

    allowTraffic(this, {
      name,
      ingress: [{ peers: props.clients, ports: [tcp(JUDGE0_PORT)] }],
      egress: [
        { peers: [podsOf(RedisStore.NAME)], ports: [tcp(REDIS_PORT)] },
        { peers: [podsOf(Judge0Database.NAME)], ports: [tcp(POSTGRES_PORT)] },
      ],
    });
  }
}
