// `npm run bench:game`: message round trips in live duels, direct vs relayed.
//
// Two game server processes (backend/colyseus/dist, as `npm start` runs it) over one real Redis;
// N duels whose two players matchmake and connect through different processes, so exactly one
// player of each duel is relayed by the process that does not hold the room (half the players).
// Every player sends `ping` every BENCH_PING_MS (the players spread over the period) and times the
// `pong`. Per N: round-trip p50/p99 direct vs relayed, CPU (% of one core, from /proc/<pid>/stat)
// and RSS per pod (the game server and its relay process). Each run
// starts fresh processes; the summary gives the median and the spread over the runs.
//
// Knobs (env): BENCH_DUELS (list, default 25,50,100,200), BENCH_MAX_DUELS (keep adding 100 duels
// while both pods (game server + relay process) stay under BENCH_CPU_CEILING % of a core, default 400 / 70),
// BENCH_RUNS (3), BENCH_SECONDS (measured window per N, 5), BENCH_PING_MS (100).
import { Client, Room } from '@colyseus/sdk';
import * as fs from 'fs';
import { SignJWT } from 'jose';
import * as os from 'os';
import * as path from 'path';
import { PLAYER_AUDIENCE } from '../backend/colyseus/src/auth';
import { Proc, freePort, run as runProcess, sleep } from '../backend/colyseus/test/harness';

const SECRET = 'bench-player-secret-0123456789';
const ROOT = path.join(__dirname, '..');

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!/^[1-9]\d*$/.test(raw)) {
    console.error(`error: ${name}=${JSON.stringify(raw)} is invalid; expected a whole number >= 1`);
    process.exit(1);
  }
  return Number(raw);
}

function listEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!/^[1-9]\d*(,[1-9]\d*)*$/.test(raw)) {
    console.error(`error: ${name}=${JSON.stringify(raw)} is invalid; expected whole numbers >= 1 separated by commas, e.g. 25,50,100`);
    process.exit(1);
  }
  return raw.split(',').map(Number);
}

const DUELS = listEnv('BENCH_DUELS', [25, 50, 100, 200]);
const MAX_DUELS = numberEnv('BENCH_MAX_DUELS', 400);
const CPU_CEILING = numberEnv('BENCH_CPU_CEILING', 70);
const RUNS = numberEnv('BENCH_RUNS', 3);
const SECONDS = numberEnv('BENCH_SECONDS', 5);
const PING_MS = numberEnv('BENCH_PING_MS', 100);

/** Starts a process (harness `run`) and waits until its output matches `ready`. */
async function start(command: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<Proc> {
  const p = runProcess(command, args, env, Number(env.PORT ?? 0));
  await p.waitFor(ready, 20_000);
  return p;
}

/** A game server and its relay process (backend/colyseus/src/relay-process.ts): what one pod runs. */
function podPids(pid: number): number[] {
  const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return [pid, ...(children ? children.split(' ').map(Number) : [])];
}

/** utime + stime of a pod's processes, in seconds. */
function cpuSeconds(pid: number): number {
  return podPids(pid).reduce((sum, p) => {
    const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  }, 0);
}

function rssMiB(pid: number): number {
  return podPids(pid).reduce((sum, p) => sum + Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))![1]) / 1024, 0);
}

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Sample {
  duels: number; run: number; direct: [number, number]; relayed: [number, number]; cpu: [number, number]; rss: [number, number]; messages: number;
  /** Matchmaking 503s retried while the players joined. */
  refusals: number;
  /** CPU of this bench process (all the players), % of one core: near 100 its own lag is in the round trips. */
  clientCpu: number;
  /** Round trips completed / the pings a player's timer should have sent: below 1, the machine (or the players) fell behind. */
  keptUp: number;
  /** 1-minute load average at the end of the window. */
  load: number;
}

/** Matchmaking answered 503 (then retried after Retry-After, as a client does), per run and N. */
let refusals = 0;

