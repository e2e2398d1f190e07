// Players driving real duels with the real @colyseus/sdk: token minting, matchmaking, verdicts,
// a lone player waiting for a bot. Shared by the cluster e2e (scripts/e2e/scenarios) and by
// test/integ/e2e-duel.test.ts, which runs the same code here against real processes.
import { Client, Room } from '@colyseus/sdk';
import { SignJWT } from 'jose';
import { PLAYER_AUDIENCE } from '../../backend/colyseus/src/auth';
import { problemById } from '../../backend/colyseus/src/problems';
import { LanguagePrograms, languageLabel } from './programs';

/** Where players connect, and what signs their tokens. */
export interface DuelServer {
  /** Base URL of the game server: the LoadBalancer (http://host:2567) or one process. */
  readonly url: string;
  /** COLYSEUS_RESERVATION_SECRET: players' tokens are HS256 JWTs signed with it. */
  readonly playerSecret: string;
  /** `aud` claim: the game server admits players only with its PLAYER_AUDIENCE. @default PLAYER_AUDIENCE */
  readonly audience?: string;
}

/** A verdict as the `duel` room sends it (backend/colyseus/src/judge0.ts `Verdict`). */
export interface VerdictMessage {
  readonly kind: 'accepted' | 'rejected' | 'judge-error' | 'judge-busy' | 'ignored';
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly passed?: number;
  readonly total?: number;
}

/** A player token as the game server's auth (backend/colyseus/src/auth.ts) requires it: HS256, `sub` = player id, `exp`, `aud`. */
export function playerToken(server: DuelServer, sub: string, expiresIn = '15m'): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(expiresIn)
    .setAudience(server.audience ?? PLAYER_AUDIENCE)
    .sign(new TextEncoder().encode(server.playerSecret));
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Polls `check` every 200 ms until it is truthy; the error names `what`. */
export async function waitUntil<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<Exclude<T, undefined | null | false | '' | 0>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, undefined | null | false | '' | 0>;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(200);
  }
}

/** One human player in one duel. */
export class DuelPlayer {
  readonly verdicts: VerdictMessage[] = [];
  /** Close codes, in order; a player that stayed connected has none. */
  readonly leaveCodes: number[] = [];
  /** Room phase when the connection closed (a close after `finished` is the normal end). */
  phaseAtLeave?: string;

  private constructor(readonly id: string, readonly room: Room, readonly processId: string) {
    room.onMessage('problem', () => undefined);
    room.onMessage('reference', () => undefined);
    room.onMessage('verdict', (v: VerdictMessage) => { this.verdicts.push(v); });
    room.onLeave((code: number) => {
      this.phaseAtLeave ??= this.phase;
      this.leaveCodes.push(code);
    });
  }

  /** Matchmakes (HTTP) and connects (WebSocket) through `server`; records the room's process. */
  static async join(server: DuelServer, id: string): Promise<DuelPlayer> {
    const client = new Client(server.url);
    client.auth.token = await playerToken(server, id);
    // The two steps of joinOrCreate, so the reservation's processId is known: the WebSocket must reach
    // that process, else "seat reservation expired" (colyseus/colyseus#631, #622).
    const reservation = (await client.http.post('/matchmake/joinOrCreate/duel', { body: {} } as any)).data as any;
    if (!reservation?.sessionId) throw new Error(`matchmaking for ${id} at ${server.url} answered no seat: ${JSON.stringify(reservation)}`);
    const room = await client.consumeSeatReservation(reservation);
    return new DuelPlayer(id, room, reservation.processId ?? reservation.room?.processId ?? '');
  }

  get phase(): string {
    return (this.room.state as any)?.phase ?? '';
  }

  get connected(): boolean {
    return this.leaveCodes.length === 0;
  }

  /** Players in the room's state: id and whether it is a bot. */
  players(): { id: string; isBot: boolean }[] {
    const map = (this.room.state as any)?.players;
    return map ? [...map.values()].map((p: any) => ({ id: p.id, isBot: p.isBot })) : [];
  }

  submit(source: string, languageId: number): void {
    this.room.send('submit', { language_id: languageId, source });
  }

  forfeit(): void {
    this.room.send('forfeit');
  }

  /** The verdict of the `n`-th submission (0-based). */
  verdict(n: number, timeoutMs: number): Promise<VerdictMessage> {
    return waitUntil(() => this.verdicts[n], timeoutMs, `verdict ${n + 1} for ${this.id}`);
  }

  /** Disconnected without a match end: the failure "players stay connected" guards against. */
  droppedMidMatch(): boolean {
    return this.leaveCodes.length > 0 && this.phaseAtLeave !== 'finished';
  }

