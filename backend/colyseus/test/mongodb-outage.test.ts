// MongoDB away under a real game-server process: the real driver, pointed at a loopback port
// nothing listens on, fails every write with its server-selection timeout. Duels still play; the
// result waits in the queue; a draining process waits RESULTS_DRAIN_SECONDS for MongoDB, then
// says how many results it could not write and exits 0. (Writes that succeed once MongoDB
// returns, duplicates and the queue's bound: test/match-results.test.ts, against a stand-in.)
import { Room } from '@colyseus/sdk';
import { JUDGE0_TOKEN, Proc, eventually, freePort, startColyseus, startRedis } from './harness';
import { Judge0StandIn } from './judge0-stand-in';
import { crossReplicaDuel, leaveAll } from './outage-scenario';

let redis: Proc & { url: string };
const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
let replica: Proc | undefined;
const rooms: Room[] = [];

beforeAll(async () => {
  redis = await startRedis();
  await judge0.start();
});
afterAll(async () => {
  await leaveAll(rooms);
  await replica?.stop();
  await judge0.stop();
  await redis.stop();
});

test('MongoDB down: the duel plays to its end, the result is queued, the drain waits its bound and exits 0', async () => {
  replica = await startColyseus({
    REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: '60',
    MONGODB_URI: `mongodb://127.0.0.1:${await freePort()}/codeclashers`, RESULTS_DRAIN_SECONDS: '2',
  });
  const [alice, bob] = await crossReplicaDuel(replica, replica, ['alice', 'bob'], rooms);
  bob.room.send('forfeit');
  await eventually(() => alice.room.state.phase === 'finished', 5_000, 'finished');
  expect(alice.room.state.winner).toBe('alice');
  await replica.waitFor('match results wait for MongoDB (1 queued, at most 1000)', 20_000);

  replica.child.kill('SIGTERM');
  expect(await replica.exited).toBe(0);
  expect(replica.output()).toContain('1 match result(s) could not be written to MongoDB within 2 s and are lost');
}, 90_000);
