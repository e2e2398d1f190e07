// Least privilege and rotation: every decision, and every executor's order and failure handling,
// with the generated mongosh scripts really running against the stand-in (test/fakes).
import {
  colyseusStateOf, dropUserProblem, frontendPlan, mongodbSecretProblems, planColyseus, reconcileColyseusUser,
  reconcileFrontendUser, retireDecision, rootPlan, rotateRootPassword, RETIRE_PODS_ANNOTATION, RETIRE_USER_ANNOTATION,
} from '../scripts/mongodb/users';
import { mongoshExecArgs, userScript } from '../scripts/mongodb/mongosh';
import { FakeMongoCluster, installedCluster } from './fakes/fake-mongo-cluster';

const READ_WRITE = [{ role: 'readWrite', db: 'codeclashers' }];
const PW1 = 'colyseus-pass-one-0001';
const PW2 = 'colyseus-pass-two-0002';
const PW3 = 'colyseus-pass-three-03';
const failure = { code: 1, stdout: '', stderr: 'Error from server (InternalError): etcdserver: request timed out' };

describe('refusals', () => {
  const env = { MONGODB_USERNAME: 'root-admin', MONGODB_COLYSEUS_PASSWORD: PW1 };

  test('a MONGODB_URI naming root is refused with one line saying why and what to set, without the value', () => {
    const problems = mongodbSecretProblems({ ...env, MONGODB_URI: 'mongodb://root-admin:s3cr3t-root@203.0.113.7:32017/codeclashers?authSource=admin' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^MONGODB_URI names the root user \(MONGODB_USERNAME\): .*own every database.*set MONGODB_URI to a user of its own, e\.g\. mongodb:\/\/frontend:/);
    expect(problems[0]).not.toContain('s3cr3t-root');
    expect(problems[0]).not.toContain('root-admin');
  });

  test.each([
    ['a Colyseus user', 'mongodb://colyseus-b:x-pass@h:32017/codeclashers?authSource=codeclashers', /one of Colyseus' own users/],
    ['no user', 'mongodb://203.0.113.7:32017/codeclashers', /names no user and password/],
    ['not a MongoDB URI', 'https://fe:pw@203.0.113.7', /is not a MongoDB connection string/],
    ['an LDAP login', 'mongodb://fe:pw@h:32017/?authMechanism=PLAIN', /authMechanism PLAIN/],
  ])('MONGODB_URI with %s is refused', (_what, uri, message) => {
    const problems = mongodbSecretProblems({ ...env, MONGODB_URI: uri });
    expect(problems).toEqual([expect.stringMatching(message)]);
    expect(problems[0]).not.toContain('pw@');
  });

  test('a frontend user of its own, and no URI at all, pass', () => {
    expect(mongodbSecretProblems({ ...env, MONGODB_URI: 'mongodb://frontend:fe-pass@203.0.113.7:32017/codeclashers?authSource=codeclashers&tls=true' })).toEqual([]);
    expect(mongodbSecretProblems(env)).toEqual([]);
  });

  test('a Colyseus password a URI cannot carry unescaped is refused without showing it', () => {
    const problems = mongodbSecretProblems({ ...env, MONGODB_COLYSEUS_PASSWORD: 'p@ss/word:with-bad-chars' });
    expect(problems).toEqual([expect.stringMatching(/^MONGODB_COLYSEUS_PASSWORD is invalid \(value not shown\); accepted: 16 or more of A-Z/)]);
    expect(problems[0]).not.toContain('p@ss');
  });

  test('renaming root is refused; nothing live means the image creates root', () => {
    expect(rootPlan({ MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'a' }, { MONGODB_USERNAME: 'other', MONGODB_PASSWORD: 'a' }))
      .toEqual({ kind: 'refuse', problem: expect.stringMatching(/^MONGODB_USERNAME differs/) });
    expect(rootPlan(undefined, { MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'b' })).toEqual({ kind: 'none' });
    expect(rootPlan({ MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'a' }, { MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'a' })).toEqual({ kind: 'none' });
    expect(rootPlan({ MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'a' }, { MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'b' })).toEqual({ kind: 'rotate' });
  });

  test('drop-user never drops root, a Colyseus user or the user MONGODB_URI names now', () => {
    const live = { MONGODB_USERNAME: 'root-admin', MONGODB_URI: 'mongodb://fe2:pw@h:32017/codeclashers?authSource=codeclashers' };
    expect(dropUserProblem({ db: 'admin', user: 'root-admin' }, live)).toMatch(/root/);
    expect(dropUserProblem({ db: 'codeclashers', user: 'colyseus-a' }, live)).toMatch(/Colyseus/);
    expect(dropUserProblem({ db: 'codeclashers', user: 'fe2' }, live)).toMatch(/MONGODB_URI names this user now/);
    expect(dropUserProblem({ db: 'codeclashers', user: 'fe1' }, live)).toBeUndefined();
  });
});

describe('frontend user', () => {
  test('readWrite on codeclashers only, in the authSource the URI names (else its path database, else admin)', () => {
    const at = (uri: string) => frontendPlan(uri, undefined).ops[0];
    expect(at('mongodb://fe:pw@h:32017/codeclashers?authSource=codeclashers&tls=true')).toEqual({ op: 'upsert', db: 'codeclashers', user: 'fe', password: 'pw', roles: READ_WRITE });
    expect(at('mongodb://fe:pw@h:32017/codeclashers?tls=true')).toMatchObject({ db: 'codeclashers', roles: READ_WRITE });
    expect(at('mongodb://fe:pw@h:32017/?authSource=admin')).toMatchObject({ db: 'admin', roles: READ_WRITE });
    expect(at('mongodb://fe%40x:p%3Aw@h:32017/codeclashers')).toMatchObject({ user: 'fe@x', password: 'p:w' });
  });

  test('a new user in a new URI keeps the old one and says how to remove it; same user, new password warns of the cut', () => {
    const moved = frontendPlan('mongodb://fe2:new@h:32017/codeclashers', 'mongodb://fe1:old@h:32017/codeclashers');
    expect(moved.notes).toEqual([expect.stringContaining('`npm run mongodb -- drop-user --db codeclashers fe1`')]);
    const inPlace = frontendPlan('mongodb://fe1:new@h:32017/codeclashers', 'mongodb://fe1:old@h:32017/codeclashers');
    expect(inPlace.notes).toEqual([expect.stringMatching(/got its new password in place.*put a new user in MONGODB_URI/)]);
    expect(frontendPlan('mongodb://fe1:old@h:32017/codeclashers', 'mongodb://fe1:old@h:32017/codeclashers').notes).toEqual([]);
  });

  test('the executor creates the new user beside the old one, with exactly readWrite on codeclashers', async () => {
    const c = installedCluster();
    c.addUser('codeclashers', 'fe1', 'old', [{ role: 'readWrite', db: 'codeclashers' }]);
    const out = await reconcileFrontendUser(c.kubectl, { mode: 'require', uri: 'mongodb://fe2:new-pass@h:32017/codeclashers?authSource=codeclashers', previousUri: 'mongodb://fe1:old@h:32017/codeclashers' });
    expect(c.users.get('codeclashers.fe2')).toEqual({ db: 'codeclashers', user: 'fe2', pwd: 'new-pass', roles: READ_WRITE });
    expect(c.users.get('codeclashers.fe1')?.pwd).toBe('old');
    expect(out.notes[0]).toBe('Frontend user fe2 (database codeclashers): created, readWrite on codeclashers only.');
  });

  test('an existing user with more rights is cut back to readWrite on codeclashers', async () => {
    const c = installedCluster();
    c.addUser('admin', 'fe', 'pw', [{ role: 'readWriteAnyDatabase', db: 'admin' }, { role: 'readWrite', db: 'codeclashers' }]);
    await reconcileFrontendUser(c.kubectl, { mode: 'require', uri: 'mongodb://fe:pw@h:32017/?authSource=admin' });
    expect(c.users.get('admin.fe')?.roles).toEqual(READ_WRITE);
  });
});

describe('root password', () => {
  test('changed in MongoDB logged in with the live password (the mounted Secret), never restarting mongod', async () => {
    const c = installedCluster();
    await expect(rotateRootPassword(c.kubectl, { mode: 'require', newPassword: 'root-password-0002' })).resolves.toBe('changed');
    expect(c.users.get('admin.root-admin')?.pwd).toBe('root-password-0002');
    expect(c.calls.map(x => x.args[0])).toEqual(['exec']);
  });

  test('an earlier run that changed it but died before the Secret: "already", nothing changed again', async () => {
    const c = installedCluster();
    c.users.get('admin.root-admin')!.pwd = 'root-password-0002';
    await expect(rotateRootPassword(c.kubectl, { mode: 'require', newPassword: 'root-password-0002' })).resolves.toBe('already');
  });

  test('a mongod that is down fails the step and changes nothing; the error holds no password', async () => {
    const c = installedCluster();
    c.mongodUp = false;
    const error = await rotateRootPassword(c.kubectl, { mode: 'require', newPassword: 'root-password-0002' }).catch(e => e);
    expect(error.message).toMatch(/^root password change: mongosh gave no result \(kubectl exit 1: error: unable to upgrade connection/);
    expect(c.users.get('admin.root-admin')?.pwd).toBe('root-password-0001');
  });

  test('neither the live nor the new password works: refused, nothing changed', async () => {
    const c = installedCluster();
    c.users.get('admin.root-admin')!.pwd = 'changed-by-hand';
    const error = await rotateRootPassword(c.kubectl, { mode: 'require', newPassword: 'root-password-0002' }).catch(e => e);
    expect(error.message).toBe('root password change failed: AuthenticationFailed: Authentication failed. (code 18)');
  });

  test('after a rotation the mounted file lags the Secret until a kubelet sync: the next script waits for it', async () => {
    const c = installedCluster();
    c.syncAfterSleeps = 3;
    await rotateRootPassword(c.kubectl, { mode: 'require', newPassword: 'root-password-0002' });
    c.setSecret('app-secrets', { MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'root-password-0002' });
    await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW1 });
    expect(c.users.get('codeclashers.colyseus-a')?.pwd).toBe(PW1);
  });
});

describe('Colyseus: decisions', () => {
  test('first time: colyseus-a; same password: keep; new password: the idle user; pending drop: defer', () => {
    expect(planColyseus({}, PW1)).toEqual({ kind: 'create', user: 'colyseus-a' });
    const active = { user: 'colyseus-a', password: PW1 };
    expect(planColyseus({ active }, PW1)).toEqual({ kind: 'keep', user: 'colyseus-a' });
    expect(planColyseus({ active }, PW2)).toEqual({ kind: 'rotate', from: 'colyseus-a', to: 'colyseus-b' });
    expect(planColyseus({ active: { user: 'colyseus-b', password: PW2 } }, PW3)).toEqual({ kind: 'rotate', from: 'colyseus-b', to: 'colyseus-a' });
    expect(planColyseus({ active, retire: { user: 'colyseus-b', pods: ['p1'] } }, PW2)).toMatchObject({ kind: 'defer', user: 'colyseus-a' });
  });

  test('the old user goes only when none of the pods alive at the switch is left', () => {
    const active = { user: 'colyseus-b', password: PW2 };
    expect(retireDecision({ active }, ['x'])).toEqual({ kind: 'none' });
    expect(retireDecision({ active, retire: { user: 'colyseus-a', pods: ['p1', 'p2'] } }, ['p2', 'p3'])).toEqual({ kind: 'wait', pods: ['p2'] });
    expect(retireDecision({ active, retire: { user: 'colyseus-a', pods: ['p1', 'p2'] } }, ['p3'])).toEqual({ kind: 'retire', user: 'colyseus-a' });
    // Never recorded: every pod alive now may hold it.
    expect(retireDecision({ active, retire: { user: 'colyseus-a' } }, ['p3'])).toEqual({ kind: 'record-pods', pods: ['p3'] });
  });

  test('the state comes from Secret mongodb-colyseus; a retire annotation naming the active user is ignored', () => {
    expect(colyseusStateOf({ data: { username: 'colyseus-b', password: PW2 }, annotations: { [RETIRE_USER_ANNOTATION]: 'colyseus-a', [RETIRE_PODS_ANNOTATION]: 'p1,p2' } }))
      .toEqual({ active: { user: 'colyseus-b', password: PW2 }, retire: { user: 'colyseus-a', pods: ['p1', 'p2'] } });
    expect(colyseusStateOf({ data: { username: 'colyseus-b', password: PW2 }, annotations: { [RETIRE_USER_ANNOTATION]: 'colyseus-b' } }).retire).toBeUndefined();
  });
});

describe('Colyseus: rotation that keeps the game up', () => {
  /** A cluster where Colyseus runs as colyseus-a with PW1 on pods p1, p2. */
  async function running(): Promise<FakeMongoCluster> {
    const c = installedCluster();
    await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW1 });
    c.pods = ['p1', 'p2'];
    c.calls.length = 0;
    return c;
  }
  const secretOf = (c: FakeMongoCluster) => c.secrets.get('mongodb-colyseus');

  test('first install: colyseus-a gets the password before the Secret names it', async () => {
    const c = installedCluster();
    const out = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW1 });
    expect(out.plan).toEqual({ kind: 'create', user: 'colyseus-a' });
    expect(c.users.get('codeclashers.colyseus-a')).toEqual({ db: 'codeclashers', user: 'colyseus-a', pwd: PW1, roles: READ_WRITE });
    expect(secretOf(c)?.data).toEqual({ username: 'colyseus-a', password: PW1 });
    expect(c.calls.map(x => x.args.slice(0, 2).join(' '))).toEqual(['get secret', 'exec -i', 'apply --server-side']);
  });

  test('same password: nothing switches, and a user lost with a new data volume is recreated', async () => {
    const c = await running();
    c.users.delete('codeclashers.colyseus-a');
    const out = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW1 });
    expect(out).toMatchObject({ plan: { kind: 'keep' }, rollColyseus: false });
    expect(c.users.get('codeclashers.colyseus-a')?.pwd).toBe(PW1);
    expect(c.calls.some(x => x.args[0] === 'apply')).toBe(false);
  });

  test('new password: idle user first, then the Secret, then the pods to wait out; the old user still works', async () => {
    const c = await running();
    const out = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    expect(out).toMatchObject({ plan: { kind: 'rotate', from: 'colyseus-a', to: 'colyseus-b' }, rollColyseus: true });
    expect(c.calls.map(x => x.args.slice(0, 2).join(' '))).toEqual(['get secret', 'exec -i', 'apply --server-side', 'get pods', 'apply --server-side']);
    expect(c.users.get('codeclashers.colyseus-b')?.pwd).toBe(PW2);
    expect(c.users.get('codeclashers.colyseus-a')?.pwd).toBe(PW1);
    expect(secretOf(c)).toEqual({ data: { username: 'colyseus-b', password: PW2 }, annotations: { [RETIRE_USER_ANNOTATION]: 'colyseus-a', [RETIRE_PODS_ANNOTATION]: 'p1,p2' } });
  });

  test('the old user is dropped by a later run only once every old pod is gone', async () => {
    const c = await running();
    await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    c.pods = ['p2', 'n1', 'n2']; // p2 still draining its match
    const waiting = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    expect(waiting.notes).toContain('colyseus-a is dropped by a later deploy, once these pods have drained: p2.');
    expect(c.users.has('codeclashers.colyseus-a')).toBe(true);
    c.pods = ['n1', 'n2'];
    const done = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    expect(done.notes).toContain('Dropped colyseus-a: no pod uses it any more.');
    expect(c.users.has('codeclashers.colyseus-a')).toBe(false);
    expect(secretOf(c)).toEqual({ data: { username: 'colyseus-b', password: PW2 }, annotations: {} });
  });

  test('a second rotation while old pods still drain is deferred: the draining pods keep their user', async () => {
    const c = await running();
    await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    const out = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW3 });
    expect(out).toMatchObject({ plan: { kind: 'defer' }, rollColyseus: false });
    expect(out.warnings).toEqual([expect.stringMatching(/^MONGODB_COLYSEUS_PASSWORD changed, but colyseus-a is still in use/)]);
    expect(c.users.get('codeclashers.colyseus-a')?.pwd).toBe(PW1);
    expect(secretOf(c)?.data).toEqual({ username: 'colyseus-b', password: PW2 });
  });

  test('setting the idle user fails: the Secret still names the old user, which still works', async () => {
    const c = await running();
    c.failWhen = args => (args[0] === 'exec' ? failure : undefined);
    await expect(reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 })).rejects.toThrow(/^Colyseus user colyseus-b: mongosh gave no result/);
    expect(secretOf(c)?.data).toEqual({ username: 'colyseus-a', password: PW1 });
    expect(c.users.get('codeclashers.colyseus-a')?.pwd).toBe(PW1);
  });

  test('switching the Secret fails: the old user and Secret stay; the idle user is simply set again next time', async () => {
    const c = await running();
    c.failWhen = args => (args[0] === 'apply' ? failure : undefined);
    await expect(reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 })).rejects.toThrow(/^applying Secret mongodb-colyseus failed \(exit 1\)/);
    expect(secretOf(c)?.data).toEqual({ username: 'colyseus-a', password: PW1 });
    c.failWhen = () => undefined;
    await expect(reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 })).resolves.toMatchObject({ plan: { kind: 'rotate' } });
  });

  test('recording the pods fails: switched anyway, and the next run waits out every pod alive then', async () => {
    const c = await running();
    c.failWhen = args => (args[0] === 'get' && args[1] === 'pods' ? failure : undefined);
    const out = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    expect(out.rollColyseus).toBe(true);
    expect(out.warnings).toEqual([expect.stringMatching(/were not recorded/)]);
    expect(secretOf(c)?.annotations).toEqual({ [RETIRE_USER_ANNOTATION]: 'colyseus-a' });
    c.failWhen = () => undefined;
    c.pods = ['p2', 'n1'];
    const next = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    expect(next.notes[0]).toBe('colyseus-a is dropped once these pods are gone: p2, n1.');
    expect(c.users.has('codeclashers.colyseus-a')).toBe(true);
  });

  test('dropping the old user fails: a warning, the rest of the run goes on', async () => {
    const c = await running();
    await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    c.pods = [];
    c.failWhen = (args, stdin) => (args[0] === 'exec' && stdin?.includes('"op":"drop"') ? failure : undefined);
    const out = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    expect(out.warnings).toEqual([expect.stringMatching(/^The previous Colyseus user stays for now: dropping colyseus-a/)]);
    expect(c.users.has('codeclashers.colyseus-a')).toBe(true);
  });
});

