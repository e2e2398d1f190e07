// `cdk8s synth` end to end, in a scratch copy of the project: what a user sees on success and
// on bad input, and that a failure leaves the previous dist/ alone.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
let work: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
  for (const entry of ['main.ts', 'lib', 'imports', 'policy', 'cdk8s.yaml', 'package.json', 'tsconfig.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(work, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'));
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function synth(env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('K8S_')));
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/cdk8s-cli/bin/cdk8s'), 'synth', '--no-check-upgrade'], {
    cwd: work, env: { ...clean, ...env }, encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const distFiles = () => fs.readdirSync(path.join(work, 'dist')).sort();

test('with no environment it writes the three manifests to dist/ in apply order', () => {
  const result = synth();
  expect(result.stderr).not.toMatch(/error/i);
  expect(result.status).toBe(0);
  expect(distFiles()).toEqual(['1-cluster.k8s.yaml', '2-stores.k8s.yaml', '3-apps.k8s.yaml']);
  // what was published is exactly what the app synthesized
  expect(fs.readFileSync(path.join(work, 'dist/3-apps.k8s.yaml'), 'utf8')).toContain('name: colyseus');
  expect(result.stdout).toContain('| total |');
});

test('bad input: one line per problem naming the variable, non-zero exit, no stack trace, dist/ untouched', () => {
  synth();
  const before = fs.readFileSync(path.join(work, 'dist/3-apps.k8s.yaml'), 'utf8');
  const result = synth({ K8S_COLYSEUS_REPLICAS: 'three', K8S_REDIS_REPLCAS: '1' });
  expect(result.status).not.toBe(0);
  const errors = result.stderr.split('\n').filter(l => l.startsWith('error: '));
  expect(errors).toEqual([
    'error: K8S_REDIS_REPLCAS is not a known setting; did you mean K8S_REDIS_REPLICAS? (all settings: README.md, "Configuration")',
    'error: K8S_COLYSEUS_REPLICAS="three" is invalid; accepted: a whole number >= 1',
  ]);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(distFiles()).toEqual(['1-cluster.k8s.yaml', '2-stores.k8s.yaml', '3-apps.k8s.yaml']);
  expect(fs.readFileSync(path.join(work, 'dist/3-apps.k8s.yaml'), 'utf8')).toBe(before);
});

test('secret values in the synth environment never reach dist/', () => {
  const result = synth({ REDIS_PASSWORD: 'redis-pw-0123456789', OPENAI_API_KEY: 'sk-0123456789abcdef' });
  expect(result.status).toBe(0);
  const all = distFiles().map(f => fs.readFileSync(path.join(work, 'dist', f), 'utf8')).join('\n');
  expect(all).not.toContain('redis-pw-0123456789');
  expect(all).not.toContain('sk-0123456789abcdef');
  expect(result.stdout + result.stderr).not.toContain('redis-pw-0123456789');
});
