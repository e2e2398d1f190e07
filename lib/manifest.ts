// Plain views of synthesized objects, shared by the policy rules, the capacity report and the
// deploy helpers. They read YAML output, not constructs, so they judge what kubectl would apply.

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: any;
  readonly [field: string]: any;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

export interface Workload {
  readonly object: Manifest;
  /** `Deployment/colyseus` */
  readonly id: string;
  readonly replicas: number;
  readonly podLabels: Record<string, string>;
  readonly podSpec: any;
  readonly containers: any[];
  /** Whether updates surge one extra pod (rolling Deployments). */
  readonly surges: boolean;
}

export function idOf(object: Manifest): string {
  return `${object.kind}/${object.metadata.name}`;
}

export function workloadsOf(objects: readonly Manifest[]): Workload[] {
  return objects.filter(o => WORKLOAD_KINDS.includes(o.kind)).map(object => {
    const podSpec = object.spec?.template?.spec ?? {};
    return {
      object,
      id: idOf(object),
      replicas: object.spec?.replicas ?? 1,
      podLabels: object.spec?.template?.metadata?.labels ?? {},
      podSpec,
      containers: [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])],
      surges: object.kind === 'Deployment' && (object.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate',
    };
  });
}

/** Whether a `matchLabels` selector (no expressions here) selects pods with `labels`. */
export function selects(selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not supported by this policy');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}