/**
 * Matchmakes as the SDK's users must: a 503 (the store gate, backend/colyseus/src/store-gate.ts,
 * answers one to a matchmaking request Colyseus has not answered within 5 s) is retried after its
 * Retry-After. Under 20 joins at once, Colyseus' seat reservation on the other process now and
 * then times out (its 2 s IPC timeout, then a health check: "Performing health-check" in the
 * server's log); that costs join time, not round trips, and the count is in the table.
 */
async function matchmake(client: Client): Promise<any> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await client.http.post('/matchmake/joinOrCreate/duel', { body: {} } as any)).data;
    } catch (error) {
      if ((error as { code?: number }).code !== 503 || attempt === 5) throw error;
      refusals++;
      await sleep(5000);
    }
  }
}

async function player(port: number, sub: string): Promise<{ room: Room; relayed: boolean }> {
  const client = new Client(`http://127.0.0.1:${port}`);
  client.auth.token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setAudience(PLAYER_AUDIENCE)
    .setExpirationTime('2h').sign(new TextEncoder().encode(SECRET));
  const reservation = await matchmake(client);
  const room = await client.consumeSeatReservation(reservation);
  room.onMessage('problem', () => undefined);
  room.onMessage('notice', () => undefined);
  return { room, relayed: reservation.processId !== processIds.get(port) };
}

const processIds = new Map<number, string>();

