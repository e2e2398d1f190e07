// The duel and bot parts of the cluster e2e (scripts/e2e/duel.ts), run here against real
// processes: two game server replicas behind a TCP round-robin balancer (as ServiceLB spreads
// connections over pods), real Redis, the Judge0 stand-in (real Python), the real bot service.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { DuelServer, loneVersusBot, meet, playDuel } from '../../scripts/e2e/duel';
import { BOT_SECRET, JUDGE0_TOKEN, PLAYER_SECRET, Proc, freePort, run, startColyseus, startRedis } from '../../backend/colyseus/test/harness';
import { Judge0StandIn } from '../../backend/colyseus/test/judge0-stand-in';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');

/** `npm start` runs dist/: build it when this test runs before the workspaces' own tests. */
function build(workspace: string): void {
  if (fs.existsSync(path.join(ROOT, workspace, 'dist/index.js'))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', workspace], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building ${workspace} failed:\n${r.stdout}${r.stderr}`);
}

/** A TCP balancer: each new connection goes to the next port, like a LoadBalancer over pods. */
async function roundRobin(ports: number[]): Promise<{ port: number; connections: number[]; close(): Promise<void> }> {
  let next = 0;
  const connections = ports.map(() => 0);
  const sockets = new Set<net.Socket>();
  const server = net.createServer(client => {
    const target = next++ % ports.length;
    connections[target]++;
    const upstream = net.connect(ports[target], '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    close: async () => {
      sockets.forEach(s => s.destroy());
      await new Promise(resolve => server.close(resolve));
    },
  };
}

let redis: Proc & { url: string };
const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
let replicas: Proc[] = [];
let bots: Proc | undefined;
let balancer: Awaited<ReturnType<typeof roundRobin>>;
let server: DuelServer;

beforeAll(async () => {
  build('backend/colyseus');
  build('backend/bots');
  redis = await startRedis();
  await judge0.start();
  const env = { REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: '60' };
  replicas = [await startColyseus(env), await startColyseus(env)];
  balancer = await roundRobin(replicas.map(r => r.port));
  server = { url: `http://127.0.0.1:${balancer.port}`, playerSecret: PLAYER_SECRET };
});

afterAll(async () => {
  await bots?.stop();
  await balancer?.close();
  await Promise.all(replicas.map(r => r.stop()));
  await judge0.stop();
  await redis?.stop();
});

beforeEach(() => { judge0.mode = 'normal'; });

test('a judged duel through the balancer: Wrong Answer for the wrong solution, Accepted and the win for the right one', async () => {
  const outcome = await playDuel(server, { judged: true, ids: ['ada', 'grace'] });
  expect(outcome.verdicts.wrong).toMatchObject({ kind: 'rejected', status: 'Wrong Answer' });
  expect(outcome.verdicts.right).toMatchObject({ kind: 'accepted' });
  expect(outcome.winner).toBe('grace');
  // the balancer sent connections to both replicas: one of the two joins crossed processes
  expect(balancer.connections.every(n => n > 0)).toBe(true);
});

test('when Judge0 cannot judge, the duel fails saying so instead of passing', async () => {
  judge0.mode = 'error';
  await expect(playDuel(server, { judged: true, ids: ['alan', 'barbara'] })).rejects.toThrow(/wrong solution: Judge0 could not be asked: Judge0 answered 500/);
});

test('a token signed with another secret cannot join', async () => {
  await expect(meet({ ...server, playerSecret: 'not-the-secret-0123456789' }, ['mallory', 'trudy'])).rejects.toThrow();
});

test('an unjudged duel (Judge0 off): the players meet, one forfeits, the other wins', async () => {
  const outcome = await playDuel(server, { judged: false, ids: ['edsger', 'tony'] });
  expect(outcome).toMatchObject({ winner: 'tony', judged: false });
});

test('a lone player gets a bot opponent within the bots\' wait', async () => {
  const port = await freePort();
  bots = run(process.execPath, [path.join(ROOT, 'backend/bots/dist/index.js')], {
    COLYSEUS_URL: `ws://127.0.0.1:${balancer.port}`, REDIS_URL: redis.url, BOT_SERVICE_SECRET: BOT_SECRET,
    BOT_JOIN_AFTER_SECONDS: '2', BOT_THINK_SECONDS: '1', PORT: String(port),
  }, port);
  await bots.waitFor('bot service ready');
  const result = await loneVersusBot(server, 2, 30);
  expect(result.botId).toMatch(/^bot-/);
  expect(result.waitedSeconds).toBeGreaterThanOrEqual(2);
});
