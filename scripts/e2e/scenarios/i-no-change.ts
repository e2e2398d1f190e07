// (i) A second deploy with no change restarts nothing: the same pods, no container restarts.
import { Scenario, assertNone } from '../context';
import { releaseDifferences, restartedPods } from '../release';

export const noChange: Scenario = {
  id: 'i',
  title: 'a second deploy with no change restarts nothing',
  async run(ctx) {
    await ctx.kube.waitReady(300_000);
    const [pods, release] = [await ctx.kube.pods(), await ctx.kube.snapshot()];
    const deploy = await ctx.deploy();
    if (deploy.code !== 0) throw new Error(`the unchanged deploy exited ${deploy.code}`);
    assertNone('the unchanged deploy changed the release', releaseDifferences(release, await ctx.kube.snapshot()));
    assertNone('the unchanged deploy restarted pods', restartedPods(pods, await ctx.kube.pods()));
  },
};
