import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { JUDGE0_IMAGE, JUDGE0_PORT, type Judge0SettingsProps, judge0Env } from './judge0-settings';
import { type Endpoint } from './network';
import { labelsFor } from './labels';
import { HARDENED_CONTAINER, type Sizing, httpProbe, nonRootPod, resourceRequirements, scratchDirs, startupBudget } from './pod';
import { StatelessDeployment } from './stateless-deployment';

/** uid of the `judge0` user the image declares. */
const JUDGE0_UID = 1000;

export interface Judge0ServerProps extends Judge0SettingsProps {
  readonly sizing: Sizing;
}

/**
 * The Judge0 API: Deployment and ClusterIP Service `judge0-server` on 2358. It only queues
 * submissions (ENABLE_WAIT_RESULT=false), so unlike upstream's compose file it runs unprivileged.
 */
export class Judge0Server extends Construct implements Endpoint {
  static readonly NAME = 'judge0-server';
  readonly service = Judge0Server.NAME;
  readonly port = JUDGE0_PORT;
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
          env: judge0Env(props),
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
  }
}
