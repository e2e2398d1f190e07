// The commands the e2e runs inside the store pods (kubectl exec ... -- <command>), run here
// directly: redis-cli against a real Redis with a password, and the mongosh command line
// (no mongosh here: a stand-in prints the argv it was given, to check the shell's quoting).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, run } from '../../backend/colyseus/test/harness';
import { mongoshFindMatch, redisCli } from '../../scripts/e2e/kube';

jest.setTimeout(60_000);

test('redisCli authenticates with the container\'s REDIS_PASSWORD, which never appears in argv', async () => {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-redis-'));
  const password = 'e2e-redis-password-0123456789';
  const redis = run('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--dir', dir], {}, port);
  try {
    await redis.waitFor('Ready to accept connections');
    const exec = (args: string[], env: Record<string, string>) => {
      const [command, ...rest] = redisCli(['-p', String(port), ...args]);
      expect(rest.join(' ')).not.toContain(password);
      return spawnSync(command, rest, { encoding: 'utf8', env: { PATH: process.env.PATH!, ...env } });
    };
    expect(exec(['SET', 'e2e:k', 'v 1'], { REDIS_PASSWORD: password }).stdout.trim()).toBe('OK');
    expect(exec(['GET', 'e2e:k'], { REDIS_PASSWORD: password }).stdout.trim()).toBe('v 1');
    // REDISCLI_AUTH, when the container sets it, wins (lib/redis-store.ts sets it for the probes).
    expect(exec(['GET', 'e2e:k'], { REDIS_PASSWORD: 'stale', REDISCLI_AUTH: password }).stdout.trim()).toBe('v 1');
    const wrong = exec(['GET', 'e2e:k'], { REDIS_PASSWORD: 'wrong-password' });
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/WRONGPASS|NOAUTH/);
    expect(wrong.stdout.trim()).not.toBe('v 1');
  } finally {
    await redis.stop();
  }
});

test('mongoshFindMatch: one script argument, TLS options as separate words, root\'s login read from the mounted files, never in argv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-mongosh-'));
  fs.writeFileSync(path.join(dir, 'mongosh'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
  const argv = (tls: string) => {
    const [command, ...rest] = mongoshFindMatch('AbC_12-x', tls);
    const r = spawnSync(command, rest, { encoding: 'utf8', env: { PATH: `${dir}:${process.env.PATH}` } });
    return r.stdout.split('\n').slice(0, -1);
  };
  const script = "const fs = require('fs'); db.getSiblingDB('admin').auth(fs.readFileSync('/etc/mongodb-root/username', 'utf8'), fs.readFileSync('/etc/mongodb-root/password', 'utf8'));"
    + " const m = db.getSiblingDB('codeclashers').matches.findOne({ roomId: 'AbC_12-x' }); print(m ? EJSON.stringify(m) : 'null')";
  expect(argv('')).toEqual(['--quiet', '--norc', '--eval', script]);
  expect(argv('--tls --tlsCAFile /etc/mongodb-tls/ca.crt --host 127.0.0.1')).toEqual(['--quiet', '--norc', '--tls', '--tlsCAFile', '/etc/mongodb-tls/ca.crt', '--host', '127.0.0.1', '--eval', script]);
  expect(() => mongoshFindMatch("x'); db.dropDatabase(); ('", '')).toThrow('is not a Colyseus room id');
});
