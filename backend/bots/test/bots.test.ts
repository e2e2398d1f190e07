// The bot service against a real game server process, a real Redis and the Judge0 stand-in
// (both from backend/colyseus/test), plus an OpenAI stand-in.
import { Client, Room } from '@colyseus/sdk';
import * as http from 'http';
import * as net from 'net';
import type { AddressInfo } from 'net';
import * as path from 'path';
import {
  BOT_SECRET, JUDGE0_TOKEN, Proc, eventually, freePort, run, sign, startColyseus, startRedis,
} from '../../colyseus/test/harness';
import { Judge0StandIn } from '../../colyseus/test/judge0-stand-in';
import Redis from 'ioredis';
import { loadSettings } from '../src/settings';
import { WAITING_DUELS_KEY } from '../src/waiting-duels';

let redis: Proc & { url: string };
let colyseus: Proc;
const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
const procs: Proc[] = [];
const rooms: Room[] = [];

beforeAll(async () => {
  redis = await startRedis();
  await judge0.start();
  colyseus = await startColyseus({ REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: '60' });
});
afterAll(async () => {
  await colyseus.stop();
  await judge0.stop();
  await redis.stop();
});
afterEach(async () => {
  for (const room of rooms.splice(0)) await Promise.race([room.leave().catch(() => undefined), new Promise(r => setTimeout(r, 500))]);
  await Promise.all(procs.splice(0).map(p => p.stop()));
});

async function startBots(env: Record<string, string> = {}): Promise<Proc> {
  const port = await freePort();
  const proc = run(process.execPath, [path.join(__dirname, '../dist/index.js')], {
    PORT: String(port),
    COLYSEUS_URL: `ws://127.0.0.1:${colyseus.port}`,
    REDIS_URL: redis.url,
    BOT_SERVICE_SECRET: BOT_SECRET,
    BOT_JOIN_AFTER_SECONDS: '1',
    BOT_THINK_SECONDS: '1',
    ...env,
  }, port);
  procs.push(proc);
  await proc.waitFor('bot service ready');
  return proc;
}

async function humanWaits(sub: string): Promise<Room> {
  const client = new Client(`http://127.0.0.1:${colyseus.port}`);
  client.auth.token = await sign(sub);
  const room = await client.joinOrCreate('duel');
  room.onMessage('problem', () => undefined);
  room.onMessage('verdict', () => undefined);
  rooms.push(room);
  return room;
}

const opponent = (room: Room) => [...room.state.players.values()].find((p: any) => p.isBot) as any;

test('a lone human gets a bot opponent after BOT_JOIN_AFTER_SECONDS, and the bot plays to win', async () => {
  const bots = await startBots({ BOT_JOIN_AFTER_SECONDS: '2' });
  const started = Date.now();
  const room = await humanWaits('alice');
  await eventually(() => room.state?.phase === 'playing', 10_000, 'a bot to join');
  expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  expect(opponent(room).id).toMatch(/^bot-/);
  // the bot submits the reference solution after "thinking"
  await eventually(() => room.state.phase === 'finished', 15_000, 'the bot to solve');
  expect(room.state.winner).toBe(opponent(room).id);
  expect(bots.output()).toContain('submitted the reference solution');
});

test('one bot per duel, even with two bot replicas', async () => {
  await startBots();
  await startBots();
  const room = await humanWaits('bob');
  await eventually(() => room.state?.phase === 'playing', 10_000, 'a bot to join');
  expect(room.state.players.size).toBe(2);
});

test('with OpenAI the bot submits its answer, and falls back to the reference when it is wrong', async () => {
  const asked: any[] = [];
  const openai = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => { body += c; });
    req.on('end', () => {
      asked.push({ auth: req.headers.authorization, body: JSON.parse(body) });
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { content: 'Here:\n```python\nprint("wrong")\n```' } }] }));
    });
  });
  await new Promise<void>(resolve => openai.listen(0, '127.0.0.1', resolve));
  try {
    const bots = await startBots({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `http://127.0.0.1:${(openai.address() as AddressInfo).port}/v1` });
    const room = await humanWaits('carol');
    let statement = '';
    room.onMessage('problem', (p: { statement: string }) => { statement = p.statement; });
    await eventually(() => room.state?.phase === 'finished', 20_000, 'the bot to win');
    expect(asked[0].auth).toBe('Bearer sk-test');
    expect(statement).not.toBe('');
    expect(asked[0].body.messages[1].content).toContain(statement);
    expect(bots.output()).toContain('submitted the openai solution');
    expect(bots.output()).toContain('submitted the reference solution');
    expect(room.state.winner).toMatch(/^bot-/);
  } finally {
    openai.close();
  }
});

