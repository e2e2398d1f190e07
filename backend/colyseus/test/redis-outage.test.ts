// Redis killed for 5 s under two real game-server processes and live duels, then started again
// on the same port with its data (a pod restart) or empty (its volume lost). Redis runs as in the
// cluster: append-only file, fsync every second. The 30 s and 120 s outages are in
// redis-long-outage.test.ts.
import { expectRiddenOut, outageFixture, redisOutage } from './outage-scenario';

const fixture = outageFixture();

test.each([
  ['with its data', false],
  ['empty', true],
])('Redis down for 5 s, back %s: both processes ride it out and recover by themselves', async (_, empty) => {
  const pair = await fixture.startReplicas(300);
  const seen = await redisOutage(fixture.redis(), pair, 5, empty, fixture.rooms);
  expectRiddenOut(seen, pair);
}, 150_000);
