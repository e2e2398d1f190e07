// (b) Judged duels through the LoadBalancer, one per language the game server offers
// (backend/colyseus/src/languages.ts): each language's wrong program gets Wrong Answer, its
// correct one Accepted (Judge0 in cluster mode, per-process limits, on this cgroup v2 kernel),
// and each result is in MongoDB. Every language is tried before the scenario fails, so the job
// summary lists each one's outcome (the README's "Languages" table records it, issue 19). With
// Judge0 off (the arm64 leg) one duel is played unjudged and the log says so.
import { LANGUAGES } from '../../../backend/colyseus/src/languages';
import { E2eContext, Scenario, assertNone } from '../context';
import { DuelOutcome, judgeLanguage, playDuel, waitUntil } from '../duel';
import { programsByLanguage, programsProblem } from '../programs';

/** The result MongoDB holds for `outcome`, or a throw saying what differs. */
async function assertStored(ctx: E2eContext, outcome: DuelOutcome, reason: 'solved' | 'forfeit'): Promise<void> {
  const stored = await waitUntil(() => ctx.kube.findMatch(outcome.roomId), 30_000, `match ${outcome.roomId} in MongoDB`);
  if (stored.winner !== outcome.winner || stored.reason !== reason) {
    throw new Error(`MongoDB holds ${JSON.stringify({ winner: stored.winner, reason: stored.reason })} for ${outcome.roomId}, expected winner ${outcome.winner} by ${reason}`);
  }
}

/** One row per language for the job summary: what to copy into the README's "Languages" table. */
export function languageRows(results: readonly { languageId: number; name: string; error?: string }[]): string[] {
  return [
    '| id | language | Judge0 per-process, cgroup v2 amd64 |', '| ---: | --- | --- |',
    ...results.map(r => `| ${r.languageId} | ${r.name} | ${r.error ? `**fails**: ${r.error.split('\n').join(' ').replace(/\|/g, '\\|')}` : 'proven: Accepted and Wrong Answer'} |`),
  ];
}

export const judgedDuel: Scenario = {
  id: 'b',
  title: `judged duels through the LoadBalancer in every offered language (${LANGUAGES.map(l => l.id).join(', ')}); Accepted / Wrong Answer; the results in MongoDB`,
  async run(ctx) {
    const server = await ctx.server();
    if (ctx.target.judge0Mode === 'off') {
      ctx.log('K8S_JUDGE0_MODE=off: the duel is played without judging (one player forfeits); no language is proven on this leg.');
      const outcome = await playDuel(server, { judged: false });
      await assertStored(ctx, outcome, 'forfeit');
      ctx.state.duel = outcome;
      return;
    }
    const problem = programsProblem();
    const results: { languageId: number; name: string; error?: string }[] = [];
    for (const { language, programs } of programsByLanguage()) {
      try {
        const outcome = await judgeLanguage(server, programs, problem.id, { idPrefix: `e2e-${language.id}-${Date.now()}`, verdictTimeoutMs: 120_000 });
        ctx.log(`language ${language.id} (${language.name}): duel ${outcome.roomId} on ${problem.id} (after ${outcome.skipped} duel(s) on other problems): ${JSON.stringify(outcome.verdicts)}; winner ${outcome.winner}`);
        await assertStored(ctx, outcome, 'solved');
        ctx.state.duel ??= outcome;
        results.push({ languageId: language.id, name: language.name });
      } catch (error) {
        results.push({ languageId: language.id, name: language.name, error: (error as Error).message });
      }
    }
    ctx.summary(['### Languages (scenario b)', '', ...languageRows(results), ''].join('\n'));
    assertNone('languages Judge0 could not judge here (record this in the README\'s "Languages" table)', results.filter(r => r.error).map(r => r.error!));
  },
};
