// main.ts as cdk8s.yaml runs it (through lib/require-typescript.cjs): what it writes to the
// staging directory is the committed dist/ and docs/architecture.md (run `npm run synth` and
// commit them when this fails), and bad settings stop it with one line each, nothing written.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

function runApp(env: Record<string, string> = {}) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-'));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('K8S_')));
  const result = spawnSync(process.execPath, ['-r', './lib/require-typescript.cjs', 'main.ts'], {
    cwd: ROOT, env: { ...clean, ...env, CDK8S_OUTDIR: outdir }, encoding: 'utf8',
  });
  const files = Object.fromEntries(fs.readdirSync(outdir).filter(f => !f.endsWith('.json')).map(f => [f, fs.readFileSync(path.join(outdir, f), 'utf8')]));
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ...result, files };
}

test('writes the committed manifests and diagram', () => {
  const { status, stderr, files } = runApp();
  expect([status, stderr]).toEqual([0, '']);
  const committed = Object.fromEntries(fs.readdirSync(path.join(ROOT, 'dist')).map(f => [f, fs.readFileSync(path.join(ROOT, 'dist', f), 'utf8')]));
  committed['architecture.md'] = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
  expect(files).toEqual(committed);
});

test('bad settings: one line each, nothing written', () => {
  const { stderr, files } = runApp({ K8S_JUDGE0_MODE: 'external', K8S_JUDGE0_URL: 'http://judge0.example.com' });
  expect(stderr.trim().split('\n')).toEqual([
    'error: K8S_JUDGE0_URL="http://judge0.example.com" is plain http to a public or named host; accepted: https://<public host> (port 443), or http://<address inside K8S_JUDGE0_CIDR>:<port> for a private Judge0',
  ]);
  expect(files).toEqual({});
});
