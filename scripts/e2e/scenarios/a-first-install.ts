// (a) First install on an empty cluster: the deploy succeeds, every rollout completes, and
// /healthz answers through the LoadBalancer on 2567.
import { Scenario } from '../context';
import { waitUntil } from '../duel';

export const firstInstall: Scenario = {
  id: 'a',
  title: 'first install on an empty cluster; /healthz through the LoadBalancer',
  async run(ctx) {
    const before = await ctx.kube.workloads();
    if (before.length) throw new Error(`the namespace is not empty: ${before.map(w => `${w.kind}/${w.metadata.name}`).join(', ')}`);
    const deploy = await ctx.deploy();
    if (deploy.code !== 0) throw new Error(`the first deploy exited ${deploy.code}`);
    await ctx.kube.waitReady(300_000, 'every rollout of the first install to complete');
    const { url } = await ctx.server();
    const status = await waitUntil(async () => {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      return r?.status === 200 ? 200 : undefined;
    }, 60_000, `GET ${url}/healthz to answer 200`);
    ctx.log(`GET ${url}/healthz -> ${status}`);
  },
};
