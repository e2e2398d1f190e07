// Two game server processes on different ports sharing one real Redis, as two replicas behind
// one LoadBalancer: each client talks to one process only.
import { Client, Room } from '@colyseus/sdk';
import { SUBMIT_COOLDOWN_SECONDS } from '../src/submission-limits';
import { problemById } from '../src/problems';
import { BOT_SECRET, JUDGE0_TOKEN, Proc, eventually, sign, sleep, startColyseus, startRedis } from './harness';
import { Judge0StandIn } from './judge0-stand-in';

let redis: Proc & { url: string };
const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
let replicas: Proc[] = [];
const rooms: Room[] = [];

beforeAll(async () => {
  redis = await startRedis();
  await judge0.start();
});
afterAll(async () => {
  await judge0.stop();
  await redis.stop();
});

async function startReplicas(env: Record<string, string> = {}): Promise<[Proc, Proc]> {
  const common = { REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: '60', ...env };
  replicas = [await startColyseus(common), await startColyseus(common)];
  return replicas as [Proc, Proc];
}

afterEach(async () => {
  // leave() of a room the server already closed never settles: bound it
  for (const room of rooms.splice(0)) await Promise.race([room.leave().catch(() => undefined), sleep(500)]);
  await Promise.all(replicas.map(r => r.stop()));
});

const endpoint = (p: Proc) => `http://127.0.0.1:${p.port}`;

async function clientOf(p: Proc, sub: string, secret?: string): Promise<Client> {
  const client = new Client(endpoint(p));
  client.auth.token = await sign(sub, secret);
  return client;
}

/** Matchmakes through `p` and connects through `p` only; returns the room and its process id. */
async function join(p: Proc, sub: string): Promise<{ room: Room; processId: string }> {
  const client = await clientOf(p, sub);
  const reservation = (await client.http.post('/matchmake/joinOrCreate/duel', { body: {} } as any)).data as any;
  const room = await client.consumeSeatReservation(reservation);
  room.onMessage('problem', () => undefined);
  rooms.push(room);
  return { room, processId: reservation.processId };
}

const processIdOf = (p: Proc) => /Colyseus process (\S+) listening/.exec(p.output())![1];

test('two clients, each talking to a different process, join the same duel and both get state', async () => {
  const [one, two] = await startReplicas();
  const alice = await join(one, 'alice');
  const bob = await join(two, 'bob');
  expect(bob.room.roomId).toBe(alice.room.roomId);
  // whichever process holds the room, one of the two WebSockets was forwarded to it
  expect([processIdOf(one), processIdOf(two)]).toContain(alice.processId);
  for (const { room } of [alice, bob]) {
    await eventually(() => room.state?.phase === 'playing', 5000, 'playing');
    const players = [...room.state.players.values()].map((p: any) => p.id).sort();
    expect(players).toEqual(['alice', 'bob']);
    expect(room.state.problemId).not.toBe('');
  }
});

test('a full match across replicas: the first correct submission wins, verdicts reach the submitter', async () => {
  const [one, two] = await startReplicas();
  const alice = await join(one, 'alice');
  const bob = await join(two, 'bob');
  await eventually(() => bob.room.state?.phase === 'playing', 5000, 'playing');
  const problem = problemById(bob.room.state.problemId)!;
  const verdicts: any[] = [];
  bob.room.onMessage('verdict', v => verdicts.push(v));
  alice.room.onMessage('verdict', () => undefined);
  bob.room.send('submit', { language_id: 71, source: 'print("no idea")' });
  await eventually(() => verdicts.length === 1, 10_000, 'first verdict');
  expect(verdicts[0]).toMatchObject({ kind: 'rejected', status: 'Wrong Answer' });
  await sleep(SUBMIT_COOLDOWN_SECONDS * 1000);
  bob.room.send('submit', { language_id: problem.reference.languageId, source: problem.reference.source });
  await eventually(() => alice.room.state.phase === 'finished', 10_000, 'finished');
  expect(verdicts[1]).toEqual({ kind: 'accepted', passed: 3, total: 3 });
  expect(alice.room.state.winner).toBe('bob');
});

