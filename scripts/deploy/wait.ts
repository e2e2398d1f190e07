// Step 7: wait for every workload, every run (a rollout left broken by a cancelled run is caught
// by the next), printing progress as it changes; FailedCreate events fail at once.
import { NAMESPACE } from '../../lib/labels';
import { Manifest, idOf, workloadsOf } from '../../lib/manifest';
import { Context, DeployError, kubectl, mustKubectl } from './context';
import { rolloutTimeoutFor } from './manifests';
import { failedCreate, podsOffRevision, rolloutState } from './rollout';

const ref = (o: Manifest) => `${o.kind.toLowerCase()}/${o.metadata.name}`;

async function getJson(ctx: Context, args: string[]): Promise<any> {
  return JSON.parse((await mustKubectl(ctx, ['get', ...args, '-n', NAMESPACE, '-o', 'json'])).stdout);
}

async function podsOf(ctx: Context, workload: Manifest): Promise<any[]> {
  const selector = Object.entries(workload.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
  return (await getJson(ctx, ['pods', '-l', selector])).items;
}

/**
 * A StatefulSet with OrderedReady never replaces a pod broken on a bad revision ("Forced
 * rollback", StatefulSet docs; kubernetes#67250). Once the controller has observed the spec
 * (before that, updateRevision still names the old one), delete the pods off updateRevision:
 * all of them after a rollback, the unready ones otherwise.
 */
export async function recoverStatefulSet(ctx: Context, workload: Manifest, mode: 'rollback' | 'forward'): Promise<void> {
  const deadline = ctx.clock.now() + rolloutTimeoutFor(workload, ctx.opts.rolloutSeconds) * 1000;
  let live = await getJson(ctx, [ref(workload)]);
  while ((live.status?.observedGeneration ?? 0) < live.metadata.generation) {
    if (ctx.clock.now() > deadline) throw new DeployError(`${idOf(workload)}: the controller never observed generation ${live.metadata.generation}`);
    await ctx.clock.sleep(ctx.opts.pollSeconds * 1000);
    live = await getJson(ctx, [ref(workload)]);
  }
  const ready = (p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
  const pods = (await podsOf(ctx, workload)).filter(p => mode === 'rollback' || !ready(p));
  for (const pod of podsOffRevision(pods, live.status.updateRevision)) {
    ctx.log(`${idOf(workload)}: deleting pod ${pod}, left on another revision than ${live.status.updateRevision}`);
    await mustKubectl(ctx, ['delete', 'pod', pod, '-n', NAMESPACE, '--wait=false']);
  }
}

export interface WaitResult { readonly seconds: Record<string, number> }

/** Waits for all workloads together; throws on the first that fails or times out (after printing diagnostics). */
export async function waitForWorkloads(ctx: Context, objects: readonly Manifest[], since: number, mode: 'rollback' | 'forward'): Promise<WaitResult> {
  const workloads = workloadsOf(objects).map(w => w.object);
  for (const w of workloads.filter(o => o.kind === 'StatefulSet')) await recoverStatefulSet(ctx, w, mode);
  const started = ctx.clock.now();
  const deadlines = new Map(workloads.map(w => [idOf(w), started + rolloutTimeoutFor(w, ctx.opts.rolloutSeconds) * 1000]));
  const pending = new Map(workloads.map(w => [idOf(w), w]));
  const said = new Map<string, string>();
  const seconds: Record<string, number> = {};
  for (;;) {
    const events = (await getJson(ctx, ['events'])).items ?? [];
    for (const [id, w] of [...pending]) {
      const state = rolloutState(await getJson(ctx, [ref(w)]));
      if (said.get(id) !== state.message) {
        ctx.log(`  ${id}: ${state.message}`);
        said.set(id, state.message);
      }
      if (state.done) {
        pending.delete(id);
        seconds[id] = (ctx.clock.now() - started) / 1000;
        continue;
      }
      const refused = failedCreate(events, w.kind, w.metadata.name, since);
      const problem = state.failed ?? (refused ? `pods refused: ${refused}` : undefined)
        ?? (ctx.clock.now() > deadlines.get(id)! ? `not ready after ${rolloutTimeoutFor(w, ctx.opts.rolloutSeconds)} s` : undefined);
      if (problem) {
        await diagnose(ctx, w);
        throw new DeployError(`${id}: ${problem}`);
      }
    }
    if (!pending.size) return { seconds };
    await ctx.clock.sleep(ctx.opts.pollSeconds * 1000);
  }
}

/** Events and the previous container's last log lines of each pod that is not ready. */
export async function diagnose(ctx: Context, workload: Manifest): Promise<void> {
  for (const pod of await podsOf(ctx, workload)) {
    const name = pod.metadata.name;
    const ready = (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
    if (ready) continue;
    const events = await kubectl(ctx, ['get', 'events', '-n', NAMESPACE, '--field-selector', `involvedObject.name=${name}`, '-o', 'json']);
    const lines = events.status === 0 ? (JSON.parse(events.stdout).items ?? []).map((e: any) => `${e.type} ${e.reason}: ${e.message}`) : [];
    ctx.log(`--- ${name}: events\n${lines.slice(-10).join('\n') || '(none)'}`);
    const previous = await kubectl(ctx, ['logs', '-n', NAMESPACE, name, '--all-containers', '--previous', '--tail=30']);
    const logs = previous.status === 0 ? previous : await kubectl(ctx, ['logs', '-n', NAMESPACE, name, '--all-containers', '--tail=30']);
    ctx.log(`--- ${name}: last log lines${previous.status === 0 ? ' (previous container)' : ''}\n${(logs.stdout + logs.stderr).trim()}`);
  }
}
