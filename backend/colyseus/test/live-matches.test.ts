// Live matches nothing can break (issue 18): two real game server processes over one real Redis,
// players on the real @colyseus/sdk, each talking to one process only, as behind the
// LoadBalancer. Raw sockets where a player's client would misbehave.
import { Client, Room } from '@colyseus/sdk';
import Redis from 'ioredis';
import { SignJWT } from 'jose';
import * as fs from 'fs';
import * as net from 'net';
import { BOT_AUDIENCE, PLAYER_AUDIENCE } from '../src/auth';
import { SUBMIT_COOLDOWN_SECONDS } from '../src/submission-limits';
import { problemById } from '../src/problems';
import { RELAY_UP } from '../src/relay-process';
import { JUDGE0_TOKEN, PLAYER_SECRET, Proc, eventually, sign, sleep, startColyseus, startRedis } from './harness';
import { Judge0StandIn } from './judge0-stand-in';
import { endpoint, leaveAll, processIdOf } from './outage-scenario';

let redis: Proc & { url: string };
let redisClient: Redis;
const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
let replicas: Proc[] = [];
const rooms: Room[] = [];

beforeAll(async () => {
  redis = await startRedis();
  redisClient = new Redis(redis.url);
  await judge0.start();
});
afterAll(async () => {
  redisClient.disconnect();
  await judge0.stop();
  await redis.stop();
});
beforeEach(async () => {
  await redisClient.flushall();
  judge0.mode = 'normal';
  judge0.delayMs = 0;
});
afterEach(async () => {
  await leaveAll(rooms);
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGCONT');
  await Promise.all(replicas.map(r => r.stop()));
});

async function startReplicas(env: Record<string, string> = {}): Promise<[Proc, Proc]> {
  const common = { REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: '60', ...env };
  replicas = await Promise.all([startColyseus(common), startColyseus(common)]);
  return replicas as [Proc, Proc];
}

/** A WebSocket upgrade request for `path`, as a client writes it on a raw socket (RFC 6455 4.1). */
const upgradeRequest = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

interface Player { id: string; room: Room; processId: string; drops: number[]; leaves: number[]; verdicts: any[]; notices: any[] }

/** Matchmakes and connects through `p` only, with the SDK. */
async function join(p: Proc, sub: string): Promise<Player> {
  const client = new Client(endpoint(p));
  client.auth.token = await sign(sub);
  const reservation = (await client.http.post('/matchmake/joinOrCreate/duel', { body: {} } as any)).data as any;
  const room = await client.consumeSeatReservation(reservation);
  rooms.push(room);
  const player: Player = { id: sub, room, processId: reservation.processId, drops: [], leaves: [], verdicts: [], notices: [] };
  room.onMessage('problem', () => undefined);
  room.onMessage('pong', () => undefined);
  room.onMessage('verdict', v => player.verdicts.push(v));
  room.onMessage('notice', n => player.notices.push(n));
  room.onDrop(code => player.drops.push(code));
  room.onLeave(code => player.leaves.push(code));
  return player;
}

/** Two players of one duel, entering through different processes; one of them is relayed. */
async function duel(one: Proc, two: Proc) {
  const alice = await join(one, 'alice');
  const bob = await join(two, 'bob');
  await eventually(() => alice.room.state?.phase === 'playing' && bob.room.state?.phase === 'playing', 10_000, 'playing');
  const owner = [one, two].find(p => processIdOf(p) === alice.processId)!;
  const relay = owner === one ? two : one;
  const relayed = relay === one ? alice : bob;
  const direct = relayed === alice ? bob : alice;
  return { alice, bob, owner, relay, relayed, direct };
}

const referenceOf = (room: Room) => problemById(room.state.problemId)!.reference;

