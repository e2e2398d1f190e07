// (g) Prune: K8S_JUDGE0_MODE=off removes the Judge0 and PostgreSQL objects, keeps every PVC,
// and the deploy's summary lists what it removed.
import { NAMESPACE } from '../../../lib/labels';
import { Scenario, assertNone } from '../context';

/** Workloads K8S_JUDGE0_MODE=off must remove (lib/judge0-server.ts, judge0-worker.ts, judge0-database.ts). */
export const JUDGE0_OBJECTS = ['Deployment/judge0-server', 'Deployment/judge0-worker', 'StatefulSet/postgres'];

/** Problems with a prune: PVCs gone, Judge0 objects left, removals missing from the summary. */
export function pruneProblems(facts: { pvcsBefore: readonly string[]; pvcsAfter: readonly string[]; workloadsAfter: readonly string[]; summary: string }): string[] {
  return [
    ...facts.pvcsBefore.filter(p => !facts.pvcsAfter.includes(p)).map(p => `PersistentVolumeClaim ${p} was deleted`),
    ...JUDGE0_OBJECTS.filter(o => facts.workloadsAfter.includes(o)).map(o => `${o} is still there`),
    ...JUDGE0_OBJECTS.filter(o => !facts.summary.includes(o.split('/')[1])).map(o => `the deploy summary does not list the removal of ${o}`),
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