  /** Leaves; bounded, since leave() of a room the server already closed never settles. */
  async leave(): Promise<void> {
    if (!this.connected) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.room.leave(true).catch(() => undefined), new Promise(resolve => { timer = setTimeout(resolve, 2000); })]);
    clearTimeout(timer);
  }
}

/** Two players who joined the same duel and see it playing. */
export async function meet(server: DuelServer, ids: readonly [string, string], timeoutMs = 30_000): Promise<[DuelPlayer, DuelPlayer]> {
  const first = await DuelPlayer.join(server, ids[0]);
  const second = await DuelPlayer.join(server, ids[1]);
  if (second.room.roomId !== first.room.roomId) {
    await Promise.all([first.leave(), second.leave()]);
    throw new Error(`${ids[0]} and ${ids[1]} landed in different duels (${first.room.roomId}, ${second.room.roomId}): matchmaking did not pair them`);
  }
  await waitUntil(() => first.phase === 'playing' && second.phase === 'playing', timeoutMs, `duel ${first.room.roomId} to start for both players`);
  return [first, second];
}

/** Source that runs and prints something no test expects: a Wrong Answer, not an error. */
export const WRONG_SOURCE = 'print("e2e: a wrong answer")\n';

const SANDBOX_HINT = ' Judge0\'s isolate sandbox could not run the program: with K8S_JUDGE0_LIMITS=per-process it must run without cgroups; on this cgroup v2 kernel it did not (judge0#543, #597).';
/** Judge0 statuses that mean the sandbox failed, not the program (13 Internal Error, 14 Exec Format Error). */
const SANDBOX_FAILURE = /internal error|exec format/i;

/**
 * Why a verdict shows that Judge0 could not judge (vs. judging a wrong answer), or undefined
 * when it is the expected one. The game server reports Judge0's "Internal Error" (status 13:
 * isolate could not set up its box, judge0#543, #597) and "Exec Format Error" (14) as a
 * judge-error naming the status (backend/colyseus/src/judge0.ts); older servers as a rejection.
 */
export function judgeFailure(verdict: VerdictMessage, expected: 'accepted' | 'Wrong Answer'): string | undefined {
  if (verdict.kind === 'judge-error') {
    const sandbox = verdict.message && SANDBOX_FAILURE.test(verdict.message) ? SANDBOX_HINT : '';
    return `Judge0 could not judge: ${verdict.message}.${sandbox}`;
  }
  if (verdict.kind === 'judge-busy') return `Judge0 was busy: ${verdict.message}`;
  if (verdict.kind === 'ignored') return `the room ignored the submission: ${verdict.reason}`;
  if (expected === 'accepted' && verdict.kind === 'accepted') return undefined;
  if (expected === 'Wrong Answer' && verdict.kind === 'rejected' && verdict.status === 'Wrong Answer') return undefined;
  const got = verdict.kind === 'rejected' ? `"${verdict.status}"` : verdict.kind;
  const sandbox = verdict.status && SANDBOX_FAILURE.test(verdict.status) ? SANDBOX_HINT : '';
  return `expected ${expected === 'accepted' ? 'Accepted' : 'Wrong Answer'}, Judge0 returned ${got}.${sandbox}`;
}

export interface DuelOutcome {
  readonly roomId: string;
  readonly problemId: string;
  /** Player id of the winner. */
  readonly winner: string;
  readonly judged: boolean;
  readonly verdicts: { readonly wrong?: VerdictMessage; readonly right?: VerdictMessage };
  /** Language of the two submissions, when judged. */
  readonly languageId?: number;
}

/**
 * A whole duel: the first player submits a wrong solution, the second the problem's reference
 * solution; the second must win. Unjudged (Judge0 off): both meet, the first forfeits.
 * Throws with the reason when Judge0 cannot judge; never passes without a verdict.
 */
export async function playDuel(server: DuelServer, options: { judged: boolean; ids?: readonly [string, string]; verdictTimeoutMs?: number; programs?: LanguagePrograms }): Promise<DuelOutcome> {
  const [loser, winner] = await meet(server, options.ids ?? [`e2e-wrong-${Date.now()}`, `e2e-right-${Date.now()}`]);
  try {
    return await finishDuel([loser, winner], options);
  } finally {
    await Promise.all([loser.leave(), winner.leave()]);
  }
}

/**
 * Finishes a duel in play, as playDuel describes; `players[1]` wins. With `programs`, the two
 * submissions are that language's wrong and correct program (the room must play their problem);
 * otherwise WRONG_SOURCE and the problem's reference solution. Failures name the language.
 */
