// (d) A release that fails on purpose while a duel is live. A throwaway commit changes only
// the game server, so the deploy builds and tags a new Colyseus image; that image exits
// before it listens, so it never registers with the matchmaker. The deploy must exit non-zero;
// the cluster must equal the last good release (images, replicas, templates, StatefulSets,
// the Secret untouched) with the very same game server pods; the live duel's players stay
// connected; new duels land on good pods only.
import * as fs from 'fs';
import * as path from 'path';
import { ColyseusGameServer } from '../../../lib/colyseus-game-server';
import { E2eContext, Scenario, assertNone } from '../context';
import { DuelPlayer, finishDuel, meet, waitUntil } from '../duel';
import { exec } from '../kube';
import { releaseDifferences, restartedPods } from '../release';
import { podsOf } from '../workloads';

const ENTRY = 'backend/colyseus/src/index.ts';

/** The broken entry point: PORT is always set in the pod, so it exits before it listens. */
export function brokenEntryPoint(source: string): string {
  return `// e2e scenario (d): this release exits before it listens.\nif (process.env.PORT) {\n  console.error('e2e: a release that fails on purpose');\n  process.exit(1);\n}\n${source}`;
}

async function git(ctx: E2eContext, args: string[]): Promise<string> {
  const r = await exec('git', args, { cwd: ctx.root });
  if (r.status !== 0) throw new Error(`git ${args[0]} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** Commits the broken entry point on top of HEAD, runs `body`, and puts HEAD and the file back. */
async function withThrowawayCommit<T>(ctx: E2eContext, body: () => Promise<T>): Promise<T> {
  const original = await git(ctx, ['rev-parse', 'HEAD']);
  if ((await exec('git', ['diff', '--quiet', 'HEAD', '--', ENTRY], { cwd: ctx.root })).status !== 0) {
    throw new Error(`${ENTRY} has uncommitted changes: scenario (d) commits a broken version of it and restores it afterwards`);
  }
  const file = path.join(ctx.root, ENTRY);
  fs.writeFileSync(file, brokenEntryPoint(fs.readFileSync(file, 'utf8')));
  try {
    await git(ctx, ['-c', 'user.name=codeclashers-e2e', '-c', 'user.email=e2e@localhost', 'commit', '--quiet', '--no-verify', '-m', 'e2e: a release that fails on purpose', '--', ENTRY]);
    return await body();
  } finally {
    // Only HEAD and this one file move back; anything else in the checkout (dist/) is left alone.
    await git(ctx, ['reset', '--quiet', '--soft', original]);
    await git(ctx, ['checkout', original, '--', ENTRY]);
  }
}

export const failedRelease: Scenario = {
  id: 'd',
  title: 'a release that fails on purpose while a duel is live',
  async run(ctx) {
    await ctx.kube.waitReady(300_000);
    const good = await ctx.kube.snapshot();
    const goodPods = await ctx.kube.pods(podsOf(ColyseusGameServer.NAME));
    const goodImages = goodPods[0]?.images.join(' ');
    const goodProcesses = await ctx.kube.colyseusProcesses();
    const server = await ctx.server();
    let players: [DuelPlayer, DuelPlayer] | undefined;
    let liveWhenCrashed = false;

    await withThrowawayCommit(ctx, async () => {
      // Only the image changes in the cluster; the deploy's own wait is shortened so the job
      // does not spend a full rollout timeout on a pod that can never become ready.
      const deploy = ctx.deploy([], { DEPLOY_ROLLOUT_TIMEOUT_SECONDS: process.env.E2E_FAILED_RELEASE_ROLLOUT_SECONDS || '30' });
      let exited = false;
      void deploy.finally(() => { exited = true; });
      try {
        // The duel starts once the broken pod exists, so it is live while that pod crashes.
        const badPod = await waitUntil(async () => exited || (await ctx.kube.pods(podsOf(ColyseusGameServer.NAME))).find(p => p.images.join(' ') !== goodImages),
          ctx.deployTimeoutSeconds * 1000, 'the broken release\'s pod');
        if (badPod === true) throw new Error(`the deploy exited (${(await deploy).code}) before a pod of the broken release appeared`);
        ctx.log(`broken release pod ${badPod.name} runs ${badPod.images[0]}`);
        players = await meet(server, [`e2e-live-a-${Date.now()}`, `e2e-live-b-${Date.now()}`]);
        ctx.log(`live duel ${players[0].room.roomId} on process ${players[0].processId}`);
        await waitUntil(async () => exited || ((await ctx.kube.pods(podsOf(ColyseusGameServer.NAME))).find(p => p.uid === badPod.uid)?.restarts ?? 0) > 0,
          ctx.deployTimeoutSeconds * 1000, `pod ${badPod.name} to crash`);
        liveWhenCrashed = players.every(p => p.connected && p.phase === 'playing');
      } finally {
        // Never move HEAD back under a running deploy.
        const run = await deploy;
        if (run.code === 0) throw new Error('the deploy of a release whose game server never listens exited 0');
      }
    });
    if (!players) throw new Error('no live duel was started');
    if (!liveWhenCrashed) throw new Error(`the live duel was not playing, connected, when the broken pod crashed (phase ${players[0].phase}, close codes ${players.map(p => p.leaveCodes.join('/') || 'none').join(', ')})`);
    assertNone('the live duel lost players', players.filter(p => p.droppedMidMatch()).map(p => `${p.id} disconnected (code ${p.leaveCodes[0]}) while the match was ${p.phaseAtLeave}`));
    if (players[1].phase === 'playing') await finishDuel(players, { judged: false });
    await Promise.all(players.map(p => p.leave()));

    // The broken ReplicaSet scales down after the rollback; then compare.
    await ctx.kube.waitReady(300_000, 'the rollback to settle');
    assertNone('after the failed release the cluster is not the last good release', releaseDifferences(good, await ctx.kube.snapshot()));
    assertNone('the good game server pods did not survive the failed release', restartedPods(goodPods, await ctx.kube.pods(podsOf(ColyseusGameServer.NAME))));

    // New duels land only where a good process listens.
    const fresh = await meet(server, [`e2e-after-d-a-${Date.now()}`, `e2e-after-d-b-${Date.now()}`]);
    try {
      if (!goodProcesses.has(fresh[0].processId)) throw new Error(`a new duel landed on process ${fresh[0].processId}, not one of the last good release's (${[...goodProcesses.keys()].join(', ')})`);
    } finally {
      await Promise.all(fresh.map(p => p.leave()));
    }
  },
};
