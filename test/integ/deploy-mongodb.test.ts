// The deploy's MongoDB steps against the stand-in VM (test/fakes/k3s-host.ts models mongod,
// mongosh in its pod, Secret volumes): TLS from the first deploy, least-privilege users, a
// Colyseus password rotation that never cuts a pod off, and failures that leave the game's login
// working.
import { SECRETS, Vm, writes } from '../fakes/deploy-vm';

jest.setTimeout(120_000);

let vm: Vm;
beforeEach(() => { vm = new Vm({ drainSeconds: { colyseus: 300 } }); });
afterEach(() => vm.cleanUp());

const ADDRESS = { K8S_PUBLIC_ADDRESS: '203.0.113.7' };

/** Every Colyseus pod, draining ones included, with why its MongoDB login fails (none: it works). */
const colyseusLogins = () => Object.values(vm.host.state.pods).filter(p => p.owner === 'Deployment/colyseus')
  .map(p => ({ pod: p.name, draining: !!p.terminatingUntil, user: p.secrets.MONGODB_USERNAME, problem: vm.host.mongoLoginProblem(p) }));

async function good(env: Record<string, string | undefined> = {}) {
  const run = await vm.deploy({ ...ADDRESS, ...env });
  if (run.status !== 0) throw new Error(`deploy failed:\n${run.output}`);
  return run;
}

test('first deploy, TLS require end to end: CA and certificate, users, Colyseus on its own user, health over TLS, CA in the summary', async () => {
  const run = await good();
  // mongod requires TLS with the deploy's certificate; a plain client is cut off, a TLS one with the CA gets in.
  const mongod = vm.host.live('StatefulSet', 'mongodb').spec.template.spec.containers[0];
  expect(mongod.args).toEqual(expect.arrayContaining(['--tlsMode', 'requireTLS', '--tlsAllowConnectionsWithoutCertificates']));
  expect(vm.host.live('Secret', 'mongodb-ca')).toBeDefined();
  expect(vm.host.live('Secret', 'mongodb-tls')).toBeDefined();
  const ping = ['exec', 'statefulset/mongodb', '-n', 'codeclashers', '-c', 'mongodb', '--', 'mongosh', '--quiet', '--host', '127.0.0.1', '--eval', 'quit(db.adminCommand({ ping: 1 }).ok ? 0 : 1)'];
  const plain = vm.host.handle({ command: 'kubectl', args: [`--kubeconfig=${vm.home}/.kube/config`, ...ping], env: {}, cwd: vm.repo });
  expect(plain.status).toBe(1);
  expect(plain.stderr).toContain('closed');
  // The deploy's health check is the readiness probe's command: TLS with the CA.
  const health = run.calls.filter(c => c.includes('exec') && c.includes('statefulset/mongodb') && c.includes('--eval'));
  expect(health.length).toBeGreaterThan(0);
  for (const c of health) expect(c).toEqual(expect.arrayContaining(['--tls', '--tlsCAFile', '/etc/mongodb-tls/ca.crt']));
  expect(run.output).toMatch(/StatefulSet\/mongodb mongodb readiness command: ok/);

  // Users: root (first start), Colyseus' and the frontend's, each readWrite on codeclashers only.
  const users = vm.host.mongodData()!.users;
  expect(Object.keys(users).sort()).toEqual([`admin.${SECRETS.MONGODB_USERNAME}`, 'codeclashers.colyseus-a', 'codeclashers.frontend']);
  expect(users['codeclashers.colyseus-a'].roles).toEqual([{ role: 'readWrite', db: 'codeclashers' }]);
  expect(users['codeclashers.frontend'].roles).toEqual([{ role: 'readWrite', db: 'codeclashers' }]);
  expect(users['codeclashers.frontend'].pwd).toBe('value-of-frontend-password-1x');
  expect(colyseusLogins()).toEqual([
    expect.objectContaining({ user: 'colyseus-a', problem: undefined }), expect.objectContaining({ user: 'colyseus-a', problem: undefined }),
  ]);
  // Colyseus was applied once Secret mongodb-colyseus existed: its pods never waited for it.
  expect(vm.host.state.events.filter(e => /mongodb-colyseus/.test(e.message))).toEqual([]);

  expect(run.summary).toContain('### MongoDB');
  expect(run.summary).toContain('-----BEGIN CERTIFICATE-----');
  expect(run.summary).toContain('203.0.113.7');
  expect(run.summary).not.toContain('PRIVATE KEY');
  for (const value of [...Object.values(SECRETS), 'value-of-frontend-password-1x']) {
    expect(run.output + run.summary).not.toContain(value);
  }
  expect(vm.differencesFrom(vm.releases()[0])).toEqual([]);
});

