// Scenario (d)'s broken release, built the way its image is (tsc) and started the way its pod
// starts it: it must exit non-zero before it listens, so it never registers with the matchmaker.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { brokenEntryPoint } from '../../scripts/e2e/scenarios/d-failed-release';
import { BOT_SECRET, JUDGE0_TOKEN, PLAYER_SECRET, freePort, run, startRedis } from '../../backend/colyseus/test/harness';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');

test('the broken Colyseus release compiles, exits 1 and never listens; the unbroken one listens', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-broken-'));
  fs.cpSync(path.join(ROOT, 'backend/colyseus/src'), path.join(dir, 'src'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'backend/colyseus/tsconfig.json'), path.join(dir, 'tsconfig.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const entry = path.join(dir, 'src/index.ts');
  const original = fs.readFileSync(entry, 'utf8');
  fs.writeFileSync(entry, brokenEntryPoint(original));
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');

  const redis = await startRedis();
  try {
    const port = await freePort();
    const env = { PORT: String(port), POD_IP: '127.0.0.1', REDIS_URL: redis.url, COLYSEUS_RESERVATION_SECRET: PLAYER_SECRET, BOT_SERVICE_SECRET: BOT_SECRET, JUDGE0_AUTH_TOKEN: JUDGE0_TOKEN };
    const broken = run(process.execPath, [path.join(dir, 'dist/index.js')], env, port);
    expect(await broken.exited).toBe(1);
    expect(broken.output()).toContain('e2e: a release that fails on purpose');
    expect(broken.output()).not.toContain('listening');

    // The same build without the change does listen: the exit above is the change's doing.
    fs.writeFileSync(entry, original);
    expect(spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir]).status).toBe(0);
    const good = run(process.execPath, [path.join(dir, 'dist/index.js')], env, port);
    await good.waitFor('listening on');
    await good.stop();
  } finally {
    await redis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