export async function finishDuel(players: readonly [DuelPlayer, DuelPlayer], options: { judged: boolean; verdictTimeoutMs?: number; programs?: LanguagePrograms }): Promise<DuelOutcome> {
  const [loser, winner] = players;
  const timeout = options.verdictTimeoutMs ?? 90_000;
  const problemId = (winner.room.state as any).problemId as string;
  const problem = problemById(problemId);
  if (!problem) throw new Error(`the room plays problem ${JSON.stringify(problemId)}, which backend/colyseus/src/problems.ts does not know`);
  const programs = options.programs ?? { languageId: problem.reference.languageId, correct: problem.reference.source, wrong: WRONG_SOURCE };
  const language = `language ${languageLabel(programs.languageId)}`;
  const verdicts: { wrong?: VerdictMessage; right?: VerdictMessage } = {};
  if (options.judged) {
    loser.submit(programs.wrong, programs.languageId);
    verdicts.wrong = await loser.verdict(loser.verdicts.length, timeout);
    const wrongProblem = judgeFailure(verdicts.wrong, 'Wrong Answer');
    if (wrongProblem) throw new Error(`${language}, wrong solution: ${wrongProblem}`);
    winner.submit(programs.correct, programs.languageId);
    verdicts.right = await winner.verdict(winner.verdicts.length, timeout);
    const rightProblem = judgeFailure(verdicts.right, 'accepted');
    if (rightProblem) throw new Error(`${language}, correct solution: ${rightProblem}`);
  } else {
    loser.forfeit();
  }
  await waitUntil(() => winner.phase === 'finished', 30_000, `duel ${winner.room.roomId} to finish`);
  const declared = (winner.room.state as any).winner as string;
  if (declared !== winner.id) throw new Error(`duel ${winner.room.roomId} declared ${JSON.stringify(declared)} the winner, expected ${winner.id}`);
  return { roomId: winner.room.roomId, problemId, winner: declared, judged: options.judged, verdicts, languageId: options.judged ? programs.languageId : undefined };
}

/**
 * Two players in a duel on problem `problemId`. The room draws its problem at random
 * (backend/colyseus/src/duel-room.ts), so a duel on another problem is forfeited and the pair
 * meets again, at most `attempts` times (each try is 1/PROBLEMS.length likely to hit).
 */
export async function meetOnProblem(server: DuelServer, idPrefix: string, problemId: string, attempts = 25): Promise<{ players: [DuelPlayer, DuelPlayer]; skipped: number }> {
  for (let n = 0; n < attempts; n++) {
    const players = await meet(server, [`${idPrefix}-wrong-${n}`, `${idPrefix}-right-${n}`]);
    if ((players[1].room.state as any).problemId === problemId) return { players, skipped: n };
    players[0].forfeit();
    await waitUntil(() => players[1].phase === 'finished', 30_000, `duel ${players[1].room.roomId} to end by forfeit`);
    await Promise.all(players.map(p => p.leave()));
  }
  throw new Error(`${attempts} duels in a row did not play problem ${problemId}: does the game server still draw it?`);
}

/**
 * A language proven in a real duel: its wrong program gets Wrong Answer, its correct one
 * Accepted and the win. Throws naming the language and Judge0's status or message.
 */
export async function judgeLanguage(server: DuelServer, programs: LanguagePrograms, problemId: string, options: { idPrefix: string; verdictTimeoutMs?: number }): Promise<DuelOutcome & { skipped: number }> {
  const { players, skipped } = await meetOnProblem(server, options.idPrefix, problemId);
  try {
    return { ...await finishDuel(players, { judged: true, programs, verdictTimeoutMs: options.verdictTimeoutMs }), skipped };
  } finally {
    await Promise.all(players.map(p => p.leave()));
  }
}

/**
 * A lone player waits; a bot must join within the bots' wait (`joinAfterSeconds`) plus
 * `marginSeconds` (its poll, matchmaking, a busy node). Returns the bot's id; leaves after.
 */
export async function loneVersusBot(server: DuelServer, joinAfterSeconds: number, marginSeconds = 30): Promise<{ roomId: string; botId: string; waitedSeconds: number }> {
  const started = Date.now();
  const human = await DuelPlayer.join(server, `e2e-lonely-${Date.now()}`);
  try {
    const bot = await waitUntil(
      () => human.players().find(p => p.isBot),
      (joinAfterSeconds + marginSeconds) * 1000,
      `a bot to join duel ${human.room.roomId} (bots join after ${joinAfterSeconds} s)`,
    );
    await waitUntil(() => human.phase === 'playing', 10_000, `duel ${human.room.roomId} to start with the bot`);
    return { roomId: human.room.roomId, botId: bot.id, waitedSeconds: (Date.now() - started) / 1000 };
  } finally {
    await human.leave();
  }
}
