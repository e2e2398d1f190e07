// `npm run deploy`'s entry point as a process: bad arguments and bad settings are one line each,
// before anything runs (the scenarios drive the same main() in-process).
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const deploy = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, ['-r', 'tsx/cjs', 'scripts/deploy/index.ts', ...args], {
  cwd: ROOT, encoding: 'utf8',
  env: { PATH: process.env.PATH!, HOME: '/nonexistent', GITHUB_REPOSITORY_OWNER: 'Acme', ...env },
});

test('an unknown argument: one line, exit 2', () => {
  const r = deploy(['--dry-run']);
  expect(r.status).toBe(2);
  expect(r.stdout.trim()).toBe('error: unknown arguments "--dry-run"; accepted: none, --plan, or --rollback');
});

test('a mistyped setting: one line naming it, exit 1, nothing run', () => {
  const r = deploy(['--plan'], { DEPLOY_ROLLOUT_TIMEOUT_SECONDS: 'ten' });
  expect(r.status).toBe(1);
  expect(r.stdout.trim()).toBe('error: DEPLOY_ROLLOUT_TIMEOUT_SECONDS="ten" is invalid; accepted: a whole number from 1 to 86400');
});

test('npm run deploy as a process, with the stand-in as commands on PATH: first deploy, then --plan', () => {
  const fs = require('fs') as typeof import('fs');
  const os = require('os') as typeof import('os');
  const { Vm, SECRETS } = require('../fakes/deploy-vm') as typeof import('../fakes/deploy-vm');
  const vm = new Vm();
  try {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-bin-'));
    const cli = `"${process.execPath}" -r tsx/cjs "${path.join(ROOT, 'test/fakes/host-cli.ts')}"`;
    for (const tool of ['kubectl', 'docker', 'sudo', 'uname', 'id']) {
      fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\nexec ${cli} ${tool} "$@"\n`, { mode: 0o755 });
    }
    fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\nif [ "$3" = scripts/images/smoke.ts ]; then exec ${cli} node "$@"; fi\nexec "${process.execPath}" "$@"\n`, { mode: 0o755 });
    const stateFile = path.join(bin, 'state.json');
    fs.writeFileSync(stateFile, JSON.stringify(vm.host.state));
    const env = { ...vm.env({ DEPLOY_POLL_SECONDS: '0.05', DEPLOY_HEALTH_INTERVAL_SECONDS: '0.05' }), PATH: `${bin}:${process.env.PATH}`, FAKE_STATE: stateFile, FAKE_HOST_ROOT: vm.hostRoot };
    const run = (args: string[]) => spawnSync(process.execPath, ['-r', 'tsx/cjs', 'scripts/deploy/index.ts', ...args], { cwd: vm.repo, env, encoding: 'utf8' });
    const first = run([]);
    expect(first.stdout).toContain('Deploy succeeded');
    expect(first.status).toBe(0);
    expect(first.stdout + first.stderr).not.toContain(SECRETS.REDIS_PASSWORD);
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    expect(Buffer.from(state.objects['Secret/codeclashers/app-secrets'].object.data.REDIS_PASSWORD, 'base64').toString()).toBe(SECRETS.REDIS_PASSWORD);
    const plan = run(['--plan']);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('objects that change: none');
    fs.rmSync(bin, { recursive: true, force: true });
  } finally {
    vm.cleanUp();
  }
}, 180_000);
