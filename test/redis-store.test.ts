import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { loadConfig } from '../lib/config';
import { REDIS_PREVIOUS_PASSWORD_KEY, REDIS_PREVIOUS_PASSWORD_SECRET, RedisStore } from '../lib/redis-store';
import { dropPasswordCommand, dropSucceeded } from '../scripts/deploy/redis-rotation';
import { find, testChart } from './util';

function synth(memoryLimit = '1Gi') {
  const chart = testChart();
  const sizing = loadConfig({ K8S_REDIS_MEMORY_LIMIT: memoryLimit }).sizing.REDIS;
  new RedisStore(chart, 'Redis', { sizing, storageClassName: 'fast', storageSize: '3Gi' });
  return Testing.synth(chart);
}

test('the password never appears in argv: it is written to a tmpfs config file', () => {
  const pod = find(synth(), 'StatefulSet', 'redis').spec.template.spec;
  const [script] = pod.containers[0].command.slice(2);
  expect(script).toContain('"$REDIS_PASSWORD" "$previous" > /etc/redis/redis.conf');
  expect(script).toMatch(/exec redis-server \/etc\/redis\/redis.conf/);
  expect(script).not.toMatch(/--requirepass/);
  expect(pod.volumes).toContainEqual({ name: 'config', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } });
});

test('maxmemory follows the memory limit, so Redis refuses writes before the kernel kills it', () => {
  const script = (limit: string) => find(synth(limit), 'StatefulSet', 'redis').spec.template.spec.containers[0].command[2];
  expect(script('1Gi')).toContain(`--maxmemory ${Math.floor(0.8 * 2 ** 30)} --maxmemory-policy noeviction`);
  expect(script('2Gi')).toContain(`--maxmemory ${Math.floor(1.6 * 2 ** 30)} `);
});

test('exposes its Service name and port, which the Service has', () => {
  const chart = testChart();
  const redis = new RedisStore(chart, 'Redis', { sizing: loadConfig({}).sizing.REDIS, storageClassName: 'fast', storageSize: '3Gi' });
  expect([redis.service, redis.port]).toEqual(['redis', 6379]);
  const service = find(Testing.synth(chart), 'Service', redis.service);
  expect(service.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379 }]);
});

