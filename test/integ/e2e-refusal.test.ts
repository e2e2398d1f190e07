// `npm run e2e` against a cluster holding someone else's release: it refuses, naming why, and
// makes no change. kubectl is a stand-in here (no API server runs on these machines); it answers
// the reads the e2e makes first as kubectl 1.32 does, and records every call.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');

/**
 * kubectl as the e2e's first reads see it. `get <kind> <name>` of an absent object exits 1
 * with "Error from server (NotFound): <resource> "<name>" not found" (kubectl's NotFound
 * error); `-o json` of a list prints `{"kind":"List","items":[...]}`; `config view --minify -o
 * jsonpath=...` prints the value without a newline. Every other verb only records the call.
 */
const STAND_IN = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.CALLS, JSON.stringify(args) + '\\n');
const world = JSON.parse(process.env.WORLD);
const out = s => process.stdout.write(s);
const notFound = (resource, name) => { process.stderr.write('Error from server (NotFound): ' + resource + ' "' + name + '" not found\\n'); process.exit(1); };
if (args[0] === 'config') { out(world.server); process.exit(0); }
if (args[0] === 'get' && args[1] === 'namespace') {
  if (!world.namespace) notFound('namespaces', args[2]);
  out(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: args[2], labels: world.namespace.labels } }));
  process.exit(0);
}
if (args[0] === 'get' && args[1] === 'deployments,statefulsets') { out(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: world.workloads })); process.exit(0); }
if (args[0] === 'get' && args[1] === 'secret') { if (!world.appSecrets) notFound('secrets', args[2]); out('NAME TYPE DATA AGE\\napp-secrets Opaque 15 3d\\n'); process.exit(0); }
process.exit(0);
`;

const SECRETS = Object.fromEntries(['REDIS_PASSWORD', 'MONGODB_USERNAME', 'MONGODB_PASSWORD', 'MONGODB_COLYSEUS_PASSWORD', 'INTERNAL_SERVICE_SECRET', 'BOT_SERVICE_SECRET',
  'COLYSEUS_RESERVATION_SECRET', 'JUDGE0_POSTGRES_USER', 'JUDGE0_POSTGRES_PASSWORD', 'JUDGE0_POSTGRES_DB'].map(k => [k, `value-of-${k}`]));

function e2e(world: object, env: Record<string, string> = SECRETS) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-refusal-'));
  fs.writeFileSync(path.join(dir, 'kubectl'), STAND_IN, { mode: 0o755 });
  const calls = path.join(dir, 'calls');
  fs.writeFileSync(calls, '');
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', 'scripts/e2e/index.ts'], {
    cwd: ROOT, encoding: 'utf8',
    env: { PATH: `${dir}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir, CALLS: calls, WORLD: JSON.stringify(world), ...env },
  });
  return { ...r, calls: fs.readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean).map(l => JSON.parse(l) as string[]) };
}

const someoneElses = {
  server: 'https://10.0.0.5:6443',
  namespace: { labels: { 'app.kubernetes.io/part-of': 'codeclashers' } },
  workloads: [{ kind: 'Deployment', metadata: { name: 'colyseus' } }, { kind: 'StatefulSet', metadata: { name: 'mongodb' } }],
  appSecrets: true,
};

test('a namespace holding a release the e2e did not create: refused with the reason, nothing written', () => {
  const r = e2e(someoneElses);
  expect(r.status).toBe(3);
  expect(r.stderr.trim()).toBe('error: namespace codeclashers holds a release the e2e did not create (2 workload(s), Secret app-secrets, no codeclashers.dev/e2e label): '
    + 'refusing to touch it. Point KUBECONFIG at a cluster without that release.');
  expect(r.calls.map(c => c[0])).toEqual(['config', 'get', 'get', 'get']);
  // The plan was printed before: a user's own cluster (remote API server) skips d and h.
  expect(r.stdout).toContain('node is this host: false; local registry: false');
});

test('missing secrets stop it before it reads the namespace, naming them', () => {
  const r = e2e(someoneElses, { REDIS_PASSWORD: 'x' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^error: missing secrets .*: MONGODB_USERNAME, MONGODB_PASSWORD, MONGODB_COLYSEUS_PASSWORD, INTERNAL_SERVICE_SECRET/);
  expect(r.calls.map(c => c[0])).toEqual(['config']);
});
