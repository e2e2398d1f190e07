// Redis killed for 5 s under two real game-server processes and live duels, then started again
// on the same port with its data (a pod restart) or empty (its volume lost). Redis runs as in the
// cluster: append-only file, fsync every second. The 30 s and 120 s outages are in
// redis-long-outage.test.ts.
import { Room } from '@colyseus/sdk';
import { DurableRedis, JUDGE0_TOKEN, Proc, startColyseus } from './harness';
import { Judge0StandIn } from './judge0-stand-in';
import { OutageObservations, leaveAll, redisOutage } from './outage-scenario';

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

async function startReplicas(): Promise<[Proc, Proc]> {
  const env = { REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: '300' };
  replicas = [await startColyseus(env), await startColyseus(env)];
  return replicas as [Proc, Proc];
}

/** What must hold after any outage (issue 15, must hold 1-3). */
export function expectRiddenOut(seen: OutageObservations, replicas: Proc[]): void {
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

test.each([
  ['with its data', false],
  ['empty', true],
])('Redis down for 5 s, back %s: both processes ride it out and recover by themselves', async (_, empty) => {
  const pair = await startReplicas();
  const seen = await redisOutage(redis, pair, 5, empty, rooms);
  if (process.env.DEBUG_OUTAGE) console.log(JSON.stringify(seen), pair.map(p => p.output()).join("\n=====\n"));
  expectRiddenOut(seen, pair);
}, 150_000);