test('a Colyseus password rotation: the idle user gets it, Colyseus rolls, the old user stays while old pods drain, then goes', async () => {
  await good();
  const first = colyseusLogins();
  const rotated = 'rotated-colyseus-password-0123456789';
  const run = await good({ MONGODB_COLYSEUS_PASSWORD: rotated });
  expect(run.output).toContain('Colyseus switches from colyseus-a to colyseus-b');
  // The template did not change (no app-secrets key of Colyseus changed): the deploy restarts it.
  expect(run.calls.filter(c => c.includes('rollout') && c.includes('restart')).map(c => c[c.length - 3])).toEqual(['deployment/colyseus']);
  const users = vm.host.mongodData()!.users;
  expect(users['codeclashers.colyseus-b'].pwd).toBe(rotated);
  const logins = colyseusLogins();
  // New pods on colyseus-b, the old ones draining their matches on colyseus-a: every login works.
  expect(logins.filter(l => !l.draining).map(l => [l.user, l.problem])).toEqual([['colyseus-b', undefined], ['colyseus-b', undefined]]);
  expect(logins.filter(l => l.draining).map(l => [l.pod, l.user, l.problem]).sort()).toEqual(first.map(l => [l.pod, 'colyseus-a', undefined]).sort());
  expect(run.output + run.summary).not.toContain(rotated);

  // A deploy while the old pods still drain keeps colyseus-a.
  expect((await good({ MONGODB_COLYSEUS_PASSWORD: rotated })).output).toContain('colyseus-a is dropped by a later deploy');
  expect(vm.host.mongodData()!.users['codeclashers.colyseus-a']).toBeDefined();
  vm.host.advance(300_000);
  const later = await good({ MONGODB_COLYSEUS_PASSWORD: rotated });
  expect(later.output).toContain('Dropped colyseus-a');
  expect(vm.host.mongodData()!.users['codeclashers.colyseus-a']).toBeUndefined();
  expect(colyseusLogins().map(l => l.problem)).toEqual([undefined, undefined]);
});

test('a failure in the user step (mongod out of disk) rolls back before Colyseus is touched: the game\'s login keeps working', async () => {
  await good();
  const release = vm.releases()[0];
  const pods = colyseusLogins().map(l => l.pod).sort();
  vm.edit('backend/colyseus/src/v2.ts', () => 'export const v = 2;\n');
  vm.host.state.behaviour.mongodOutOfDisk = true;
  const run = await vm.deploy({ ...ADDRESS, MONGODB_COLYSEUS_PASSWORD: 'rotated-colyseus-password-0123456789' });
  expect(run.status).toBe(1);
  expect(run.output).toMatch(/MongoDB, users: frontend user failed: OutOfDiskSpace: .* \(code 14031\)/);
  expect(run.output).toContain('the cluster is back on the last good release');
  expect(vm.differencesFrom(release)).toEqual([]);
  // Colyseus' pods were never replaced, and log in as before.
  expect(colyseusLogins().map(l => [l.pod, l.user, l.problem]).sort()).toEqual(pods.map(p => [p, 'colyseus-a', undefined]));
  expect(vm.host.live('Secret', 'mongodb-colyseus').data.username).toBe(Buffer.from('colyseus-a').toString('base64'));
  expect(run.output + run.summary).not.toContain('rotated-colyseus-password-0123456789');

  // The disk freed, the same deploy goes through.
  vm.host.state.behaviour.mongodOutOfDisk = false;
  await good({ MONGODB_COLYSEUS_PASSWORD: 'rotated-colyseus-password-0123456789' });
  expect(colyseusLogins().filter(l => !l.draining).map(l => [l.user, l.problem])).toEqual([['colyseus-b', undefined], ['colyseus-b', undefined]]);
});

test('--rollback after a rotation keeps Colyseus\' login valid (Secret mongodb-colyseus is not part of a release)', async () => {
  await good();
  vm.edit('backend/colyseus/src/v2.ts', () => 'export const v = 2;\n');
  await good({ MONGODB_COLYSEUS_PASSWORD: 'rotated-colyseus-password-0123456789' });
  const run = await vm.deploy({ ...ADDRESS, MONGODB_COLYSEUS_PASSWORD: 'rotated-colyseus-password-0123456789' }, ['--rollback']);
  expect(run.status).toBe(0);
  expect(colyseusLogins().filter(l => !l.draining).map(l => [l.user, l.problem])).toEqual([['colyseus-b', undefined], ['colyseus-b', undefined]]);
});

