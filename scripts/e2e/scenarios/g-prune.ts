// (g) Prune: K8S_JUDGE0_MODE=off removes the Judge0 and PostgreSQL objects, keeps every PVC,
// and the deploy's summary lists what it removed.
import { NAMESPACE } from '../../../lib/labels';
import { Scenario, assertNone } from '../context';
import { JUDGE0_WORKLOADS } from '../workloads';


/** Problems with a prune: PVCs gone, Judge0 workloads left, removals missing from the summary. */
export function pruneProblems(facts: { pvcsBefore: readonly string[]; pvcsAfter: readonly string[]; workloadsAfter: readonly string[]; summary: string }): string[] {
  return [
    ...facts.pvcsBefore.filter(p => !facts.pvcsAfter.includes(p)).map(p => `PersistentVolumeClaim ${p} was deleted`),
    ...facts.workloadsAfter.filter(w => JUDGE0_WORKLOADS.includes(w.split('/')[1])).map(w => `${w} is still there`),
    ...JUDGE0_WORKLOADS.filter(name => !facts.summary.includes(name)).map(name => `the deploy summary does not list the removal of ${name}`),
  ];
}

export const prune: Scenario = {
  id: 'g',
  title: 'prune with K8S_JUDGE0_MODE=off keeps every PVC; the summary lists the removals',
  async run(ctx) {
    await ctx.kube.waitReady(300_000);
    const pvcs = async () => (await ctx.kube.json(['get', 'pvc', '-n', NAMESPACE])).items.map((p: any) => `${p.metadata.name} (${p.metadata.uid})`);
    const pvcsBefore = await pvcs();
    ctx.env.K8S_JUDGE0_MODE = 'off';
    const run = await ctx.deploy();
    if (run.code !== 0) throw new Error(`the deploy with K8S_JUDGE0_MODE=off exited ${run.code}`);
    const workloadsAfter = (await ctx.kube.workloads()).map((w: any) => `${w.kind}/${w.metadata.name}`);
    assertNone('prune', pruneProblems({ pvcsBefore, pvcsAfter: await pvcs(), workloadsAfter, summary: run.summary }));
  },
};
