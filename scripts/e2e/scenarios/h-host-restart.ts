// (h) An unclean host restart: k3s-killall.sh SIGKILLs every container and stops k3s; k3s
// starts again and everything must be ready by itself; MongoDB still holds (b)'s result and
// Redis its data (append-only, fsync every second: the write is 2 s old when the host dies).
import { Scenario } from '../context';
import { waitUntil } from '../duel';
import { exec } from '../kube';
import { NAMESPACE } from '../../../lib/labels';

/** Whether every container of every pod has been running since after `since` (epoch ms). */
export function containersStartedSince(pods: readonly any[], since: number): boolean {
  // startedAt has whole seconds: compare against the second the kill began.
  const floor = Math.floor(since / 1000) * 1000;
  return pods.length > 0 && pods.every(p => (p.status?.containerStatuses ?? []).length > 0 && (p.status.containerStatuses as any[])
    .every(c => c.state?.running?.startedAt && Date.parse(c.state.running.startedAt) >= floor));
}

export const hostRestart: Scenario = {
  id: 'h',
  title: 'k3s-killall.sh, then k3s starts: everything ready by itself, data kept',
  async run(ctx) {
    await ctx.kube.waitReady(300_000);
    const marker = `e2e-${Date.now()}`;
    await ctx.kube.redis(['SET', 'e2e:host-restart', marker]);
    await new Promise(resolve => setTimeout(resolve, 2000));
    const killedAt = Date.now();
    for (const [command, ...args] of [['/usr/local/bin/k3s-killall.sh'], ['systemctl', 'start', 'k3s']]) {
      ctx.log(`$ sudo ${command} ${args.join(' ')}`);
      const r = await exec('sudo', [command, ...args], { timeoutMs: 300_000 });
      if (r.status !== 0) throw new Error(`${command} exited ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
    }
    await waitUntil(async () => (await ctx.kube.kubectl(['get', 'nodes', '-o', 'name'], { check: false })).status === 0, 180_000, 'the API server to answer again');
    // Right after k3s starts, pods still show their Ready status from before the crash: wait
    // until every container has started again since the kill, then for readiness.
    await waitUntil(async () => {
      const pods = await ctx.kube.json(['get', 'pods', '-n', NAMESPACE]).catch(() => undefined);
      return pods && containersStartedSince(pods.items, killedAt);
    }, 600_000, 'every container to start again after the host restart');
    await ctx.kube.waitReady(600_000, 'every workload to be ready again after the host restart');
    const { url } = await ctx.server();
    await waitUntil(async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined))?.status === 200, 120_000, `GET ${url}/healthz after the restart`);
    const value = await waitUntil(() => ctx.kube.redis(['GET', 'e2e:host-restart']).catch(() => undefined), 60_000, 'Redis to answer after the restart');
    if (value !== marker) throw new Error(`Redis lost a write made 2 s before the crash: e2e:host-restart is ${JSON.stringify(value)}`);
    const duel = ctx.state.duel;
    if (!duel) throw new Error('scenario (b) left no match to look for (run b before h)');
    const stored = await waitUntil(() => ctx.kube.findMatch(duel.roomId).catch(() => undefined), 60_000, `match ${duel.roomId} in MongoDB after the restart`);
    if (stored?.winner !== duel.winner) throw new Error(`MongoDB lost match ${duel.roomId} in the host restart: ${JSON.stringify(stored)}`);
  },
};
