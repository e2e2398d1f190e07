import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { labelsFor, selectorFor } from './labels';

export interface StatelessDeploymentProps {
  /** Name of the Deployment, its PodDisruptionBudget and its selector label. */
  readonly name: string;
  /** `app.kubernetes.io/component` label. */
  readonly component: string;
  readonly replicas: number;
  /** The pod template's spec. */
  readonly podSpec: k8s.PodSpec;
  /** Annotations on the Deployment object (e.g. a documented policy exemption). @default none */
  readonly annotations?: Record<string, string>;
}

/** Kubernetes' default progress deadline (Deployment spec, `progressDeadlineSeconds`). */
const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
/** Scheduling and an image pull, before any probe runs. */
const PULL_ALLOWANCE_SECONDS = 120;

/** Seconds a probe allows before it gives up: its delay plus every failure it tolerates. */
function probeBudget(probe: k8s.Probe | undefined): number {
  if (!probe) return 0;
  return (probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3);
}

/**
 * How long a rollout step may go without progress: a new pod is scheduled, pulled and started
 * (its start-up probe's whole budget, or its readiness probe's), while an old pod may hold the
 * node's room as it drains (terminationGracePeriodSeconds: Colyseus finishes its match). Past
 * the deadline the Deployment is marked ProgressDeadlineExceeded and `rollout status` fails a
 * healthy rollout; never below Kubernetes' default.
 */
export function progressDeadlineSeconds(podSpec: k8s.PodSpec): number {
  const startup = Math.max(0, ...podSpec.containers.map(c => probeBudget(c.startupProbe ?? c.readinessProbe)));
  const drain = podSpec.terminationGracePeriodSeconds ?? 30;
  return Math.max(DEFAULT_PROGRESS_DEADLINE_SECONDS, PULL_ALLOWANCE_SECONDS + startup + drain);
}

/**
 * A Deployment that updates with zero downtime (one surge pod, never fewer ready pods than
 * replicas) and a PodDisruptionBudget that lets a node drain evict one pod at a time.
 */
export class StatelessDeployment extends Construct {
  /** Name of the Deployment and its pods' selector label. */
  readonly name: string;
  readonly deployment: k8s.KubeDeployment;
  readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: StatelessDeploymentProps) {
    super(scope, id);
    this.name = props.name;
    const labels = labelsFor(props.name, props.component);
    this.selector = selectorFor(props.name);

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: props.name, labels, annotations: props.annotations },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: progressDeadlineSeconds(props.podSpec),
        selector: { matchLabels: this.selector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels },
          spec: { automountServiceAccountToken: false, enableServiceLinks: false, ...props.podSpec },
        },
      },
    });

    // maxUnavailable 1 (not minAvailable = replicas): with one replica a drain still proceeds.
    this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { name: props.name, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selector } },
    });
  }
}
