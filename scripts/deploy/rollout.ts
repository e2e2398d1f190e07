// Whether a workload's rollout is done, stuck or failed: the rules of kubectl's status viewers
// (kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go), evaluated on `get -o json`
// output so the deploy can also watch events and stream progress while it polls.

export interface RolloutState {
  readonly done: boolean;
  /** Set when waiting longer cannot help. */
  readonly failed?: string;
  readonly message: string;
}

export function rolloutState(o: any): RolloutState {
  const name = o.metadata.name;
  const s = o.status ?? {};
  const want = o.spec?.replicas ?? 1;
  if (o.kind === 'Deployment') {
    if ((o.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { done: false, message: 'Waiting for deployment spec update to be observed...' };
    const progressing = (s.conditions ?? []).find((c: any) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
      return { done: false, failed: `deployment "${name}" exceeded its progress deadline`, message: progressing.message ?? '' };
    }
    const updated = s.updatedReplicas ?? 0;
    if (updated < want) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...` };
    if ((s.replicas ?? 0) > updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
    if ((s.availableReplicas ?? 0) < updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
    return { done: true, message: `deployment "${name}" successfully rolled out` };
  }
  if (o.kind === 'StatefulSet') {
    if (!s.observedGeneration || (o.metadata.generation ?? 0) > s.observedGeneration) return { done: false, message: 'Waiting for statefulset spec update to be observed...' };
    if ((s.readyReplicas ?? 0) < want) return { done: false, message: `Waiting for ${want - (s.readyReplicas ?? 0)} pods to be ready...` };
    if (s.updateRevision !== s.currentRevision) {
      return { done: false, message: `waiting for statefulset rolling update to complete ${s.updatedReplicas ?? 0} pods at revision ${s.updateRevision}...` };
    }
    return { done: true, message: `statefulset rolling update complete ${s.currentReplicas ?? want} pods at revision ${s.currentRevision}...` };
  }
  return { done: true, message: `${o.kind} ${name} has no rollout` };
}

/**
 * A FailedCreate event of this workload's controller since `since` (ms): pods refused at
 * creation (Pod Security, quota) make a rollout look stalled until its deadline.
 */
export function failedCreate(events: readonly any[], kind: string, name: string, since: number): string | undefined {
  const owner = (e: any) => (kind === 'StatefulSet'
    ? e.involvedObject?.kind === 'StatefulSet' && e.involvedObject?.name === name
    : e.involvedObject?.kind === 'ReplicaSet' && e.involvedObject?.name?.startsWith(`${name}-`));
  const found = events.find(e => e.reason === 'FailedCreate' && owner(e) && Date.parse(e.lastTimestamp ?? e.eventTime ?? 0) >= since);
  return found ? `${found.involvedObject.kind}/${found.involvedObject.name}: ${found.message}` : undefined;
}

/** StatefulSet pods left on another revision than `status.updateRevision` (forced rollback). */
export function podsOffRevision(pods: readonly any[], updateRevision: string): string[] {
  return pods.filter(p => p.metadata.labels?.['controller-revision-hash'] !== updateRevision).map(p => p.metadata.name).sort();
}
