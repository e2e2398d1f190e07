// One Redis outage against two real game-server processes and real clients (@colyseus/sdk):
// what players see during it, and how long until matchmaking works again after it. Used by the
// outage tests (which assert) and by bench/outage.ts (which prints the times).
import { Client, Room } from '@colyseus/sdk';
import { problemById } from '../src/problems';
import { DurableRedis, JUDGE0_TOKEN, Proc, eventually, sign, sleep, startColyseus } from './harness';
import { Judge0StandIn } from './judge0-stand-in';

export const endpoint = (p: Proc) => `http://127.0.0.1:${p.port}`;
export const processIdOf = (p: Proc) => /Colyseus process (\S+) listening/.exec(p.output())![1];

export interface MatchmakeAnswer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly ms: number;
  readonly reservation?: any;
}

/** `POST /matchmake/joinOrCreate/duel`, given up after 8 s (a hang). */
export async function matchmake(p: Proc, sub: string): Promise<MatchmakeAnswer> {
  const started = Date.now();
  try {
    const response = await fetch(`${endpoint(p)}/matchmake/joinOrCreate/duel`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await sign(sub)}` },
      body: '{}',
      signal: AbortSignal.timeout(8_000),
    });
    const body = await response.text();
    return {
      status: response.status, retryAfter: response.headers.get('retry-after'), ms: Date.now() - started,
      reservation: response.ok ? JSON.parse(body) : undefined,
    };
  } catch {
    return { status: 0, retryAfter: null, ms: Date.now() - started };
  }
}

export interface Player {
  readonly sub: string;
  readonly client: Client;
  readonly room: Room;
}

/** Matchmakes and connects through `p` only (as behind a LoadBalancer); throws if refused. */
export async function join(p: Proc, sub: string, rooms: Room[]): Promise<Player> {
  const answer = await matchmake(p, sub);
  if (!answer.reservation) throw new Error(`matchmaking for ${sub} answered ${answer.status}`);
  const client = new Client(endpoint(p));
  client.auth.token = await sign(sub);
  const room = await client.consumeSeatReservation(answer.reservation);
  room.onMessage('problem', () => undefined);
  room.onMessage('verdict', () => undefined);
  rooms.push(room);
  return { sub, client, room };
}

/** Two players entering through different processes, in one duel that is playing. */
export async function crossReplicaDuel(one: Proc, two: Proc, subs: [string, string], rooms: Room[]): Promise<[Player, Player]> {
  const first = await join(one, subs[0], rooms);
  const second = await join(two, subs[1], rooms);
  if (second.room.roomId !== first.room.roomId) throw new Error(`${subs[0]} and ${subs[1]} landed in different duels`);
  await eventually(() => first.room.state?.phase === 'playing' && second.room.state?.phase === 'playing', 5_000, 'playing');
  return [first, second];
}

export async function leaveAll(rooms: Room[]): Promise<void> {
  // leave() of a room the server already closed never settles: bound it
  for (const room of rooms.splice(0)) await Promise.race([room.leave().catch(() => undefined), sleep(500)]);
}

export function submitReference(player: Player): void {
  const problem = problemById(player.room.state.problemId)!;
  player.room.send('submit', { language_id: problem.reference.languageId, source: problem.reference.source });
}

export interface OutageObservations {
  /** Matchmaking on each process about 1 s into the outage. */
  readonly duringMatchmake: MatchmakeAnswer[];
  readonly duringReadyz: number[];
  readonly duringHealthz: number[];
  /** The duel that was live when Redis went away, ended by a correct submission during the outage. */
  readonly liveDuelWinner: string;
  /** Exit codes (null: running) at the end of the outage and at the end. */
  readonly exitCodesAfterOutage: (number | null)[];
  /** Seconds from Redis' return until both processes answered /readyz 200. */
  readonly readySeconds: number;
  /** Seconds from Redis' return until a new duel across the two processes was playing. */
  readonly crossReplicaSeconds: number;
  /** A player of a duel live across the outage who dropped after it got back in. */
  readonly reconnected: boolean;
  /** Why the attempts at a duel across both processes before the first success failed. */
  readonly failedAttempts: string[];
}

/**
 * Two duels are live across two processes; Redis is killed for `seconds` and started again on
 * the same port, `empty` or with its data.
 */
export async function redisOutage(redis: DurableRedis, [one, two]: [Proc, Proc], seconds: number, empty: boolean, rooms: Room[]): Promise<OutageObservations> {
  const [alice] = await crossReplicaDuel(one, two, ['alice', 'bob'], rooms);
  const [carol] = await crossReplicaDuel(one, two, ['carol', 'dave'], rooms);

  await redis.kill();
  const downAt = Date.now();
  await sleep(1_000);
  const duringMatchmake = [await matchmake(one, 'erin'), await matchmake(two, 'frank')];
  const duringReadyz = await Promise.all([one, two].map(p => fetch(`${endpoint(p)}/readyz`).then(r => r.status)));
  const duringHealthz = await Promise.all([one, two].map(p => fetch(`${endpoint(p)}/healthz`).then(r => r.status)));

  // the first duel plays to its end during the outage
  submitReference(alice);
  await eventually(() => alice.room.state.phase === 'finished', 15_000, 'the live duel to finish during the outage');
  const liveDuelWinner = alice.room.state.winner;

  await sleep(Math.max(0, downAt + seconds * 1000 - Date.now()));
  const exitCodesAfterOutage = [one.child.exitCode, two.child.exitCode];
  await redis.restart(empty);
  const upAt = Date.now();

  const readyz = (p: Proc) => fetch(`${endpoint(p)}/readyz`).then(r => r.status === 200, () => false);
  await eventually(async () => (await readyz(one)) && (await readyz(two)), 60_000, 'both processes ready');
  const readySeconds = (Date.now() - upAt) / 1000;

  let attempt = 0;
  const failures: string[] = [];
  await eventually(async () => {
    attempt++;
    const tried: Room[] = [];
    try {
      await crossReplicaDuel(one, two, [`gina-${attempt}`, `hal-${attempt}`], tried);
      rooms.push(...tried);
      return true;
    } catch (error) {
      failures.push(`${((Date.now() - upAt) / 1000).toFixed(1)} s: ${(error as Error).message}`);
      await leaveAll(tried);
      return false;
    }
  }, 60_000, 'a duel across both processes');
  const crossReplicaSeconds = (Date.now() - upAt) / 1000;

  // carol's connection drops (not a consented leave); she reconnects through the other process
  const token = carol.room.reconnectionToken;
  carol.room.connection.close(3000, 'network change');
  await sleep(500);
  let reconnected = false;
  try {
    const client = new Client(endpoint(two));
    client.auth.token = await sign('carol');
    const room = await client.reconnect(token);
    room.onMessage('problem', () => undefined);
    room.onMessage('verdict', () => undefined);
    rooms.push(room);
    await eventually(() => room.state?.phase === 'playing', 5_000, 'state after reconnecting');
    reconnected = true;
  } catch {
    reconnected = false;
  }
  return {
    duringMatchmake, duringReadyz, duringHealthz, liveDuelWinner, exitCodesAfterOutage,
    readySeconds, crossReplicaSeconds, reconnected, failedAttempts: failures,
  };
}

/** What must hold after any outage (issue 15, must hold 1-3). */
export function expectRiddenOut(seen: OutageObservations, replicas: Proc[]): void {
  if (seen.failedAttempts.length > 0) console.log(`attempts at a duel across both processes that failed after Redis returned:\n${seen.failedAttempts.join('\n')}`);
  // 1. no process ends
  expect(seen.exitCodesAfterOutage).toEqual([null, null]);
  expect(replicas.map(r => r.child.exitCode)).toEqual([null, null]);
  // 2. while down: not ready but alive; matchmaking refused fast with Retry-After; live duels end normally
  expect(seen.duringReadyz).toEqual([503, 503]);
  expect(seen.duringHealthz).toEqual([200, 200]);
  for (const answer of seen.duringMatchmake) {
    expect(answer).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
    expect(answer.ms).toBeLessThan(2_000);
  }
  expect(seen.liveDuelWinner).toBe('alice');
  // 3. recovery by itself
  expect(seen.readySeconds).toBeLessThanOrEqual(10);
  expect(seen.crossReplicaSeconds).toBeLessThanOrEqual(15);
  expect(seen.reconnected).toBe(true);
  for (const r of replicas) expect(r.output()).not.toMatch(/error during shutdown|Unhandled error event/);
}

/**
 * The outage tests' fixture: one durable Redis and a Judge0 stand-in for the file, two fresh game
 * servers per test, every room left and every process stopped after each. Registers the jest hooks.
 */
export function outageFixture(): { rooms: Room[]; redis(): DurableRedis; startReplicas(matchSeconds: number): Promise<[Proc, Proc]> } {
  let redis: DurableRedis;
  const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
  let replicas: Proc[] = [];
  const rooms: Room[] = [];
  beforeAll(async () => {
    redis = await DurableRedis.start();
    await judge0.start();
  });
  afterAll(async () => {
    await judge0.stop();
    await redis.stop();
  });
  afterEach(async () => {
    await leaveAll(rooms);
    await Promise.all(replicas.map(r => r.stop()));
  });
  return {
    rooms,
    redis: () => redis,
    async startReplicas(matchSeconds) {
      const env = { REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: String(matchSeconds) };
      replicas = [await startColyseus(env), await startColyseus(env)];
      return replicas as [Proc, Proc];
    },
  };
}