describe('1. authentication at matchmaking: no seat, no room', () => {
  const key = new TextEncoder().encode(PLAYER_SECRET);
  test.each([
    ['no token', async () => undefined, 401],
    ['a garbage token', async () => 'not.a.jwt', 401],
    ['a wrongly signed token', async () => sign('mallory', 'another-secret'), 401],
    ['an expired token', async () => sign('alice', PLAYER_SECRET, Math.floor(Date.now() / 1000) - 60), 401],
    ['a token without exp', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setAudience(PLAYER_AUDIENCE).sign(key), 401],
    ['a player token posing as a bot', async () => sign('mallory', PLAYER_SECRET, '1h', BOT_AUDIENCE), 403],
  ])('%s: %#', async (_, token, status) => {
    const [one] = await startReplicas();
    const value = await token();
    for (const method of ['joinOrCreate', 'create', 'join']) {
      const response = await fetch(`${endpoint(one)}/matchmake/${method}/duel`, {
        method: 'POST', body: '{}',
        headers: { 'Content-Type': 'application/json', ...(value ? { Authorization: `Bearer ${value}` } : {}) },
      });
      expect(response.status).toBe(status);
    }
    expect(await redisClient.hlen('roomcaches')).toBe(0);
  });

  test('a bad token cannot take the seat of a player waiting for an opponent', async () => {
    const [one, two] = await startReplicas();
    const alice = await join(one, 'alice');
    // the SDK's joinById: POST /matchmake/joinById/<roomId>
    const squat = await fetch(`${endpoint(two)}/matchmake/joinById/${alice.room.roomId}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    expect(squat.status).toBe(401);
    const bob = await join(two, 'bob');
    expect(bob.room.roomId).toBe(alice.room.roomId);
    await eventually(() => alice.room.state?.phase === 'playing', 10_000, 'playing');
  });

  test('a token that expires between matchmaking and connecting is refused at join', async () => {
    const [one] = await startReplicas();
    const client = new Client(endpoint(one));
    client.auth.token = await sign('alice', PLAYER_SECRET, Math.floor(Date.now() / 1000) + 2);
    const reservation = (await client.http.post('/matchmake/joinOrCreate/duel', { body: {} } as any)).data as any;
    await sleep(3000);
    await expect(client.consumeSeatReservation(reservation)).rejects.toThrow();
  });
});

test('2. a 60 KB submission travels, direct and relayed, and is judged', async () => {
  const [one, two] = await startReplicas();
  const { relayed, direct } = await duel(one, two);
  const padding = `# ${'x'.repeat(60 * 1024)}\n`;
  relayed.room.send('submit', { language_id: 71, source: `${padding}print("no idea")\n` });
  await eventually(() => relayed.verdicts.length === 1, 15_000, 'verdict of the relayed player');
  expect(relayed.verdicts[0]).toMatchObject({ kind: 'rejected', status: 'Wrong Answer' });
  const reference = referenceOf(direct.room);
  direct.room.send('submit', { language_id: reference.languageId, source: padding + reference.source });
  await eventually(() => direct.room.state.phase === 'finished', 15_000, 'finished');
  expect(direct.verdicts[0]).toMatchObject({ kind: 'accepted' });
  expect([...relayed.drops, ...direct.drops]).toEqual([]);
});

/** Sends an upgrade request and resets the connection (RST) without waiting for an answer. */
function resetUpgrade(port: number, path: string): Promise<void> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(upgradeRequest(path));
      setImmediate(() => { socket.resetAndDestroy(); resolve(); });
    });
    socket.on('error', () => resolve());
  });
}

/** Sends an upgrade request and resolves with the HTTP status line's code (or 'closed'). */
function upgradeStatus(port: number, path: string): Promise<number | 'closed'> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(upgradeRequest(path));
    });
    let data = '';
    socket.on('data', d => {
      data += d;
      const match = /^HTTP\/1\.1 (\d+)/.exec(data);
      if (match) { socket.destroy(); resolve(Number(match[1])); }
    });
    socket.on('close', () => resolve('closed'));
    socket.on('error', () => undefined);
  });
}

