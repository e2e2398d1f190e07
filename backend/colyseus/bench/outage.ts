// Outage report (issue 15, item 7): kills the Redis under two real game-server processes for each
// outage length, starts it again with its data and empty, and prints how long until both
// processes are ready and a duel across them plays. Run: npm run bench:outage -w backend/colyseus
// (builds first). Lengths in seconds: OUTAGE_SECONDS="5 30 120" (the default).
import type { Room } from '@colyseus/sdk';
import { DurableRedis, JUDGE0_TOKEN, Proc, startColyseus } from '../test/harness';
import { Judge0StandIn } from '../test/judge0-stand-in';
import { leaveAll, redisOutage } from '../test/outage-scenario';

async function main(): Promise<void> {
  const lengths = (process.env.OUTAGE_SECONDS ?? '5 30 120').trim().split(/\s+/).map(Number);
  const bad = lengths.find(n => !Number.isFinite(n) || n <= 0);
  if (bad !== undefined) throw new Error(`OUTAGE_SECONDS=${JSON.stringify(process.env.OUTAGE_SECONDS)} is invalid; expected whole seconds separated by spaces, e.g. "5 30 120"`);
  const judge0 = new Judge0StandIn(JUDGE0_TOKEN);
  await judge0.start();
  const rows: string[][] = [];
  try {
    for (const seconds of lengths) {
      for (const empty of [false, true]) {
        const redis = await DurableRedis.start();
        const env = { REDIS_URL: redis.url, JUDGE0_URL: judge0.url, MATCH_SECONDS: String(seconds + 300) };
        const replicas: Proc[] = [await startColyseus(env), await startColyseus(env)];
        const rooms: Room[] = [];
        try {
          const seen = await redisOutage(redis, replicas as [Proc, Proc], seconds, empty, rooms);
          const refused = seen.duringMatchmake.map(a => `${a.status} in ${a.ms} ms`).join(', ');
          rows.push([String(seconds), empty ? 'empty' : 'kept', refused, seen.readySeconds.toFixed(1), seen.crossReplicaSeconds.toFixed(1),
            seen.reconnected ? 'yes' : 'NO', replicas.every(r => r.child.exitCode === null) ? 'yes' : 'NO']);
        } finally {
          await leaveAll(rooms);
          await Promise.all(replicas.map(r => r.stop()));
          await redis.stop();
        }
        console.error(`done: ${seconds} s, ${empty ? 'empty' : 'kept'}`);
      }
    }
  } finally {
    await judge0.stop();
  }
  const header = ['outage s', 'Redis', 'matchmaking during', 'ready after s', 'cross-replica duel after s', 'reconnect ok', 'processes up'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(header), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

main().then(() => process.exit(0), error => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
