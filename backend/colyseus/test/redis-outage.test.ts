// Redis killed for 5 s under two real game-server processes and live duels, then started again
// on the same port with its data (a pod restart) or empty (its volume lost). Redis runs as in the
// cluster: append-only file, fsync every second. The 30 s and 120 s outages are in
// redis-long-outage.test.ts.
import { Room } from '@colyseus/sdk';
import { DurableRedis, JUDGE0_TOKEN, Proc, startColyseus } from './harness';
import { Judge0StandIn } from './judge0-stand-in';
import { expectRiddenOut, leaveAll, redisOutage } from './outage-scenario';

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

test.each([
  ['with its data', false],
  ['empty', true],
])('Redis down for 5 s, back %s: both processes ride it out and recover by themselves', async (_, empty) => {
  const pair = await startReplicas();
  const seen = await redisOutage(redis, pair, 5, empty, rooms);
  expectRiddenOut(seen, pair);
}, 150_000);