describe('--plan', () => {
  test('writes nothing, says root\'s password would change in MongoDB first, and leaves users as they are', async () => {
    await good();
    const users = JSON.stringify(vm.host.mongodData());
    const objects = JSON.stringify(vm.host.state.objects);
    const run = await vm.deploy({ ...ADDRESS, MONGODB_PASSWORD: 'rotated-password-123', MONGODB_COLYSEUS_PASSWORD: 'rotated-colyseus-password-0123456789' }, ['--plan']);
    expect(run.status).toBe(0);
    expect(writes(run)).toEqual([]);
    expect(run.calls.filter(c => c.includes('exec') || c.includes('rollout'))).toEqual([]);
    expect(run.output).toContain('MongoDB: TLS require; root password changes in MongoDB before Secret app-secrets');
    expect(JSON.stringify(vm.host.mongodData())).toBe(users);
    expect(JSON.stringify(vm.host.state.objects)).toBe(objects);
  });

  test('refuses require -> off in one step, as the deploy would, without writing', async () => {
    await good();
    const run = await vm.deploy({ ...ADDRESS, K8S_MONGODB_TLS: 'off' }, ['--plan']);
    expect(run.status).toBe(1);
    expect(run.output).toContain('K8S_MONGODB_TLS=off is invalid while the running MongoDB has TLS require; accepted: prefer first');
    expect(writes(run)).toEqual([]);
  });
});

test('a MONGODB_URI naming root is refused at preflight, before anything is touched', async () => {
  const run = await vm.deploy({ MONGODB_URI: `mongodb://${SECRETS.MONGODB_USERNAME}:whatever-password@203.0.113.7:32017/codeclashers?authSource=admin&tls=true` });
  expect(run.status).toBe(1);
  expect(run.output).toContain('MONGODB_URI names the root user');
  expect(run.calls.filter(c => c[0] === 'kubectl' || c[0] === 'sudo')).toEqual([]);
  expect(run.output).not.toContain('whatever-password');
});

test('the frontend\'s password is redacted on its own, not only as part of MONGODB_URI', async () => {
  await good();
  // A failure whose message would quote it: kubectl's error echoing the value.
  const run = await vm.deploy({ ...ADDRESS, K8S_REDIS_STORAGE_SIZE: 'value-of-frontend-password-1x' });
  expect(run.status).toBe(1);
  expect(run.output).toContain('K8S_REDIS_STORAGE_SIZE="***" is invalid');
});

test('moving an install over: off, then prefer, then require; every step deploys and Colyseus logs in throughout', async () => {
  await good({ K8S_MONGODB_TLS: 'off' });
  expect(vm.host.live('Secret', 'mongodb-tls')).toBeUndefined();
  expect(colyseusLogins().map(l => l.problem)).toEqual([undefined, undefined]);
  const refused = await vm.deploy({ ...ADDRESS, K8S_MONGODB_TLS: 'require' });
  expect(refused.status).toBe(1);
  expect(refused.output).toContain('accepted: prefer first');
  for (const mode of ['prefer', 'require']) {
    await good({ K8S_MONGODB_TLS: mode });
    expect(colyseusLogins().filter(l => !l.draining).map(l => l.problem)).toEqual([undefined, undefined]);
  }
  expect(vm.host.live('StatefulSet', 'mongodb').spec.template.spec.containers[0].args).toContain('requireTLS');
});

test('a Colyseus password rotation with a new Colyseus image: the apply replaces its pods, no extra restart', async () => {
  await good();
  vm.edit('backend/colyseus/src/v2.ts', () => 'export const v = 2;\n');
  const run = await good({ MONGODB_COLYSEUS_PASSWORD: 'rotated-colyseus-password-0123456789' });
  expect(run.output).toContain('workloads whose pods are replaced: Deployment/colyseus');
  expect(run.calls.filter(c => c.includes('rollout'))).toEqual([]);
  expect(colyseusLogins().filter(l => !l.draining).map(l => [l.user, l.problem])).toEqual([['colyseus-b', undefined], ['colyseus-b', undefined]]);
});

test('a new frontend user in MONGODB_URI is created beside the old one; the summary names the command that drops the old one', async () => {
  await good();
  const uri = 'mongodb://frontend2:value-of-frontend-password-2x@203.0.113.7:32017/codeclashers?authSource=codeclashers&tls=true';
  const run = await good({ MONGODB_URI: uri });
  const users = vm.host.mongodData()!.users;
  expect(users['codeclashers.frontend'].pwd).toBe('value-of-frontend-password-1x');
  expect(users['codeclashers.frontend2']).toMatchObject({ pwd: 'value-of-frontend-password-2x', roles: [{ role: 'readWrite', db: 'codeclashers' }] });
  expect(run.summary).toContain('`npm run mongodb -- drop-user --db codeclashers frontend`');
  expect(run.output + run.summary).not.toContain('value-of-frontend-password');
});