test('drain: SIGTERM keeps a live duel playable to its end; /readyz 503; no new matches there; exit 0', async () => {
  const [one, two] = await startReplicas();
  const alice = await join(one, 'alice');
  const bob = await join(two, 'bob');
  await eventually(() => alice.room.state?.phase === 'playing', 5000, 'playing');
  const owner = [one, two].find(p => processIdOf(p) === alice.processId)!;
  const left: number[] = [];
  alice.room.onLeave(code => left.push(code));
  bob.room.onLeave(code => left.push(code));

  owner.child.kill('SIGTERM');
  await owner.waitFor('draining');
  const ready = await fetch(`${endpoint(owner)}/readyz`);
  expect(ready.status).toBe(503);
  const matchmake = await fetch(`${endpoint(owner)}/matchmake/joinOrCreate/duel`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await sign('carol')}` }, body: '{}',
  });
  expect(matchmake.ok).toBe(false);

  await sleep(1500); // still connected, still playing, well after the signal
  expect(left).toEqual([]);
  expect(alice.room.state.phase).toBe('playing');
  expect(owner.child.exitCode).toBeNull();

  const problem = problemById(alice.room.state.problemId)!;
  alice.room.onMessage('verdict', () => undefined);
  alice.room.send('submit', { language_id: problem.reference.languageId, source: problem.reference.source });
  await eventually(() => bob.room.state.phase === 'finished', 10_000, 'finished');
  expect(bob.room.state.winner).toBe('alice');
  expect(await owner.exited).toBe(0);
  expect(owner.output()).toContain('Drained');
  // the other replica keeps serving
  expect((await fetch(`${endpoint(one === owner ? two : one)}/readyz`)).status).toBe(200);
});

test('a waiting duel closes at once on SIGTERM so its player can matchmake elsewhere', async () => {
  const [one] = await startReplicas();
  const alice = await join(one, 'alice');
  const owner = replicas.find(p => processIdOf(p) === alice.processId)!;
  const left: number[] = [];
  alice.room.onLeave(code => left.push(code));
  owner.child.kill('SIGTERM');
  expect(await owner.exited).toBe(0);
  await eventually(() => left.length === 1, 5000, 'left');
});

test('a match that nobody wins ends after MATCH_SECONDS', async () => {
  const [one, two] = await startReplicas({ MATCH_SECONDS: '2' });
  const alice = await join(one, 'alice');
  await join(two, 'bob');
  await eventually(() => alice.room.state?.phase === 'playing', 5000, 'playing');
  await eventually(() => alice.room.state.phase === 'finished', 6000, 'timeout');
  expect(alice.room.state.winner).toBe('');
});

test('forfeit gives the match to the opponent', async () => {
  const [one, two] = await startReplicas();
  const alice = await join(one, 'alice');
  const bob = await join(two, 'bob');
  await eventually(() => alice.room.state?.phase === 'playing', 5000, 'playing');
  bob.room.send('forfeit');
  await eventually(() => alice.room.state.phase === 'finished', 5000, 'finished');
  expect(alice.room.state.winner).toBe('alice');
});

describe('auth', () => {
  test.each([
    ['unsigned', async () => 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.'],
    ['expired', async () => sign('alice', undefined, Math.floor(Date.now() / 1000) - 60)],
    ['wrongly signed', async () => sign('mallory', 'another-secret')],
  ])('an %s token cannot join', async (_, token) => {
    const [one] = await startReplicas();
    const client = new Client(endpoint(one));
    client.auth.token = await token();
    await expect(client.joinOrCreate('duel')).rejects.toThrow();
  });

  test('a bot token joins as a bot', async () => {
    const [one] = await startReplicas();
    const client = await clientOf(one, 'bot-7', BOT_SECRET);
    const room = await client.joinOrCreate('duel');
    rooms.push(room);
    await eventually(() => room.state?.players?.size === 1, 5000, 'state');
    expect([...room.state.players.values()][0]).toMatchObject({ id: 'bot-7', isBot: true });
  });
});

test('a missing required variable stops start-up with one line naming it', async () => {
  const { run } = await import('./harness');
  const proc = run(process.execPath, [`${__dirname}/../dist/index.js`], { REDIS_URL: redis.url, BOT_SERVICE_SECRET: 'x' }, 0);
  expect(await proc.exited).toBe(1);
  expect(proc.output().trim()).toBe("error: COLYSEUS_RESERVATION_SECRET is not set; expected the secret that signs players' tokens (HS256)");
});
