// (e) Redis password rotation. Redis reads its password only at start, so it restarts; game
// server pods still on the old password (draining a live duel) must not fail on it; the live
// duel plays to its end, Redis keeps its data, and a new duel works afterwards.
import { randomBytes } from 'crypto';
import { RedisStore } from '../../../lib/redis-store';
import { Scenario, assertNone, mask } from '../context';
import { finishDuel, meet, playDuel, waitUntil } from '../duel';
import { OWN_WORKLOADS, podsOf } from '../workloads';

export const redisRotation: Scenario = {
  id: 'e',
  title: 'Redis password rotation with a live duel',
  async run(ctx) {
    await ctx.kube.waitReady(300_000);
    const marker = `e2e-${Date.now()}`;
    await ctx.kube.redis(['SET', 'e2e:rotation', marker]);
    const redisBefore = (await ctx.kube.pods(podsOf(RedisStore.NAME)))[0];
    const serverPodsBefore = await ctx.kube.pods(podsOf(...OWN_WORKLOADS));
    const server = await ctx.server();
    const players = await meet(server, [`e2e-rot-a-${Date.now()}`, `e2e-rot-b-${Date.now()}`]);

    const rotated = randomBytes(32).toString('hex');
    mask(rotated);
    ctx.env.REDIS_PASSWORD = rotated;
    const deploy = ctx.deploy();
    let exited = false;
    void deploy.finally(() => { exited = true; });
    let redisRestartedDuringDuel = false;
    try {
      await waitUntil(async () => {
        if (exited) return true;
        const now = (await ctx.kube.pods(podsOf(RedisStore.NAME)))[0];
        return now && now.uid !== redisBefore.uid && now.ready;
      }, ctx.deployTimeoutSeconds * 1000, 'Redis to restart with the new password');
      redisRestartedDuringDuel = players.every(p => p.connected && p.phase === 'playing');
      // The duel's process still holds the old password; the match must still end and be
      // recorded. Unjudged: Judge0 reads REDIS_PASSWORD too and may be restarting right now.
      if (players[1].phase === 'playing') await finishDuel(players, { judged: false });
    } finally {
      const run = await deploy;
      await Promise.all(players.map(p => p.leave()));
      if (run.code !== 0) throw new Error(`the deploy rotating the Redis password exited ${run.code}`);
    }
    const redisAfter = (await ctx.kube.pods(podsOf(RedisStore.NAME)))[0];
    if (redisAfter.uid === redisBefore.uid) throw new Error('Redis was not restarted: it still runs with the old password');
    if (!redisRestartedDuringDuel) throw new Error(`the duel was not live when Redis restarted (phase ${players[1].phase}): the old pods' behaviour on the old password was not exercised`);
    assertNone('the live duel lost players during the rotation', players.filter(p => p.droppedMidMatch()).map(p => `${p.id} disconnected (code ${p.leaveCodes[0]}) while the match was ${p.phaseAtLeave}`));
    // Pods that started on the old password did not crash on it (container restarts).
    const crashed = (await ctx.kube.pods(podsOf(...OWN_WORKLOADS)))
      .filter(p => p.restarts > (serverPodsBefore.find(b => b.uid === p.uid)?.restarts ?? 0));
    assertNone('pods crashed during the rotation', crashed.map(p => `${p.name}: ${p.restarts} container restarts`));
    const stored = await waitUntil(() => ctx.kube.findMatch(players[1].room.roomId), 30_000, `the live duel's result in MongoDB`);
    if (stored.winner !== players[1].id) throw new Error(`MongoDB holds winner ${JSON.stringify(stored.winner)} for the live duel, expected ${players[1].id}`);
    const value = await ctx.kube.redis(['GET', 'e2e:rotation']);
    if (value !== marker) throw new Error(`Redis lost its data in the restart: e2e:rotation is ${JSON.stringify(value)}`);
    await ctx.kube.waitReady(300_000);
    const outcome = await playDuel(server, { judged: ctx.target.judge0Mode !== 'off', verdictTimeoutMs: 120_000 });
    ctx.log(`a new duel after the rotation: ${outcome.roomId}, winner ${outcome.winner}`);
  },
};
