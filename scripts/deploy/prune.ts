// Step 9: delete what this project created and the code no longer defines, only after a
// successful rollout and health check. Not kubectl's `--prune` (skips server-side-applied
// objects) nor ApplySet (alpha; prunes during the apply, before any rollout).
import { NAMESPACE } from '../../lib/labels';
import { Manifest } from '../../lib/manifest';
import { Context, mustKubectl } from './context';
import { LiveRef, PRUNABLE_KINDS, RELEASE_SET, RELEASE_SET_LABEL, pruneCandidates } from './manifests';

export async function findPrunable(ctx: Context, wanted: readonly Manifest[]): Promise<LiveRef[]> {
  const kinds = PRUNABLE_KINDS.map(k => k.toLowerCase()).join(',');
  const r = await mustKubectl(ctx, ['get', kinds, '-n', NAMESPACE, '-l', `${RELEASE_SET_LABEL}=${RELEASE_SET}`, '-o', 'json']);
  const live: LiveRef[] = (JSON.parse(r.stdout).items ?? []).map((o: any) => ({
    kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, labels: o.metadata.labels,
  }));
  return pruneCandidates(live, wanted);
}

export async function prune(ctx: Context, objects: readonly LiveRef[]): Promise<string[]> {
  const pruned: string[] = [];
  for (const o of objects) {
    await mustKubectl(ctx, ['delete', `${o.kind.toLowerCase()}/${o.name}`, '-n', o.namespace ?? NAMESPACE, '--wait=false']);
    pruned.push(`${o.kind}/${o.name}`);
  }
  if (pruned.length) ctx.log(`Pruned (no longer in the code): ${pruned.join(', ')}`);
  return pruned;
}