describe('3. no client can crash or drain a replica', () => {
  test('50 clients that reset their upgrade, for rooms of this process, of the other, and unknown', async () => {
    const [one, two] = await startReplicas();
    const waiting = await join(two, 'alice'); // a room of `two`
    const paths = [
      `/${processIdOf(two)}/${waiting.room.roomId}?sessionId=nope`, // relayed by `one`
      `/${processIdOf(one)}/nosuchroom?sessionId=nope`, // `one`'s own transport
      '/unknownprocess/nosuchroom?sessionId=nope', // registry miss
    ];
    for (let round = 0; round < 50; round++) await Promise.all(paths.map(path => resetUpgrade(one.port, path)));
    await sleep(1000);
    expect(one.child.exitCode).toBeNull();
    expect(one.output()).not.toContain('draining');
    expect((await fetch(`${endpoint(one)}/readyz`)).status).toBe(200);
    // and it still serves: a player through `one` joins alice's duel
    const bob = await join(one, 'bob');
    await eventually(() => bob.room.state?.phase === 'playing', 10_000, 'playing');
  });

  test('a client that dies mid-forward takes nothing with it', async () => {
    const [one, two] = await startReplicas();
    const { relayed, direct, relay, owner } = await duel(one, two);
    // a second, raw client through the relay that resets halfway through a frame
    const target = `/${processIdOf(owner)}/${direct.room.roomId}?sessionId=whatever`;
    const socket = net.connect(relay.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise(resolve => socket.once('connect', resolve));
    socket.write(upgradeRequest(target));
    socket.write(Buffer.from([0x82, 0xfe, 0xff, 0xff, 1, 2, 3, 4, 5])); // a masked frame header announcing 64 KiB, then death
    await sleep(50);
    socket.resetAndDestroy();
    await sleep(1000);
    for (const p of [one, two]) {
      expect(p.child.exitCode).toBeNull();
      expect(p.output()).not.toContain('draining');
    }
    relayed.room.send('ping', 1);
    direct.room.send('ping', 2);
    const pongs: unknown[] = [];
    relayed.room.onMessage('pong', m => pongs.push(m));
    direct.room.onMessage('pong', m => pongs.push(m));
    await eventually(() => pongs.length === 2, 5000, 'pongs');
    expect([...relayed.drops, ...direct.drops, ...relayed.leaves, ...direct.leaves]).toEqual([]);
  });
});

describe('4. a relay drains too: a rolling update cuts nobody', () => {
  test.each([
    ['a young duel (< 5 s), the relay stopped first', 0, 'relay'],
    ['an older duel (> 5 s), the owner stopped first', 6000, 'owner'],
  ] as const)('%s', async (_, ageMs, first) => {
    const [one, two] = await startReplicas();
    const match = await duel(one, two);
    const { relayed, direct } = match;
    await sleep(ageMs);
    const order = first === 'relay' ? [match.relay, match.owner] : [match.owner, match.relay];
    for (const p of order) {
      p.child.kill('SIGTERM');
      await p.waitFor('draining');
      await sleep(1500);
    }
    expect([one.child.exitCode, two.child.exitCode]).toEqual([null, null]);
    // both still play: the relayed player is judged, the direct one wins
    relayed.room.send('submit', { language_id: 71, source: 'print("no idea")' });
    await eventually(() => relayed.verdicts.length === 1, 15_000, 'verdict through the draining relay');
    expect(relayed.verdicts[0]).toMatchObject({ kind: 'rejected' });
    const reference = referenceOf(direct.room);
    direct.room.send('submit', { language_id: reference.languageId, source: reference.source });
    await eventually(() => relayed.room.state.phase === 'finished', 15_000, 'finished');
    expect(relayed.room.state.winner).toBe(direct.id);
    expect(await one.exited).toBe(0);
    expect(await two.exited).toBe(0);
    // nobody was dropped; at the end both got the room's own close, relayed or not (close frames delivered)
    expect([...relayed.drops, ...direct.drops]).toEqual([]);
    expect(relayed.leaves).toHaveLength(1);
    expect(relayed.leaves).toEqual(direct.leaves);
    expect(relayed.leaves[0]).not.toBe(1006);
  }, 90_000);
});

describe('the relay process: relayed players do not wait behind the game server (item 9)', () => {
  /** The pid of the relay process `p` started last. */
  const relayPidOf = (p: Proc) => Number([...p.output().matchAll(new RegExp(RELAY_UP, 'g'))].pop()![1]);
  /** Running (a zombie nobody reaped yet has exited). */
  const alive = (pid: number) => { try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; } };
  /** Pings `player` and resolves with the round trip in ms, or undefined when none came back within `waitMs`. */
  const roundTrip = (player: Player, waitMs: number) => new Promise<number | undefined>(resolve => {
    const sentAt = performance.now();
    const timer = setTimeout(() => { off(); resolve(undefined); }, waitMs);
    const off = player.room.onMessage('pong', () => { clearTimeout(timer); off(); resolve(performance.now() - sentAt); });
    player.room.send('ping', sentAt);
  });

  test('relayed bytes cross the relay process, not the game server; signals sent to it change nothing', async () => {
    const [one, two] = await startReplicas();
    const { relay, relayed, direct } = await duel(one, two);
    const pid = relayPidOf(relay);
    process.kill(pid, 'SIGSTOP');
    try {
      expect(await roundTrip(direct, 2000)).toBeDefined();
      expect(await roundTrip(relayed, 1000)).toBeUndefined(); // waits in the stopped relay process
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // what a terminal's Ctrl-C or a container runtime sends to the group: the game server decides
    process.kill(pid, 'SIGTERM');
    process.kill(pid, 'SIGINT');
    expect(await roundTrip(relayed, 5000)).toBeDefined();
    expect(alive(pid)).toBe(true);
    expect([...relayed.drops, ...direct.drops, ...relayed.leaves]).toEqual([]);
  });

  test('a relay process that dies is started again; until then the game server relays; nothing else stops', async () => {
    const [one, two] = await startReplicas();
    const first = await duel(one, two);
    const pid = relayPidOf(first.relay);
    process.kill(pid, 'SIGKILL');
    await first.relay.waitFor(/relay process exited \(SIGKILL\), 1 relayed connection\(s\) lost/);
    // its connection is gone with it: the player sees a drop, as on any cut link
    await eventually(() => first.relayed.drops.length + first.relayed.leaves.length > 0, 5000, 'the relayed player noticed');
    // a duel relayed while the relay process restarts plays (carried by the game server itself
    // until the new one is up: relay-process.test.ts)
    const second = await duel(first.relay, first.owner === one ? two : one);
    expect(await roundTrip(second.relayed, 5000)).toBeDefined();
    await eventually(() => relayPidOf(first.relay) !== pid, 10_000, 'a new relay process');
    const third = await duel(one, two);
    expect(await roundTrip(third.relayed, 5000)).toBeDefined();
    expect([one.child.exitCode, two.child.exitCode]).toEqual([null, null]);
    expect(first.relay.output()).not.toContain('draining');
  });

  test('the relay process ends with its game server, even a killed one', async () => {
    const [one] = await startReplicas();
    const pid = relayPidOf(one);
    expect(alive(pid)).toBe(true);
    await one.stop(); // SIGKILL: no drain, no goodbye
    await eventually(() => !alive(pid), 5000, 'the relay process gone');
  });
});

describe('5. the relay answers a dead owner instead of hanging', () => {
  test('an owner killed (stale registry entry, refused connection): 502', async () => {
    const [one, two] = await startReplicas();
    const alice = await join(one, 'alice');
    const owner = replicas.find(p => processIdOf(p) === alice.processId)!;
    const relay = owner === one ? two : one;
    const path = `/${alice.processId}/${alice.room.roomId}?sessionId=x`;
    await owner.stop(); // SIGKILL: its registry entry stays for up to 30 s
    expect(await upgradeStatus(relay.port, path)).toBe(502);
    expect(relay.child.exitCode).toBeNull();
  });

  test('an owner that does not answer (stopped process): 502 after the connect timeout, not a hang', async () => {
    const [one, two] = await startReplicas();
    const alice = await join(one, 'alice');
    const owner = replicas.find(p => processIdOf(p) === alice.processId)!;
    const relay = owner === one ? two : one;
    owner.child.kill('SIGSTOP');
    const started = Date.now();
    const status = await Promise.race([upgradeStatus(relay.port, `/${alice.processId}/${alice.room.roomId}?sessionId=x`), sleep(10_000).then(() => 'hung')]);
    owner.child.kill('SIGCONT');
    expect(status).toBe(502);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
  });
});

describe('7. judging in a live match', () => {
  test('a second submission within the cooldown is refused with a message', async () => {
    const [one, two] = await startReplicas();
    const { relayed } = await duel(one, two);
    relayed.room.send('submit', { language_id: 71, source: 'print(1)' });
    await eventually(() => relayed.verdicts.length === 1, 15_000, 'first verdict');
    relayed.room.send('submit', { language_id: 71, source: 'print(2)' });
    await eventually(() => relayed.verdicts.length === 2, 15_000, 'second answer');
    expect(relayed.verdicts[1]).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/^wait \d s between submissions$/) });
    await sleep(SUBMIT_COOLDOWN_SECONDS * 1000);
    relayed.room.send('submit', { language_id: 71, source: 'print(3)' });
    await eventually(() => relayed.verdicts.length === 3, 15_000, 'third verdict');
    expect(relayed.verdicts[2].kind).toBe('rejected');
  });

  test('a language that is not offered is refused with the list, and Judge0 never sees it', async () => {
    const [one, two] = await startReplicas();
    const { direct } = await duel(one, two);
    judge0.requests.length = 0;
    direct.room.send('submit', { language_id: 62, source: 'class Main { public static void main(String[] a) {} }' });
    await eventually(() => direct.verdicts.length === 1, 15_000, 'answer');
    expect(direct.verdicts[0]).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('language_id 62 is not offered; use one of 71 (Python') });
    expect(judge0.requests).toEqual([]);
  });

  test('a correct submission whose verdict arrives after MATCH_SECONDS wins; it is not a draw', async () => {
    const [one, two] = await startReplicas({ MATCH_SECONDS: '3' });
    const { relayed, direct } = await duel(one, two);
    judge0.delayMs = 4000; // the verdict lands after the match's end
    const reference = referenceOf(relayed.room);
    relayed.room.send('submit', { language_id: reference.languageId, source: reference.source });
    await eventually(() => relayed.room.state.phase === 'finished', 20_000, 'finished');
    expect(relayed.verdicts[0]).toMatchObject({ kind: 'accepted' });
    expect(direct.room.state.winner).toBe(relayed.id);
  });

  test('judging off (no JUDGE0_URL): the match says so to both players, and a submission is answered at once', async () => {
    const [one, two] = await startReplicas({ JUDGE0_URL: '' });
    const { relayed, direct } = await duel(one, two);
    expect(relayed.room.state.judging).toBe('off');
    await eventually(() => relayed.notices.length === 1 && direct.notices.length === 1, 5000, 'notices');
    expect(relayed.notices[0]).toMatchObject({ kind: 'judging-off' });
    relayed.room.send('submit', { language_id: 71, source: 'print(1)' });
    await eventually(() => relayed.verdicts.length === 1, 5000, 'answer');
    expect(relayed.verdicts[0]).toMatchObject({ kind: 'judge-error', message: expect.stringContaining('judging is off') });
  });
});
