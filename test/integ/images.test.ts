// The service images, built by their Dockerfiles and run by the smoke test exactly as the deploy
// pipeline calls it (scripts/images/smoke.ts): the way the manifests run them, next to a real
// Redis. Then two broken images, to see the smoke test fail with one line naming what failed.
// Needs a Docker engine (.ci/run starts one); without it, says so in one line and skips.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '../..');
const node = path.join(root, 'node_modules/.bin/node');
const TAG = `codeclashers-images-test-${process.pid}`;
const image = (service: string) => `${TAG}-${service}:test`;

function engine(): string | undefined {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 30_000 });
  if (info.error) return `docker: ${info.error.message}`;
  return info.status === 0 ? undefined : (info.stderr || info.stdout).trim().split('\n').pop();
}

const noEngine = engine();
if (noEngine) process.stderr.write(`images: skipped: no Docker engine here (${noEngine}); the images are built and run by CI's .ci/run and the pull-request check\n`);
const describeWithEngine = noEngine ? describe.skip : describe;

/** The base build arguments: given, or the local stand-ins where debootstrap can make them. */
function baseImages(): Record<string, string> {
  if (process.env.NODE_IMAGE) return {};
  if (spawnSync('sh', ['-c', 'command -v debootstrap']).status !== 0) return {}; // the Dockerfiles' own base
  const out = execFileSync('bash', [path.join(root, 'scripts/images/local-base.sh')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return Object.fromEntries(out.trim().split('\n').map(line => line.split('=', 2) as [string, string]));
}

function smoke(service: string, ref: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(node, ['-r', 'tsx/cjs', 'scripts/images/smoke.ts', '--service', service, '--image', ref], { cwd: root, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** An image made from another by a few Dockerfile lines (a deliberately broken one). */
function derive(from: string, tag: string, lines: string[]): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'images-test-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), [`FROM ${from}`, ...lines].join('\n') + '\n');
  execFileSync('docker', ['build', '-q', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}

describeWithEngine('the service images', () => {
  const built: string[] = [];
  beforeAll(() => {
    const env = { ...process.env, ...baseImages() };
    for (const service of ['colyseus', 'bots']) {
      execFileSync('bash', [path.join(root, 'scripts/images/build.sh'), service, image(service)], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
      built.push(image(service));
    }
  }, 30 * 60_000);
  afterAll(() => {
    if (built.length) spawnSync('docker', ['rmi', '--force', ...built]);
  });

  test.each(['colyseus', 'bots'])('%s: runs as the manifests run it, probes 200, SIGTERM exit 0, refuses a missing variable', service => {
    const result = smoke(service, image(service));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`[smoke ${service}] passed`);
  }, 10 * 60_000);

  test('an image that writes outside /tmp fails on the read-only root, in one line', () => {
    const broken = `${TAG}-writes-outside-tmp:test`;
    derive(image('bots'), broken, ['CMD ["node", "-e", "require(\'fs\').writeFileSync(\'state.json\', \'{}\'); require(\'./dist/index.js\')"]']);
    built.push(broken);
    const result = smoke('bots', broken);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^smoke: .*exited with code 1 before \/healthz answered: .*EROFS: read-only file system, open 'state.json'/);
  }, 10 * 60_000);

  test('an image with a secret baked in starts without it: the missing-variable check fails, in one line', () => {
    const broken = `${TAG}-baked-secret:test`;
    derive(image('bots'), broken, ['ENV BOT_SERVICE_SECRET=baked-into-the-image']);
    built.push(broken);
    const result = smoke('bots', broken);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^smoke: bots: still running 60 s after starting without BOT_SERVICE_SECRET$/m);
  }, 10 * 60_000);

  test('bad arguments: one line naming the flag and the accepted values', () => {
    const result = smoke('judge0', 'x');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('smoke: --service="judge0" is invalid; expected one of colyseus, bots\n');
  });
});
