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
