// The pull check's own Docker config must not hide the runner's buildx plugin.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Context, realClock } from '../scripts/deploy/context';
import { checkPullable } from '../scripts/deploy/images';
import { DeployOptions } from '../scripts/deploy/options';

let home: string;
beforeEach(() => { home = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-images-home-')); });
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

/** Runs checkPullable with a runner that records what each `docker` call's DOCKER_CONFIG holds. */
async function pullCheck(env: Record<string, string>) {
  const seen: { config: string; buildx: boolean; auths: boolean }[] = [];
  const ctx = {
    root: home, env, clock: realClock, log: () => undefined, redact: (t: string) => t,
    opts: { pullToken: '', pullUser: '' } as unknown as DeployOptions,
    run: async (_command: string, _args: readonly string[], options: { env?: Record<string, string> } = {}) => {
      const config = options.env?.DOCKER_CONFIG ?? '';
      seen.push({ config, buildx: fs.existsSync(path.join(config, 'cli-plugins', 'docker-buildx')), auths: fs.existsSync(path.join(config, 'config.json')) });
      return { status: 0, stdout: '', stderr: '' };
    },
  } as Context;
  await checkPullable(ctx, ['ghcr.io/acme/codeclashers-bots:0123456789abcdef0123']);
  return seen;
}

test('a buildx installed in ~/.docker/cli-plugins is found under the empty pull config; the login is not', async () => {
  fs.mkdirSync(path.join(home, '.docker', 'cli-plugins'), { recursive: true });
  fs.writeFileSync(path.join(home, '.docker', 'cli-plugins', 'docker-buildx'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(home, '.docker', 'config.json'), '{"auths":{"ghcr.io":{"auth":"cHVzaA=="}}}');
  const seen = await pullCheck({ HOME: home });
  expect(seen).toHaveLength(1);
  expect(seen[0].config).not.toBe(path.join(home, '.docker'));
  expect(seen[0]).toMatchObject({ buildx: true, auths: false });
  // The temporary config is removed; the user's plugins are not (only the link is).
  expect(fs.existsSync(seen[0].config)).toBe(false);
  expect(fs.existsSync(path.join(home, '.docker', 'cli-plugins', 'docker-buildx'))).toBe(true);
});

test('DOCKER_CONFIG, when set, is where the user\'s plugins are looked up', async () => {
  const custom = path.join(home, 'custom');
  fs.mkdirSync(path.join(custom, 'cli-plugins'), { recursive: true });
  fs.writeFileSync(path.join(custom, 'cli-plugins', 'docker-buildx'), '#!/bin/sh\n', { mode: 0o755 });
  expect((await pullCheck({ HOME: home, DOCKER_CONFIG: custom }))[0].buildx).toBe(true);
});

test('without a per-user plugin directory the pull config has none (the system plugin dirs still apply)', async () => {
  expect((await pullCheck({ HOME: home }))[0].buildx).toBe(false);
});
