// (b) A judged duel through the LoadBalancer: a wrong and a correct solution, Wrong Answer and
// Accepted from Judge0 (cluster mode, per-process limits, on this cgroup v2 kernel), the result
// in MongoDB. With Judge0 off (the arm64 leg) the duel is played unjudged and says so.
import { Scenario } from '../context';
import { playDuel, waitUntil } from '../duel';

export const judgedDuel: Scenario = {
  id: 'b',
  title: 'a judged duel through the LoadBalancer; Accepted / Wrong Answer; the result in MongoDB',
  async run(ctx) {
    const judged = ctx.target.judge0Mode !== 'off';
    if (!judged) ctx.log('K8S_JUDGE0_MODE=off: the duel is played without judging (one player forfeits); Judge0 is not proven on this leg.');
    const outcome = await playDuel(await ctx.server(), { judged, verdictTimeoutMs: 120_000 });
    ctx.log(`duel ${outcome.roomId} (${outcome.problemId}): ${JSON.stringify(outcome.verdicts)}; winner ${outcome.winner}`);
    const stored = await waitUntil(() => ctx.kube.findMatch(outcome.roomId), 30_000, `match ${outcome.roomId} in MongoDB`);
    if (stored.winner !== outcome.winner || stored.reason !== (judged ? 'solved' : 'forfeit')) {
      throw new Error(`MongoDB holds ${JSON.stringify({ winner: stored.winner, reason: stored.reason })} for ${outcome.roomId}, expected winner ${outcome.winner}`);
    }
    ctx.state.duel = outcome;
  },
};