describe('nothing leaks', () => {
  test('no secret value in any kubectl argv, across install, rotations of all three and a retire', async () => {
    const c = installedCluster();
    const values = ['root-password-0001', 'root-password-0002', PW1, PW2, 'fe-pass-9999', 'root-admin'];
    await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW1 });
    await reconcileFrontendUser(c.kubectl, { mode: 'require', uri: 'mongodb://fe:fe-pass-9999@h:32017/codeclashers' });
    await rotateRootPassword(c.kubectl, { mode: 'require', newPassword: 'root-password-0002' });
    // Then the deploy applies app-secrets with the new root password (on stdin, like applySecret).
    c.setSecret('app-secrets', { MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'root-password-0002' });
    c.pods = ['p1'];
    await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    c.pods = [];
    await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW2 });
    expect(c.users.has('codeclashers.colyseus-a')).toBe(false);
    expect(c.calls.length).toBeGreaterThan(8);
    for (const call of c.calls) for (const v of values) expect(call.args.join(' ')).not.toContain(v);
    // Root's password is read inside the pod: no script carries the live one.
    for (const call of c.calls) expect(call.stdin ?? '').not.toContain('root-password-0001');
  });

  test('a refused script reports MongoDB\'s error line only, not the script or its output', async () => {
    const c = installedCluster();
    c.failWhen = () => undefined;
    c.users.get('admin.root-admin')!.roles = [];
    const error = await reconcileColyseusUser(c.kubectl, { mode: 'require', password: PW1 }).catch(e => e);
    expect(error.message).toBe('Colyseus user colyseus-a failed: Unauthorized: command requires authentication (code 13)');
  });

  test('the exec argv is fixed: TLS with the CA when TLS is on, nothing secret', () => {
    expect(mongoshExecArgs('require')).toEqual(['exec', '-i', '-n', 'codeclashers', 'statefulset/mongodb', '-c', 'mongodb', '--',
      'mongosh', '--quiet', '--norc', '--tls', '--tlsCAFile', '/etc/mongodb-tls/ca.crt', '--host', '127.0.0.1']);
    expect(mongoshExecArgs('off')).not.toContain('--tls');
  });

  test('the user script names root\'s password file, never a password for root; one line, as mongosh reads a pipe', () => {
    const script = userScript([{ op: 'upsert', db: 'codeclashers', user: 'fe', password: 'fe\npass', roles: READ_WRITE }]);
    expect(script.split('\n')).toEqual([expect.stringMatching(/^try \{.*\}$/), '']);
    expect(script).not.toMatch(/\/\/ /);
    expect(script).toContain('/etc/mongodb-root/password');
    expect(script).not.toMatch(/process\.env/);
  });
});
