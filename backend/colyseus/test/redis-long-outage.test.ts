// Redis away for 30 s (its pod rescheduled: image pull, file load) and for 120 s (a node
// update), under two real game-server processes and live duels; the same checks as
// redis-outage.test.ts (5 s). Kept apart because it takes about three minutes.
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

test.each([
  [30, 'with its data', false],
  [120, 'empty', true],
])('Redis down for %i s, back %s: both processes ride it out and recover by themselves', async (seconds, _, empty) => {
  const env = { REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: '400' };
  replicas = [await startColyseus(env), await startColyseus(env)];
  const seen = await redisOutage(redis, replicas as [Proc, Proc], seconds, empty, rooms);
  expectRiddenOut(seen, replicas);
}, 300_000);
