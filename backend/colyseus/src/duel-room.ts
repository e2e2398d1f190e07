// Room `duel`: two players, one problem with hidden tests, first to pass them all wins.
import { AuthContext, Client, CloseCode, Delayed, Room } from '@colyseus/core';
import { schema, t } from '@colyseus/schema';
import { Identity, verifyToken } from './auth';
import { Judge0Client, Verdict } from './judge0';
import { MatchResult, MatchResults } from './match-results';
import { Problem, randomProblem } from './problems';
import { WaitingDuels } from './waiting-duels';

export const Player = schema({
  id: t.string(),
  isBot: t.boolean(),
  solved: t.boolean(),
}, 'Player');

export const DuelState = schema({
  phase: t.string().default('waiting'), // "waiting" | "playing" | "finished"
  problemId: t.string().default(''),
  players: t.map(Player),
  winner: t.string().default(''),
  /** Epoch milliseconds at which the match ends undecided. */
  endsAt: t.number().default(0),
}, 'DuelState');

/** What every duel needs from the process; set once at start-up (see server.ts). */
export interface DuelServices {
  readonly secrets: { readonly reservationSecret: string; readonly botSecret: string };
  readonly judge?: Judge0Client;
  readonly results: MatchResults;
  readonly waiting: WaitingDuels;
  readonly matchSeconds: number;
}

const MAX_SOURCE_BYTES = 64 * 1024;
/** Seconds a finished duel stays open so clients see the result. */
const RESULT_SECONDS = 5;
/** Longest a finished duel stays open waiting for its result to be written. */
const RESULT_SAVE_WAIT_SECONDS = 30;
/** Seconds a disconnected player has to come back before the match is forfeited. */
const RECONNECT_SECONDS = 30;

export class DuelRoom extends Room<{ state: InstanceType<typeof DuelState> }> {
  static services: DuelServices;

  maxClients = 2;
  state = new DuelState();
  private problem?: Problem;
  private startedAt = new Date();
  private deadline?: Delayed;
  private readonly judging = new Set<string>();

  private get services(): DuelServices {
    return DuelRoom.services;
  }

  async onAuth(_client: Client, _options: unknown, context: AuthContext): Promise<Identity> {
    return verifyToken(context.token, this.services.secrets);
  }

  onCreate(): void {
    this.onMessage('submit', (client, message: { language_id?: unknown; source?: unknown }) => this.submit(client, message));
    this.onMessage('forfeit', client => this.forfeit(client));
  }

  onJoin(client: Client): void {
    const identity = client.auth as Identity;
    this.state.players.set(client.sessionId, new Player({ id: identity.id, isBot: identity.isBot, solved: false }));
    if (this.state.players.size === 1 && !identity.isBot) {
      this.services.waiting.add(this.roomId).catch(() => undefined);
    }
    if (this.state.players.size === 2) this.start();
  }

  private start(): void {
    this.lock();
    this.services.waiting.remove(this.roomId).catch(() => undefined);
    const problem = randomProblem();
    this.problem = problem;
    this.startedAt = new Date();
    this.state.phase = 'playing';
    this.state.problemId = problem.id;
    this.state.endsAt = Date.now() + this.services.matchSeconds * 1000;
    this.deadline = this.clock.setTimeout(() => this.finish('', 'timeout'), this.services.matchSeconds * 1000);
    this.broadcast('problem', { id: problem.id, title: problem.title, statement: problem.statement });
    // Bots without OpenAI play the reference solution; humans never see it.
    for (const client of this.clients) {
      if ((client.auth as Identity).isBot) client.send('reference', { language_id: problem.reference.languageId, source: problem.reference.source });
    }
  }

  private async submit(client: Client, message: { language_id?: unknown; source?: unknown }): Promise<void> {
    const player = this.state.players.get(client.sessionId);
    const languageId = Number(message?.language_id);
    const source = message?.source;
    if (!player || this.state.phase !== 'playing' || !this.problem) {
      client.send('verdict', { kind: 'ignored', reason: 'no match in play' });
      return;
    }
    if (!Number.isInteger(languageId) || typeof source !== 'string' || !source || Buffer.byteLength(source) > MAX_SOURCE_BYTES) {
      client.send('verdict', { kind: 'ignored', reason: `expected { language_id: number, source: string of at most ${MAX_SOURCE_BYTES} bytes }` });
      return;
    }
    if (this.judging.has(client.sessionId)) {
      client.send('verdict', { kind: 'ignored', reason: 'the previous submission is still being judged' });
      return;
    }
    if (!this.services.judge) {
      client.send('verdict', { kind: 'judge-error', message: 'judging is not available (no JUDGE0_URL)' } satisfies Verdict);
      return;
    }
    this.judging.add(client.sessionId);
    try {
      const verdict = await this.services.judge.judge(source, languageId, this.problem.tests);
      client.send('verdict', verdict);
      if (verdict.kind === 'accepted' && this.state.phase === 'playing') {
        player.solved = true;
        await this.finish(player.id, 'solved');
      }
    } finally {
      this.judging.delete(client.sessionId);
    }
  }

  private forfeit(client: Client): Promise<void> | void {
    if (this.state.phase !== 'playing') return;
    const opponent = [...this.state.players.entries()].find(([sessionId]) => sessionId !== client.sessionId)?.[1];
    return this.finish(opponent?.id ?? '', 'forfeit');
  }

  async onLeave(client: Client, code?: number): Promise<void> {
    if (this.state.phase === 'waiting') {
      this.state.players.delete(client.sessionId);
      await this.services.waiting.remove(this.roomId).catch(() => undefined);
      return;
    }
    if (this.state.phase !== 'playing') return;
    if (code === CloseCode.CONSENTED) {
      await this.forfeit(client);
      return;
    }
    try {
      await this.allowReconnection(client, RECONNECT_SECONDS);
    } catch {
      await this.forfeit(client);
    }
  }

  private async finish(winner: string, reason: MatchResult['reason']): Promise<void> {
    if (this.state.phase === 'finished') return;
    this.state.phase = 'finished';
    this.state.winner = winner;
    this.deadline?.clear();
    const result: MatchResult = {
      roomId: this.roomId,
      problemId: this.state.problemId,
      players: [...this.state.players.values()].map(p => ({ id: p.id, isBot: p.isBot, solved: p.solved })),
      winner,
      reason,
      startedAt: this.startedAt,
      endedAt: new Date(),
    };
    // Saved now, not in onDispose (a room disposed during a Redis outage may skip it). The room
    // stays open while the save retries (MongoDB away), up to RESULT_SAVE_WAIT_SECONDS; a result
    // still unsaved then stays queued in the process, which flushes it before exiting.
    const saved = this.services.results.save(result, RESULT_SAVE_WAIT_SECONDS * 1000);
    const shown = new Promise<void>(resolve => this.clock.setTimeout(resolve, RESULT_SECONDS * 1000));
    Promise.all([saved, shown]).then(() => this.disconnect()).catch(() => undefined);
  }

  /**
   * Draining (SIGTERM): the room is already locked. A live match plays on to its end, which
   * MATCH_SECONDS bounds; a duel that has not started closes now so its player can matchmake
   * on another replica.
   */
  onBeforeShutdown(): void {
    if (this.state.phase !== 'playing') this.disconnect(CloseCode.SERVER_SHUTDOWN).catch(() => undefined);
  }

  onDispose(): Promise<void> {
    return this.services.waiting.remove(this.roomId).catch(() => undefined);
  }
}