test('SIGTERM: the bot forfeits its duel (the human wins) and the service exits 0', async () => {
  const bots = await startBots({ BOT_THINK_SECONDS: '60' });
  const room = await humanWaits('dave');
  await eventually(() => room.state?.phase === 'playing', 10_000, 'a bot to join');
  bots.child.kill('SIGTERM');
  expect(await bots.exited).toBe(0);
  await eventually(() => room.state.phase === 'finished', 5000, 'forfeit');
  expect(room.state.winner).toBe('dave');
});

test('/healthz and /readyz', async () => {
  const bots = await startBots();
  expect((await fetch(`http://127.0.0.1:${bots.port}/healthz`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${bots.port}/readyz`)).status).toBe(200);
});

test('settings: a missing variable is one line naming it; defaults', () => {
  expect(() => loadSettings({ REDIS_URL: 'redis://r', BOT_SERVICE_SECRET: 'x' })).toThrow(/^COLYSEUS_URL is not set; expected ws:\/\/colyseus:2567$/);
  const settings = loadSettings({ COLYSEUS_URL: 'ws://c:2567', REDIS_URL: 'redis://r', BOT_SERVICE_SECRET: 'x' });
  expect(settings).toMatchObject({ joinAfterSeconds: 20, port: 3000, openaiApiKey: undefined });
  expect(() => loadSettings({ COLYSEUS_URL: 'ws://c', REDIS_URL: 'r', BOT_SERVICE_SECRET: 'x', BOT_JOIN_AFTER_SECONDS: 'soon' }))
    .toThrow('BOT_JOIN_AFTER_SECONDS="soon" is invalid; expected a number >= 0');
});

describe('failed joins', () => {
  let redisClient: Redis;
  beforeAll(() => { redisClient = new Redis(redis.url); });
  afterAll(() => redisClient.quit());

  test('a listed duel that no longer exists is forgotten', async () => {
    await redisClient.zadd(WAITING_DUELS_KEY, Date.now() - 60_000, 'no-such-room');
    const bots = await startBots();
    await eventually(async () => (await redisClient.zscore(WAITING_DUELS_KEY, 'no-such-room')) === null, 10_000, 'the gone duel to be forgotten');
    expect(bots.output()).toContain('duel no-such-room no longer waits');
  });

  test('a join refused for another reason keeps the duel listed and releases the claim for the next poll', async () => {
    const bots = await startBots({ BOT_SERVICE_SECRET: 'not-the-game-servers-secret' });
    const room = await humanWaits('erin');
    // a second attempt by the same replica within seconds: the claim (120 s) was released
    await eventually(() => (bots.output().match(new RegExp(`could not join ${room.roomId}, will retry`, 'g')) ?? []).length >= 2, 15_000, 'two attempts');
    expect(await redisClient.zscore(WAITING_DUELS_KEY, room.roomId)).not.toBeNull();
    // a bot with the right secret then gets in
    await bots.stop();
    await startBots();
    await eventually(() => room.state?.phase === 'playing', 10_000, 'a bot to join');
  });
});

test('SIGTERM while a join is in flight: the join completes, the seat is given back at once (forfeit), exit 0', async () => {
  // Between the bots and the game server: holds the matchmaking answer for 2 s, and signals the
  // bot service the moment the request arrives; WebSockets pass through unchanged.
  let bots: Proc | undefined;
  const proxy = http.createServer((req, res) => {
    bots?.child.kill('SIGTERM');
    const upstream = http.request({ host: '127.0.0.1', port: colyseus.port, path: req.url, method: req.method, headers: req.headers }, answer => {
      setTimeout(() => { res.writeHead(answer.statusCode!, answer.headers); answer.pipe(res); }, 2_000);
    });
    req.pipe(upstream);
  });
  proxy.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(colyseus.port, '127.0.0.1', () => {
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
  try {
    bots = await startBots({ COLYSEUS_URL: `ws://127.0.0.1:${(proxy.address() as AddressInfo).port}`, BOT_THINK_SECONDS: '60' });
    const room = await humanWaits('frank');
    expect(await bots.exited).toBe(0);
    // the human is not left facing a seat held by a dead connection: the duel is settled now
    await eventually(() => room.state?.phase === 'finished', 5_000, 'the bot to give its seat back');
    expect(room.state.winner).toBe('frank');
  } finally {
    proxy.close();
  }
});
