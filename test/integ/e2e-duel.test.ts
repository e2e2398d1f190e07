// The duel and bot parts of the cluster e2e (scripts/e2e/duel.ts), run here against real
// processes: two game server replicas behind a TCP round-robin balancer (as ServiceLB spreads
// connections over pods), real Redis, the Judge0 stand-in, the real bot service. The stand-in
// runs Python only (language 71): scenario (b)'s C and C++ programs are judged by the real
// Judge0 on GitHub's runner alone; here they are compiled and run with the local gcc/g++.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as os from 'os';
import { DuelServer, judgeLanguage, loneVersusBot, meet, playDuel } from '../../scripts/e2e/duel';
import { PROGRAMS, PROGRAMS_PROBLEM_ID, programsProblem } from '../../scripts/e2e/programs';
import { BOT_AUDIENCE } from '../../backend/colyseus/src/auth';
import { BOT_SECRET, JUDGE0_TOKEN, PLAYER_SECRET, Proc, freePort, run, startColyseus, startRedis } from '../../backend/colyseus/test/harness';
import { Judge0StandIn } from '../../backend/colyseus/test/judge0-stand-in';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');

/**
 * `npm start` runs dist/: build it from the current sources every time, as the workspaces'
 * own `npm run build` does, so this test never drives a stale game server or bot service.
 */
function build(workspace: string): void {
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
  const built = fs.statSync(path.join(ROOT, 'backend/colyseus/dist/index.js')).mtimeMs;
  if (built < Date.now() - 600_000) throw new Error('backend/colyseus/dist/index.js was not rebuilt');
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

test('scenario (b) for Python: its wrong program gets Wrong Answer, its correct one Accepted and the win, on the programs\' problem', async () => {
  const python = PROGRAMS.find(p => p.languageId === 71)!;
  const outcome = await judgeLanguage(server, python, PROGRAMS_PROBLEM_ID, { idPrefix: 'py' });
  expect(outcome).toMatchObject({ problemId: PROGRAMS_PROBLEM_ID, languageId: 71, winner: `py-right-${outcome.skipped}` });
  expect(outcome.verdicts.wrong).toMatchObject({ kind: 'rejected', status: 'Wrong Answer' });
  expect(outcome.verdicts.right).toMatchObject({ kind: 'accepted', passed: 3, total: 3 });
});

test('a language the stand-in cannot run fails naming the language and Judge0\'s answer', async () => {
  // The stand-in knows only Python (judge0-stand-in.ts): Judge0 answers 422 for an unknown
  // language id, which the game server reports with the status (backend/colyseus/src/judge0.ts).
  const cpp = PROGRAMS.find(p => p.languageId === 54)!;
  await expect(judgeLanguage(server, cpp, PROGRAMS_PROBLEM_ID, { idPrefix: 'cpp' }))
    .rejects.toThrow(/^language 54 \(C\+\+ \(GCC 9\.2\.0\)\), wrong solution: Judge0 could not judge: Judge0 answered 422 to POST \/submissions\/batch/);
});

test('isolate failing on this kernel (Internal Error) fails the language with the sandbox reason', async () => {
  judge0.mode = 'internal-error';
  await expect(judgeLanguage(server, PROGRAMS[0], PROGRAMS_PROBLEM_ID, { idPrefix: 'iso' }))
    .rejects.toThrow(/^language 71 .*wrong solution: Judge0 could not judge: Judge0 could not run the submission \(Internal Error\)\. .*cgroup v2 kernel/);
});

test('when Judge0 cannot judge, the duel fails saying so instead of passing', async () => {
  judge0.mode = 'error';
  await expect(playDuel(server, { judged: true, ids: ['alan', 'barbara'] })).rejects.toThrow(/wrong solution: Judge0 could not judge: Judge0 answered 500/);
});

test('a token signed with another secret, or for the bots\' audience, cannot join', async () => {
  await expect(meet({ ...server, playerSecret: 'not-the-secret-0123456789' }, ['mallory', 'trudy'])).rejects.toThrow(/invalid token/);
  await expect(meet({ ...server, audience: BOT_AUDIENCE }, ['mallory', 'trudy'])).rejects.toThrow(/audience "codeclashers-bot" is not "codeclashers-player"/);
});

test.each(PROGRAMS.filter(p => p.languageId !== 71))('language $languageId: the programs Judge0 gets on GitHub compile and give $languageId\'s right and wrong answers here (local gcc/g++)', programs => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-programs-'));
  const [compiler, file] = programs.languageId === 54 ? ['g++', 'main.cpp'] : ['gcc', 'main.c'];
  const outputs = (source: string) => {
    fs.writeFileSync(path.join(dir, file), source);
    const cc = spawnSync(compiler, ['-O2', '-o', path.join(dir, 'main'), path.join(dir, file)], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`${compiler} failed: ${cc.stderr}`);
    return programsProblem().tests.map(t => spawnSync(path.join(dir, 'main'), [], { input: t.stdin, encoding: 'utf8' }).stdout);
  };
  const expected = programsProblem().tests.map(t => t.expectedOutput);
  expect(outputs(programs.correct)).toEqual(expected);
  expect(outputs(programs.wrong).filter((out, i) => out === expected[i])).toEqual([]);
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
