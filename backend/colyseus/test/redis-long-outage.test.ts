// Redis away for 30 s (its pod rescheduled: image pull, file load) and for 120 s (a node
// update), under two real game-server processes and live duels; the same checks as
// redis-outage.test.ts (5 s). Kept apart because it takes about three minutes.
import { expectRiddenOut, outageFixture, redisOutage } from './outage-scenario';

const fixture = outageFixture();

test.each([
  [30, 'with its data', false],
  [120, 'empty', true],
])('Redis down for %i s, back %s: both processes ride it out and recover by themselves', async (seconds, _, empty) => {
  const pair = await fixture.startReplicas(400);
  const seen = await redisOutage(fixture.redis(), pair, seconds, empty, fixture.rooms);
  expectRiddenOut(seen, pair);
}, 300_000);
