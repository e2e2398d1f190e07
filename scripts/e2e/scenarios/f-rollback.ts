// (f) `npm run deploy -- --rollback` returns to the previous release: a release that changes
// the bots' CPU limit, then the rollback, and the cluster equals the release before.
import { KNOBS } from '../../../lib/config';
import { formatCpu, parseQuantity } from '../../../lib/quantity';
import { Scenario, assertNone } from '../context';
import { releaseDifferences } from '../release';

/** A CPU limit for the bots other than the current one (+100m): a template-only change. */
export function changedBotsCpuLimit(env: Readonly<Record<string, string | undefined>>): { K8S_BOTS_CPU_LIMIT: string } {
  const current = env.K8S_BOTS_CPU_LIMIT || KNOBS.find(k => k.name === 'K8S_BOTS_CPU_LIMIT')!.default;
  return { K8S_BOTS_CPU_LIMIT: formatCpu(parseQuantity(current) + 0.1) };
}

export const rollback: Scenario = {
  id: 'f',
  title: 'npm run deploy -- --rollback returns to the previous release',
  async run(ctx) {
    await ctx.kube.waitReady(300_000);
    const previous = await ctx.kube.snapshot();
    const change = changedBotsCpuLimit(ctx.env);
    const next = await ctx.deploy([], change);
    if (next.code !== 0) throw new Error(`the release changing ${JSON.stringify(change)} exited ${next.code}`);
    const changed = releaseDifferences(previous, await ctx.kube.snapshot());
    if (!changed.some(d => d.startsWith('Deployment/bots'))) throw new Error(`the release changing ${JSON.stringify(change)} did not change Deployment/bots: ${changed.join('; ') || 'no difference'}`);
    const back = await ctx.deploy(['--rollback']);
    if (back.code !== 0) throw new Error(`npm run deploy -- --rollback exited ${back.code}`);
    await ctx.kube.waitReady(300_000, 'the rollback to settle');
    assertNone('after --rollback the cluster is not the previous release', releaseDifferences(previous, await ctx.kube.snapshot()));
  },
};