async function measure(procs: Proc[], duels: number, run: number): Promise<Sample> {
  const players: { room: Room; relayed: boolean }[] = [];
  refusals = 0;
  for (let i = 0; i < duels; i += 10) {
    // ten duels at a time: each is one player through each process, in order, so they pair up
    await Promise.all(Array.from({ length: Math.min(10, duels - i) }, async (_, k) => {
      const n = i + k;
      const first = await player(procs[n % 2].port, `p${n}a`);
      players.push(first);
      players.push(await player(procs[(n + 1) % 2].port, `p${n}b`));
    }));
  }
  const rtts = { direct: [] as number[], relayed: [] as number[] };
  let measuring = false;
  // Players' pings are spread evenly over the period, as independent players' messages are: timers
  // all in phase would send every player's ping in the same millisecond, and p99 would measure how
  // long the last of 2N messages of one burst queues behind the others.
  const timers: NodeJS.Timeout[] = [];
  players.forEach(({ room, relayed }, i) => {
    room.onMessage('pong', (sentAt: number) => { if (measuring) rtts[relayed ? 'relayed' : 'direct'].push(performance.now() - sentAt); });
    timers.push(setTimeout(() => timers.push(setInterval(() => room.send('ping', performance.now()), PING_MS)), (i * PING_MS) / players.length));
  });
  await sleep(1000); // warm-up
  const cpuBefore = procs.map(p => cpuSeconds(p.child.pid!));
  const clientBefore = process.cpuUsage();
  const startedAt = performance.now();
  measuring = true;
  await sleep(SECONDS * 1000);
  measuring = false;
  const elapsed = (performance.now() - startedAt) / 1000;
  const cpu = procs.map((p, i) => (100 * (cpuSeconds(p.child.pid!) - cpuBefore[i])) / elapsed) as [number, number];
  const rss = procs.map(p => rssMiB(p.child.pid!)) as [number, number];
  const clientUsage = process.cpuUsage(clientBefore);
  const clientCpu = (clientUsage.user + clientUsage.system) / 1e4 / elapsed;
  timers.forEach(clearTimeout);
  await Promise.all(players.map(({ room }) => Promise.race([room.leave(true).catch(() => undefined), sleep(2000)])));
  return {
    duels, run, cpu, rss, clientCpu, load: os.loadavg()[0],
    keptUp: (rtts.direct.length + rtts.relayed.length) / (players.length * ((SECONDS * 1000) / PING_MS)),
    direct: [percentile(rtts.direct, 50), percentile(rtts.direct, 99)],
    relayed: [percentile(rtts.relayed, 50), percentile(rtts.relayed, 99)],
    messages: rtts.direct.length + rtts.relayed.length,
    refusals,
  };
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const dist = path.join(ROOT, 'backend/colyseus/dist/index.js');
  if (!fs.existsSync(dist)) {
    console.error('error: backend/colyseus/dist/index.js is missing; run `npm run build -w backend/colyseus` first');
    process.exit(1);
  }
  console.log(`machine: ${os.cpus().length} cores, load average at start ${os.loadavg().map(f2).join(' ')}; ${RUNS} runs, ${SECONDS} s measured per N, a ping every ${PING_MS} ms per player`);
  const samples: Sample[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const redisPort = await freePort();
    const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
    const redis = await start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], {}, /Ready to accept connections/);
    const procs: Proc[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const p = await start(process.execPath, [dist], {
          PORT: String(port), POD_IP: '127.0.0.1', REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
          COLYSEUS_RESERVATION_SECRET: SECRET, BOT_SERVICE_SECRET: `${SECRET}-bots`, MATCH_SECONDS: '3600',
        }, /listening on/);
        processIds.set(port, /Colyseus process (\S+) listening/.exec(p.output())![1]);
        procs.push(p);
      }
      const sizes = [...DUELS];
      for (let i = 0; i < sizes.length; i++) {
        const sample = await measure(procs, sizes[i], run);
        samples.push(sample);
        console.log(`run ${run}, ${sample.duels} duels: relayed p99 ${f2(sample.relayed[1])} ms, direct p99 ${f2(sample.direct[1])} ms, cpu ${sample.cpu.map(f1).join('% / ')}%, players' cpu ${f1(sample.clientCpu)}%, load ${f2(os.loadavg()[0])}`);
        const last = i === sizes.length - 1;
        if (last && Math.max(...sample.cpu) < CPU_CEILING && sample.duels + 100 <= MAX_DUELS) sizes.push(sample.duels + 100);
      }
    } finally {
      await Promise.all(procs.map(p => p.stop()));
      await redis.stop();
    }
  }

  console.log('\nEvery run (round trips in ms; CPU in % of one core; RSS in MiB; A and B are the two pods, each a game server and its relay process):\n');
  console.log(table(
    ['duels', 'run', 'joins 503', 'round trips', 'kept up', 'direct p50', 'direct p99', 'relayed p50', 'relayed p99', 'CPU A', 'CPU B', 'RSS A', 'RSS B', 'CPU players', 'load'],
    samples.map(s => [String(s.duels), String(s.run), String(s.refusals), String(s.messages), f2(s.keptUp), f2(s.direct[0]), f2(s.direct[1]), f2(s.relayed[0]), f2(s.relayed[1]),
      f1(s.cpu[0]), f1(s.cpu[1]), f1(s.rss[0]), f1(s.rss[1]), f1(s.clientCpu), f2(s.load)]),
  ));

  const median = (values: number[]) => percentile(values, 50);
  const spread = (values: number[]) => `${f2(median(values))} (${f2(Math.min(...values))}-${f2(Math.max(...values))})`;
  const sizes = [...new Set(samples.map(s => s.duels))];
  console.log(`\nOver the runs: median (min-max). Goal: relayed p99 <= direct p99 + 2 ms where both pods stay under ${CPU_CEILING}% of a core.\n`);
  console.log(table(
    ['duels', 'runs', 'direct p50', 'direct p99', 'relayed p50', 'relayed p99', 'relayed - direct p99', 'max CPU %', 'max RSS MiB', 'goal'],
    sizes.map(n => {
      const of = samples.filter(s => s.duels === n);
      const gaps = of.map(s => s.relayed[1] - s.direct[1]);
      const cpuMax = Math.max(...of.flatMap(s => s.cpu));
      const goal = cpuMax >= CPU_CEILING ? 'n/a (CPU)' : gaps.every(g => g <= 2) ? 'met' : 'missed';
      return [String(n), String(of.length), spread(of.map(s => s.direct[0])), spread(of.map(s => s.direct[1])), spread(of.map(s => s.relayed[0])),
        spread(of.map(s => s.relayed[1])), spread(gaps), f1(cpuMax), f1(Math.max(...of.flatMap(s => s.rss))), goal];
    }),
  ));
  console.log(`\nload average at the end: ${os.loadavg().map(f2).join(' ')}`);
}

main().then(() => process.exit(0), error => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
});