test('persistent, retained volume', () => {
  const set = find(synth(), 'StatefulSet', 'redis');
  expect(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('3Gi');
  expect(set.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
});

test('the previous password comes from the deploy\'s optional Secret, never from app-secrets or dist/', () => {
  const env = find(synth(), 'StatefulSet', 'redis').spec.template.spec.containers[0].env;
  expect(env).toContainEqual({ name: REDIS_PREVIOUS_PASSWORD_KEY, valueFrom: { secretKeyRef: { name: REDIS_PREVIOUS_PASSWORD_SECRET, key: REDIS_PREVIOUS_PASSWORD_KEY, optional: true } } });
});

test('a long append-only-file load is alive, not ready: start-up and liveness accept LOADING, readiness wants PONG', () => {
  const c = find(synth(), 'StatefulSet', 'redis').spec.template.spec.containers[0];
  expect(c.readinessProbe.exec.command[2]).toBe('redis-cli ping | grep -q PONG');
  for (const probe of [c.startupProbe, c.livenessProbe]) expect(probe.exec.command[2]).toBe('redis-cli ping | grep -qE "PONG|LOADING"');
  // The probes' own pattern: PONG and LOADING (redis' reply while it loads) pass, WRONGPASS does not.
  const alive = (reply: string) => spawnSync('sh', ['-c', `printf '%s\\n' "$R" | grep -qE "PONG|LOADING"`], { env: { ...process.env, R: reply } }).status === 0;
  expect([alive('PONG'), alive('LOADING Redis is loading the dataset in memory'), alive('NOAUTH Authentication required.')]).toEqual([true, true, false]);
});

describe('the start script with the real redis-server', () => {
  let server: ChildProcess | undefined;
  let dir: string;
  afterEach(() => {
    server?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const freePort = () => new Promise<number>(resolve => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });

  /** Runs the synthesized start command with its paths moved to a temporary directory. */
  async function start(env: Record<string, string>): Promise<number> {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-start-'));
    fs.mkdirSync(path.join(dir, 'conf'));
    fs.mkdirSync(path.join(dir, 'data'));
    const port = await freePort();
    const script = (find(synth(), 'StatefulSet', 'redis').spec.template.spec.containers[0].command[2] as string)
      .split('/etc/redis').join(path.join(dir, 'conf'))
      .replace('--dir /data', `--dir ${path.join(dir, 'data')} --port ${port} --bind 127.0.0.1`);
    server = spawn('sh', ['-c', script], { env: { PATH: process.env.PATH, ...env } });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', d => { out += d; if (out.includes('Ready to accept connections')) resolve(); });
      server!.on('exit', code => reject(new Error(`redis-server exited ${code}: ${out}`)));
    });
    return port;
  }

  const ping = (port: number, password: string) =>
    spawnSync('redis-cli', ['-p', String(port), 'ping'], { env: { ...process.env, REDISCLI_AUTH: password }, encoding: 'utf8' }).stdout.trim();

  test('during a rotation both passwords work; dropping the previous one (on stdin, by hash) leaves only the new', async () => {
    const port = await start({ REDIS_PASSWORD: 'new pass word', [REDIS_PREVIOUS_PASSWORD_KEY]: 'old-password' });
    expect([ping(port, 'new pass word'), ping(port, 'old-password'), ping(port, 'other')]).toEqual(['PONG', 'PONG', expect.stringContaining('NOAUTH')]);
    const drop = () => spawnSync('redis-cli', ['-p', String(port)], { input: dropPasswordCommand('old-password'), env: { ...process.env, REDISCLI_AUTH: 'new pass word' }, encoding: 'utf8' });
    const first = drop();
    expect(dropSucceeded(first.stdout)).toBe(true);
    expect([ping(port, 'new pass word'), ping(port, 'old-password')]).toEqual(['PONG', expect.stringContaining('NOAUTH')]);
    // Again (Redis already without it): still done, and redis-cli exits 0 either way.
    const again = drop();
    expect([again.status, dropSucceeded(again.stdout)]).toEqual([0, true]);
    expect(dropSucceeded('ERR unknown command')).toBe(false);
  });

  test.each(['had"quote', 'back\\slash'])('a previous value Redis could never have used (%s) is skipped, not fatal', async previous => {
    const port = await start({ REDIS_PASSWORD: 'new-password', [REDIS_PREVIOUS_PASSWORD_KEY]: previous });
    expect([ping(port, 'new-password'), ping(port, previous)]).toEqual(['PONG', expect.stringContaining('NOAUTH')]);
  });

  test('while Redis loads a large data file, the start-up and liveness probes pass and readiness does not', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-load-'));
    const port = await freePort();
    const cli = (...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
    const serve = async (...args: string[]) => {
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args]);
      await new Promise<void>((resolve, reject) => {
        let out = '';
        server!.stdout!.on('data', d => { out += d; if (/Ready to accept connections|Loading RDB/.test(out)) resolve(); });
        server!.on('exit', code => reject(new Error(`redis-server exited ${code}: ${out}`)));
      });
    };
    await serve('--enable-debug-command', 'yes');
    expect(cli('debug', 'populate', '5000').stdout.trim()).toBe('OK');
    expect(cli('save').stdout.trim()).toBe('OK');
    cli('shutdown', 'nosave');
    await new Promise(resolve => server!.once('exit', resolve));
    // key-load-delay (a Redis test setting, microseconds per key) makes the load take seconds.
    await serve('--key-load-delay', '1000', '--loading-process-events-interval-bytes', '1024');
    const c = find(synth(), 'StatefulSet', 'redis').spec.template.spec.containers[0];
    const passes = (probe: any) => spawnSync('sh', ['-c', probe.exec.command[2].replace('redis-cli', `redis-cli -p ${port}`)]).status === 0;
    expect(cli('ping').stdout).toMatch(/^LOADING/);
    expect([passes(c.startupProbe), passes(c.livenessProbe), passes(c.readinessProbe)]).toEqual([true, true, false]);
  });

  test('outside a rotation only the one password works', async () => {
    const port = await start({ REDIS_PASSWORD: 'only-password' });
    expect([ping(port, 'only-password'), ping(port, '')]).toEqual(['PONG', expect.stringMatching(/NOAUTH|WRONGPASS/)]);
  });
});
