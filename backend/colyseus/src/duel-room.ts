// Room `duel`: two players, one problem with hidden tests, first to pass them all wins.
import { Client, CloseCode, Delayed, Room, ServerError } from '@colyseus/core';
import { schema, t } from '@colyseus/schema';
import { AuthError, Identity, TokenSecrets, isCurrentIdentity, verifyToken } from './auth';
import { timeLeftMs } from './drain';
import { Judge0Client, Verdict } from './judge0';
import { languageById, unsupportedLanguageMessage } from './languages';
import { MAX_SOURCE_BYTES, SUBMIT_COOLDOWN_SECONDS } from './submission-limits';
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
  /** "on" | "off": off when the server has no Judge0 (JUDGE0_URL unset); nobody can win then. */
  judging: t.string().default('on'),
}, 'DuelState');

/** What every duel needs from the process; set once at start-up (see server.ts). */
export interface DuelServices {
  readonly secrets: TokenSecrets;
  readonly judge?: Judge0Client;
  readonly results: MatchResults;
  readonly waiting: WaitingDuels;
  readonly matchSeconds: number;
  /** The drain's deadline (ms since the epoch) once SIGTERM came, else undefined (drain.ts). */
  readonly drainDeadline?: () => number | undefined;
}

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
  /** Judgements in flight, by sessionId. */
  private readonly judging = new Map<string, Promise<void>>();
  private readonly lastSubmitAt = new Map<string, number>();
  /** MATCH_SECONDS passed; submissions made before still count (their verdicts decide). */
  private timeUp = false;
  /** Resolves when the drain's deadline is near (set in onBeforeShutdown). */
  private drainEnds?: () => void;
  private readonly nearDrainDeadline = new Promise<void>(resolve => { this.drainEnds = resolve; });

  private get services(): DuelServices {
    return DuelRoom.services;
  }

  /**
   * Runs at matchmaking (HTTP), before any seat or room exists: the matchmaker calls only this
   * static onAuth (FIELD-NOTES, Colyseus). A thrown ServerError becomes the HTTP status (401 or
   * 403); returning false would give Colyseus' 525.
   */
  static async onAuth(token: string | undefined): Promise<Identity> {
    try {
      return await verifyToken(token, DuelRoom.services.secrets);
    } catch (error) {
      if (error instanceof AuthError) throw new ServerError(error.status, error.message);
      throw error;
    }
  }

  onCreate(): void {
    this.state.judging = this.services.judge ? 'on' : 'off';
    this.onMessage('submit', (client, message: { language_id?: unknown; source?: unknown }) => this.submit(client, message));
    this.onMessage('forfeit', client => this.forfeit(client));
    // round trip for clients (latency display) and for `npm run bench:game`
    this.onMessage('ping', (client, message: unknown) => client.send('pong', message));
  }

  onJoin(client: Client): void {
    // With a static onAuth Colyseus skips the instance one: check here what it returned (a seat
    // is used up to 15 s after matchmaking, and a server-side join carries no auth at all).
    if (!isCurrentIdentity(client.auth)) throw new ServerError(401, 'a current player or bot token is required');
    const identity = client.auth;
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
    this.deadline = this.clock.setTimeout(() => this.onTimeUp(), this.services.matchSeconds * 1000);
    this.broadcast('problem', { id: problem.id, title: problem.title, statement: problem.statement });
    if (!this.services.judge) {
      this.broadcast('notice', { kind: 'judging-off', message: 'Judging is off on this server (no Judge0): submissions cannot be judged; the match ends undecided.' });
    }
    // Bots without OpenAI play the reference solution; humans never see it.
    for (const client of this.clients) {
      if ((client.auth as Identity).isBot) client.send('reference', { language_id: problem.reference.languageId, source: problem.reference.source });
    }
  }

  private async submit(client: Client, message: { language_id?: unknown; source?: unknown }): Promise<void> {
    const player = this.state.players.get(client.sessionId);
    const source = message?.source;
    const ignore = (reason: string) => client.send('verdict', { kind: 'ignored', reason });
    if (!player || this.state.phase !== 'playing' || !this.problem) return ignore('no match in play');
    if (this.timeUp) return ignore('time is up');
    if (!this.services.judge) {
      client.send('verdict', { kind: 'judge-error', message: 'judging is off on this server (no Judge0 configured)' } satisfies Verdict);
      return;
    }
    if (typeof source !== 'string' || !source || Buffer.byteLength(source) > MAX_SOURCE_BYTES) {
      return ignore(`expected { language_id: number, source: string of at most ${MAX_SOURCE_BYTES} bytes }`);
    }
    const language = languageById(Number(message?.language_id));
    if (!language) return ignore(unsupportedLanguageMessage(message?.language_id));
    if (this.judging.has(client.sessionId)) return ignore('the previous submission is still being judged');
    // The cooldown is for people: our own bots (bot audience, signed by the bot service) submit at
    // most twice per duel, the second right after a rejected first (backend/bots).
    const waitMs = (this.lastSubmitAt.get(client.sessionId) ?? -Infinity) + SUBMIT_COOLDOWN_SECONDS * 1000 - Date.now();
    if (waitMs > 0 && !player.isBot) return ignore(`wait ${Math.ceil(waitMs / 1000)} s between submissions`);
    this.lastSubmitAt.set(client.sessionId, Date.now());

    const judgement = this.services.judge.judge(source, language, this.problem.tests).then(async verdict => {
      client.send('verdict', verdict);
      if (verdict.kind === 'accepted' && this.state.phase === 'playing') {
        player.solved = true;
        await this.finish(player.id, 'solved');
      }
    }).catch(error => {
      // a rejection here would become an uncaught exception, which Colyseus turns into a drain
      console.error(`duel ${this.roomId}: could not deliver a verdict: ${(error as Error).message}`);
    }).finally(() => this.judging.delete(client.sessionId));
    this.judging.set(client.sessionId, judgement);
    await judgement;
  }

  /**
   * MATCH_SECONDS passed. A submission made in time is still judged and decides the match (a
   * late verdict is reported, not turned into a draw); Judge0's own timeout bounds the wait, and
   * while draining so does the drain's deadline (less RESULT_SECONDS to show the result).
   */
  private async onTimeUp(): Promise<void> {
    this.timeUp = true;
    if (this.judging.size) {
      this.broadcast('notice', { kind: 'time-up', message: 'Time is up: the submissions being judged decide the match.' });
      await Promise.race([Promise.allSettled([...this.judging.values()]), this.nearDrainDeadline]);
    }
    await this.finish('', 'timeout');
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
    const saved = this.services.results.save(result, this.drainTimeLeftMs(RESULT_SAVE_WAIT_SECONDS * 1000));
    const shown = new Promise<void>(resolve => this.clock.setTimeout(resolve, RESULT_SECONDS * 1000));
    Promise.all([saved, shown]).then(() => this.disconnect()).catch(() => undefined);
  }

  /**
   * Draining (SIGTERM): the room is already locked. A live match plays on to its end, which
   * MATCH_SECONDS bounds; a duel that has not started closes now so its player can matchmake
   * on another replica.
   */
  onBeforeShutdown(): void {
    const deadline = this.services.drainDeadline?.();
    if (deadline !== undefined) {
      const timer = setTimeout(() => this.drainEnds?.(), timeLeftMs(deadline - RESULT_SECONDS * 1000, Date.now()));
      timer.unref();
      this.nearDrainDeadline.then(() => clearTimeout(timer)).catch(() => undefined);
    }
    if (this.state.phase !== 'playing') this.disconnect(CloseCode.SERVER_SHUTDOWN).catch(() => undefined);
  }

  /** `capMs`, or less when the drain's deadline comes sooner. */
  private drainTimeLeftMs(capMs: number): number {
    const deadline = this.services.drainDeadline?.();
    return deadline === undefined ? capMs : timeLeftMs(deadline, Date.now(), capMs);
  }

  onDispose(): Promise<void> {
    return this.services.waiting.remove(this.roomId).catch(() => undefined);
  }
}
