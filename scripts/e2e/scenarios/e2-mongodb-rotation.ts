// (e2) MongoDB's three passwords rotated during a live duel (issue 16): root
// (MONGODB_PASSWORD), Colyseus' user (MONGODB_COLYSEUS_PASSWORD) and the frontend's
// (MONGODB_URI), regenerated as scripts/e2e/secrets.ts makes them. The duel in play when the
// new passwords reach the game server must end with its result in MongoDB; afterwards a new
// duel is played and stored, and the frontend logs in with its new password.
import { E2eContext, Scenario, assertNone, mask } from '../context';
import { DuelPlayer, finishDuel, meet, playDuel, waitUntil } from '../duel';
import { passwordInUri, rotatedMongoSecrets } from '../secrets';
import { OWN_WORKLOADS, podsOf } from '../workloads';
import { runMongodbChecks } from './a2-mongodb-exposure';

/** What the rotation left behind, as the scenario observed it. */
export interface RotationFacts {
  readonly deployCode: number;
  /** The live duel was still being played when the deploy started replacing game server pods (or, if it replaced none, when it ended). */
  readonly duelLiveWhenPodsChanged: boolean;
  /** Winner the live duel's room declared ('' for none: time ran out). */
  readonly declaredWinner: string;
  /** The live duel's document in MongoDB, if found. */
  readonly stored?: { readonly winner?: string };
  /** Players who lost their connection before the match ended. */
  readonly dropped: readonly string[];
  /** Game server or bot pods whose containers restarted during the rotation. */
  readonly crashed: readonly string[];
}

/** Everything the rotation got wrong; empty when no match result was lost and nothing broke. */
export function rotationProblems(f: RotationFacts): string[] {
  const problems: string[] = [];
  if (f.deployCode !== 0) problems.push(`the deploy rotating the MongoDB passwords exited ${f.deployCode}`);
  if (!f.duelLiveWhenPodsChanged) problems.push('the duel had ended before the game server pods changed: a live duel across the rotation was not exercised');
  if (!f.stored) problems.push('the live duel\'s result is not in MongoDB: it was lost in the rotation');
  else if (f.stored.winner !== f.declaredWinner) problems.push(`MongoDB holds winner ${JSON.stringify(f.stored.winner)} for the live duel, the room declared ${JSON.stringify(f.declaredWinner)}`);
  problems.push(...f.dropped.map(p => `${p} was disconnected mid-match`));
  problems.push(...f.crashed.map(p => `${p} restarted during the rotation`));
  return problems;
}

async function gameServerPods(ctx: E2eContext) {
  return ctx.kube.pods(podsOf(...OWN_WORKLOADS));
}

export const mongoRotation: Scenario = {
  id: 'e2',
  title: 'MongoDB password rotation (root, Colyseus\' user, the frontend\'s) with a live duel: no match result lost',
  async run(ctx) {
    await ctx.kube.waitReady(300_000);
    const before = await gameServerPods(ctx);
    const server = await ctx.server();
    const rotated = rotatedMongoSecrets(ctx.env);
    Object.values(rotated).flatMap(v => [v, passwordInUri(v)]).forEach(v => v && mask(v));
    Object.assign(ctx.env, rotated);
    const deploy = ctx.deploy();
    let exited = false;
    void deploy.finally(() => { exited = true; });
    let duelLiveWhenPodsChanged = false;
    let run;
    let players: [DuelPlayer, DuelPlayer] | undefined;
    try {
      // The duel starts as the deploy starts (on the pods with the old passwords), not before:
      // with the job's short K8S_MATCH_SECONDS it must still be in play when the pods change.
      players = await meet(server, [`e2e-mrot-a-${Date.now()}`, `e2e-mrot-b-${Date.now()}`]);
      const live = players;
      // Colyseus gets its new user's password by a rollout: wait for a pod that was not there
      // before (or for the deploy's end, if it rolled nothing: then the duel spans the whole deploy).
      await waitUntil(async () => exited || (await gameServerPods(ctx)).some(p => !before.some(b => b.uid === p.uid)),
        ctx.deployTimeoutSeconds * 1000, 'the deploy to start replacing game server pods');
      duelLiveWhenPodsChanged = live.every(p => p.connected && p.phase === 'playing');
      if (live[1].phase === 'playing') await finishDuel(live, { judged: ctx.target.judge0Mode !== 'off', verdictTimeoutMs: 120_000 });
    } finally {
      run = await deploy;
      await Promise.all((players ?? []).map(p => p.leave()));
    }
    await ctx.kube.waitReady(300_000);
    const roomId = players[1].room.roomId;
    // Root's password reaches the MongoDB pod's credential files with the kubelet's Secret sync (about a minute).
    const stored = await waitUntil(() => ctx.kube.findMatch(roomId).catch(() => undefined), 180_000, `the live duel's result (${roomId}) in MongoDB`).catch(() => undefined);
    const crashed = (await gameServerPods(ctx)).filter(p => p.restarts > (before.find(b => b.uid === p.uid)?.restarts ?? 0)).map(p => `${p.name} (${p.restarts} container restarts)`);
    assertNone('the MongoDB password rotation', rotationProblems({
      deployCode: run.code, duelLiveWhenPodsChanged, declaredWinner: (players[1].room.state as any).winner ?? '', stored,
      dropped: players.filter(p => p.droppedMidMatch()).map(p => `${p.id} (code ${p.leaveCodes[0]}, while ${p.phaseAtLeave})`), crashed,
    }));
    const outcome = await playDuel(server, { judged: ctx.target.judge0Mode !== 'off', verdictTimeoutMs: 120_000 });
    const again = await waitUntil(() => ctx.kube.findMatch(outcome.roomId).catch(() => undefined), 60_000, `the new duel's result (${outcome.roomId}) in MongoDB`);
    if (again.winner !== outcome.winner) throw new Error(`MongoDB holds winner ${JSON.stringify(again.winner)} for the duel after the rotation, expected ${outcome.winner}`);
    ctx.log(`after the rotation: duel ${outcome.roomId} played and stored`);
    // The checks reach NodePort 32017 on 127.0.0.1: only on the node itself, as (a2).
    if (ctx.target.nodeIsThisHost) ctx.log(await runMongodbChecks(ctx, ctx.env.MONGODB_URI));
    else ctx.log('the frontend\'s new password is not checked here: the node is not this machine (see a2)');
  },
};
