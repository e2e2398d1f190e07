// The bot service through a Redis outage: Redis (append-only file, fsync every second, as in the
// cluster) is killed for 5 s while a human waits alone, and comes back empty (its volume lost).
// The bot service must not exit, and the human must get a bot within 15 s of Redis' return.
import { Client, Room } from '@colyseus/sdk';
import * as path from 'path';
import {
  BOT_SECRET, DurableRedis, JUDGE0_TOKEN, Proc, eventually, freePort, run, sign, sleep, startColyseus,
} from '../../colyseus/test/harness';
import { Judge0StandIn } from '../../colyseus/test/judge0-stand-in';

let redis: DurableRedis;
const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
const procs: Proc[] = [];
const rooms: Room[] = [];

beforeAll(async () => {
  redis = await DurableRedis.start();
  await judge0.start();
});
afterAll(async () => {
  for (const room of rooms) await Promise.race([room.leave().catch(() => undefined), sleep(500)]);
  await Promise.all(procs.map(p => p.stop()));
  await judge0.stop();
  await redis.stop();
});

test.each([['empty', true], ['with its data', false]])('Redis down 5 s, back %s: the bot service stays up and the waiting human gets a bot', async (_, empty) => {
  const colyseus = await startColyseus({ REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: '60' });
  procs.push(colyseus);
  const port = await freePort();
  const bots = run(process.execPath, [path.join(__dirname, '../dist/index.js')], {
    PORT: String(port), COLYSEUS_URL: `ws://127.0.0.1:${colyseus.port}`, REDIS_URL: redis.url,
    BOT_SERVICE_SECRET: BOT_SECRET, BOT_JOIN_AFTER_SECONDS: '6', BOT_THINK_SECONDS: '60',
  }, port);
  procs.push(bots);
  await bots.waitFor('bot service ready');

  const client = new Client(`http://127.0.0.1:${colyseus.port}`);
  client.auth.token = await sign(`human-${empty}`);
  const room = await client.joinOrCreate('duel');
  room.onMessage('problem', () => undefined);
  rooms.push(room);
  await redis.kill();
  await sleep(5_000);
  expect(bots.child.exitCode).toBeNull();
  expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
  await redis.restart(empty);
  const back = Date.now();
  await eventually(() => room.state?.phase === 'playing', 20_000, 'a bot to join after the outage');
  expect((Date.now() - back) / 1000).toBeLessThanOrEqual(15);
  expect(bots.child.exitCode).toBeNull();
  expect(colyseus.child.exitCode).toBeNull();
}, 90_000);
