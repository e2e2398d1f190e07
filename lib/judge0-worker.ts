import { Construct } from 'constructs';
import { JUDGE0_IMAGE, type Judge0SettingsProps, judge0Env } from './judge0-settings';
import { EXEMPTION_ANNOTATION_PREFIX } from './labels';
import { type Sizing, execProbe, resourceRequirements } from './pod';
import { StatelessDeployment } from './stateless-deployment';

export interface Judge0WorkerProps extends Judge0SettingsProps {
  readonly sizing: Sizing;
  /** Submissions one pod runs at once (Judge0's COUNT). */
  readonly workersPerPod: number;
}

/** Why this is the one privileged container; recorded on the object for reviewers and the policy. */
export const JUDGE0_WORKER_EXEMPTION =
  'Judge0 runs submitted code in isolate sandboxes, which need a privileged container (cgroups, namespaces, mounts). '
  + 'Contained instead by: no network egress except Redis and PostgreSQL, no service-account token, no Service.';

/**
 * Judge0 workers: Deployment `judge0-worker`, the only privileged container of the backend.
 * It takes submissions from the Redis queue and records results in PostgreSQL; nothing connects to it.
 */
export class Judge0Worker extends Construct {
  static readonly NAME = 'judge0-worker';
  readonly workload: StatelessDeployment;

  constructor(scope: Construct, id: string, props: Judge0WorkerProps) {
    super(scope, id);
    const name = Judge0Worker.NAME;
    // Resque retitles its worker processes `resque-<version>: ...`; the script only supervises them.
    const working = execProbe("pgrep -f '^resque-' > /dev/null");

    this.workload = new StatelessDeployment(this, 'Workload', {
      name,
      component: 'judge',
      replicas: props.sizing.replicas,
      annotations: {
        [`${EXEMPTION_ANNOTATION_PREFIX}privileged`]: JUDGE0_WORKER_EXEMPTION,
      },
      podSpec: {
        // The workers script traps SIGTERM and lets running submissions finish.
        terminationGracePeriodSeconds: 60,
        containers: [{
          name: 'judge0-worker',
          image: JUDGE0_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          args: ['./scripts/workers'],
          env: [...judge0Env(props), { name: 'COUNT', value: String(props.workersPerPod) }],
          resources: resourceRequirements(props.sizing.resources),
          // As upstream runs it: the image's judge0 user, privileged (isolate needs it with or
          // without cgroups: namespaces, mounts; and `sudo cron`).
          securityContext: { privileged: true, allowPrivilegeEscalation: true },
          startupProbe: { ...working, periodSeconds: 5, failureThreshold: 36 },
          readinessProbe: working,
          livenessProbe: { ...working, periodSeconds: 20 },
        }],
      },
    });
  }
}
