// "The cluster equals the last good release": what a release is, as far as the e2e compares
// it, and the comparison itself. Pure (unit-tested in test/e2e-release.test.ts).
import { NAME_LABEL } from '../../lib/labels';

/** A Deployment or StatefulSet as a release defines it. */
export interface WorkloadRelease {
  /** `Kind/name`. */
  readonly id: string;
  readonly replicas: number;
  /** Images of every container and init container, in order. */
  readonly images: readonly string[];
  /** The pod template as canonical JSON (keys sorted): env, resources, probes, annotations... */
  readonly template: string;
}

export interface ReleaseSnapshot {
  readonly workloads: readonly WorkloadRelease[];
  /** resourceVersion of Secret app-secrets (changes on every write); absent: no Secret. */
  readonly secretVersion?: string;
}

/** JSON with object keys sorted, so equal objects give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map(k => [k, v[k]]))
    : v));
}

/** The release in `kubectl get deployments,statefulsets -o json` items and the app-secrets Secret. */
export function snapshotOf(workloads: readonly any[], secret?: { metadata?: { resourceVersion?: string } }): ReleaseSnapshot {
  return {
    workloads: workloads
      .map(w => {
        const spec = w.spec?.template?.spec ?? {};
        return {
          id: `${w.kind}/${w.metadata.name}`,
          // Unset replicas means 1 (Deployment and StatefulSet API defaults).
          replicas: w.spec?.replicas ?? 1,
          images: [...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c: any) => c.image),
          template: canonicalJson(w.spec?.template ?? {}),
        };
      })
      .sort((a, b) => a.id.localeCompare(b.id)),
    secretVersion: secret?.metadata?.resourceVersion,
  };
}

/** Every way `actual` differs from `expected`, one line each (empty: the same release). */
export function releaseDifferences(expected: ReleaseSnapshot, actual: ReleaseSnapshot): string[] {
  const problems: string[] = [];
  for (const e of expected.workloads) {
    const a = actual.workloads.find(w => w.id === e.id);
    if (!a) {
      problems.push(`${e.id} is gone`);
      continue;
    }
    if (a.images.join(' ') !== e.images.join(' ')) problems.push(`${e.id} runs ${a.images.join(', ')} instead of ${e.images.join(', ')}`);
    if (a.replicas !== e.replicas) problems.push(`${e.id} has ${a.replicas} replicas instead of ${e.replicas}`);
    // Images are reported above; any other template change is reported once, here.
    if (a.images.join(' ') === e.images.join(' ') && a.template !== e.template) problems.push(`${e.id} has another pod template than the last good release`);
  }
  for (const a of actual.workloads) {
    if (!expected.workloads.some(e => e.id === a.id)) problems.push(`${a.id} was not in the last good release`);
  }
  if (actual.secretVersion !== expected.secretVersion) {
    problems.push(`Secret app-secrets was ${actual.secretVersion === undefined ? 'deleted' : 'written'} (resourceVersion ${expected.secretVersion} -> ${actual.secretVersion})`);
  }
  return problems;
}

/** A pod as the "nothing restarted" checks see it. */
export interface PodState {
  readonly name: string;
  readonly uid: string;
  /** Sum of its containers' restartCount. */
  readonly restarts: number;
  readonly ready: boolean;
  readonly images: readonly string[];
  /** Its app.kubernetes.io/name label (the workload). */
  readonly workload: string;
  /** Set while the pod is being deleted. */
  readonly terminating: boolean;
}

export function podStatesOf(pods: readonly any[]): PodState[] {
  return pods.map(p => {
    const statuses: any[] = p.status?.containerStatuses ?? [];
    return {
      name: p.metadata.name,
      uid: p.metadata.uid,
      restarts: statuses.reduce((t, s) => t + (s.restartCount ?? 0), 0),
      ready: (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
      images: (p.spec?.containers ?? []).map((c: any) => c.image),
      workload: p.metadata.labels?.[NAME_LABEL] ?? '',
      terminating: !!p.metadata.deletionTimestamp,
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Pods of `before` that are gone, replaced or restarted in `after`, and pods of `after` that
 * were not there: empty means nothing restarted.
 */
export function restartedPods(before: readonly PodState[], after: readonly PodState[]): string[] {
  const problems: string[] = [];
  for (const b of before) {
    const a = after.find(p => p.uid === b.uid);
    if (!a) problems.push(`pod ${b.name} was replaced`);
    else if (a.restarts > b.restarts) problems.push(`pod ${b.name} restarted (${b.restarts} -> ${a.restarts} container restarts)`);
  }
  for (const a of after) {
    if (!before.some(b => b.uid === a.uid)) problems.push(`pod ${a.name} is new`);
  }
  return problems;
}
