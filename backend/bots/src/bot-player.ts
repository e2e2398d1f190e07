// One bot playing one duel: join the room a human waits in, "think" for a human-like while,
// submit, and fall back to the reference solution if an OpenAI answer is rejected.
import { Client, Room } from '@colyseus/sdk';
import { randomUUID } from 'crypto';
import { SignJWT } from 'jose';
import { Settings } from './settings';
import { Problem, Solution, solveWithOpenAi } from './solver';

/** The error code Colyseus answers a joinById with when the room is gone or locked (@colyseus/shared-types ErrorCode.MATCHMAKE_INVALID_ROOM_ID). */
export const ROOM_NOT_JOINABLE = 522;
/**
 * The audience the game server requires of bot tokens (backend/colyseus/src/auth.ts BOT_AUDIENCE;
 * this image does not contain that package, so a test checks the two are equal).
 */
export const BOT_AUDIENCE = 'codeclashers-bot';
/** Longest wait for a leave to be acknowledged: `room.leave()` of a room the server closed never settles. */
const LEAVE_TIMEOUT_MS = 3_000;

export class BotPlayer {
  readonly id = `bot-${randomUUID().slice(0, 8)}`;
  private room?: Room;
  private joining?: Promise<Room>;
  private timer?: NodeJS.Timeout;

  constructor(private readonly settings: Settings, private readonly log: (line: string) => void) {}

  private async token(): Promise<string> {
    return new SignJWT({ bot: true }).setProtectedHeader({ alg: 'HS256' }).setAudience(BOT_AUDIENCE).setSubject(this.id)
      .setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(this.settings.botSecret));
  }

  /** Plays the duel in room `roomId`; resolves when the bot has left it. */
  async play(roomId: string): Promise<void> {
    const client = new Client(this.settings.colyseusUrl);
    client.auth.token = await this.token();
    this.joining = client.joinById(roomId);
    const room = await this.joining;
    this.room = room;
    this.log(`${this.id} joined duel ${roomId}`);

    let problem: Problem | undefined;
    let reference: Solution | undefined;
    let submitted: Solution | undefined;
    const thinkMs = this.settings.thinkSeconds * 1000 * (0.5 + Math.random());

    const submit = (solution: Solution) => {
      submitted = solution;
      room.send('submit', { language_id: solution.language_id, source: solution.source });
      this.log(`${this.id} submitted the ${solution.from} solution in ${roomId}`);
    };
    const think = () => {
      if (!problem || !reference || this.timer) return;
      this.timer = setTimeout(async () => {
        const key = this.settings.openaiApiKey;
        const fromAi = key ? await solveWithOpenAi(problem!, { apiKey: key, baseUrl: this.settings.openaiBaseUrl, model: this.settings.openaiModel }) : undefined;
        if (room.connection.isOpen) submit(fromAi ?? reference!);
      }, thinkMs);
    };

    room.onMessage('problem', (p: Problem) => { problem = p; think(); });
    room.onMessage('reference', (r: { language_id: number; source: string }) => { reference = { ...r, from: 'reference' }; think(); });
    room.onMessage('verdict', (v: { kind: string }) => {
      // A wrong answer from OpenAI: correct it after a while, as a person would.
      if (v.kind !== 'accepted' && submitted?.from === 'openai' && reference) {
        this.timer = setTimeout(() => { if (room.connection.isOpen) submit(reference!); }, thinkMs / 2);
      }
    });
    room.onStateChange((state: any) => {
      if (state.phase === 'finished') room.leave().catch(() => undefined);
    });
    await new Promise<void>(resolve => room.onLeave(() => resolve()));
    clearTimeout(this.timer);
    this.log(`${this.id} left duel ${roomId}`);
  }

  /**
   * On shutdown: give the duel up (the human wins) and leave, within `LEAVE_TIMEOUT_MS`. A join
   * still in flight is awaited first (bounded too), so its seat is given back rather than held
   * by a dead connection until the reconnection window closes.
   */
  async forfeit(): Promise<void> {
    clearTimeout(this.timer);
    const bounded = <T>(promise: Promise<T>) => Promise.race([promise.catch(() => undefined), new Promise<undefined>(resolve => setTimeout(resolve, LEAVE_TIMEOUT_MS))]);
    const room = this.room ?? (this.joining ? await bounded(this.joining) : undefined);
    if (!room?.connection.isOpen) return;
    room.send('forfeit');
    await bounded(room.leave(true));
  }
}
