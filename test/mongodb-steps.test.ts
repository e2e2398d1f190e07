// The MongoDB steps in deploy order, over two deploys: a first install, then one that rotates all
// three passwords and moves the frontend to a new user, with Colyseus pods still draining.
import { afterStores, beforeAppSecrets, beforeStores, mongodbPreflight } from '../scripts/mongodb/steps';
import { FakeMongoCluster } from './fakes/fake-mongo-cluster';

const env1 = {
  MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'root-password-0001', MONGODB_COLYSEUS_PASSWORD: 'colyseus-pass-one-0001',
  MONGODB_URI: 'mongodb://fe1:fe-pass-1111@203.0.113.7:32017/codeclashers?authSource=codeclashers&tls=true',
};
const env2 = {
  ...env1, MONGODB_PASSWORD: 'root-password-0002', MONGODB_COLYSEUS_PASSWORD: 'colyseus-pass-two-0002',
  MONGODB_URI: 'mongodb://fe2:fe-pass-2222@203.0.113.7:32017/codeclashers?authSource=codeclashers&tls=true',
};

/** What the deploy does around the MongoDB steps, modelled: app-secrets, the stores apply, the image's first start. */
async function deploy(c: FakeMongoCluster, env: typeof env1) {
  expect(mongodbPreflight(env)).toEqual([]);
  const live = c.secrets.get('app-secrets')?.data;
  const before = await beforeAppSecrets(c.kubectl, { env, live, tls: 'require' });
  expect(before.problems).toEqual([]);
  c.setSecret('app-secrets', { ...env });
  const certificates = await beforeStores(c.kubectl, { tls: 'require', publicAddress: '203.0.113.7' });
  if (!c.statefulSetArgs) {
    // First start on an empty volume: the image creates root from the Secret (docker-library/mongo docker-entrypoint.sh).
    c.statefulSetArgs = ['--bind_ip_all', '--tlsMode', 'requireTLS'];
    c.addUser('admin', env.MONGODB_USERNAME, env.MONGODB_PASSWORD, [{ role: 'root', db: 'admin' }]);
  }
  const after = await afterStores(c.kubectl, { env, tls: 'require', certificates, previousUri: live?.MONGODB_URI });
  return { before, certificates, after };
}

function freshCluster(): FakeMongoCluster {
  return new FakeMongoCluster({
    '/etc/mongodb-root': { secret: 'app-secrets', items: { MONGODB_USERNAME: 'username', MONGODB_PASSWORD: 'password' } },
    '/etc/mongodb-tls': { secret: 'mongodb-tls', items: { 'server.pem': 'server.pem', 'ca.crt': 'ca.crt' } },
  });
}

test('first install, then a deploy rotating root, Colyseus and the frontend: every login the game uses works throughout', async () => {
  const c = freshCluster();
  const first = await deploy(c, env1);
  expect(first.before.root).toBe('unchanged');
  expect(first.certificates?.caCreated).toBe(true);
  expect(first.after.rollColyseus).toBe(false);
  expect(c.users.get('codeclashers.colyseus-a')?.pwd).toBe(env1.MONGODB_COLYSEUS_PASSWORD);
  expect(c.users.get('codeclashers.fe1')?.roles).toEqual([{ role: 'readWrite', db: 'codeclashers' }]);

  c.pods = ['old-1', 'old-2'];
  const second = await deploy(c, env2);
  expect(second.before.root).toBe('changed');
  expect(c.users.get('admin.root-admin')?.pwd).toBe('root-password-0002');
  expect(second.certificates).toMatchObject({ caCreated: false });
  expect(second.certificates?.serverIssued).toBeUndefined();
  expect(second.after.rollColyseus).toBe(true);
  // Old Colyseus pods (colyseus-a) and the old frontend (fe1) still log in; the new ones too.
  expect(c.users.get('codeclashers.colyseus-a')?.pwd).toBe(env1.MONGODB_COLYSEUS_PASSWORD);
  expect(c.users.get('codeclashers.colyseus-b')?.pwd).toBe(env2.MONGODB_COLYSEUS_PASSWORD);
  expect(c.users.get('codeclashers.fe1')?.pwd).toBe('fe-pass-1111');
  expect(c.users.get('codeclashers.fe2')?.pwd).toBe('fe-pass-2222');
  expect(second.after.notes.join('\n')).toContain('npm run mongodb -- drop-user --db codeclashers fe1');

  // A later deploy once the old pods drained drops colyseus-a.
  c.pods = ['new-1', 'new-2'];
  const third = await deploy(c, env2);
  expect(third.after.notes).toContain('Dropped colyseus-a: no pod uses it any more.');
  expect(c.users.has('codeclashers.colyseus-a')).toBe(false);
});

test('a root password change that fails in MongoDB stops before the Secret; the game\'s logins are untouched', async () => {
  const c = freshCluster();
  await deploy(c, env1);
  c.mongodUp = false;
  await expect(beforeAppSecrets(c.kubectl, { env: env2, live: c.secrets.get('app-secrets')!.data, tls: 'require' })).rejects.toThrow(/^root password change: mongosh gave no result/);
  expect(c.secrets.get('app-secrets')!.data.MONGODB_PASSWORD).toBe('root-password-0001');
  expect(c.users.get('codeclashers.colyseus-a')?.pwd).toBe(env1.MONGODB_COLYSEUS_PASSWORD);
});

test('off -> require in one deploy and a root rename are refused before anything changes', async () => {
  const c = freshCluster();
  await deploy(c, env1);
  c.statefulSetArgs = ['--bind_ip_all'];
  c.calls.length = 0;
  const out = await beforeAppSecrets(c.kubectl, { env: { ...env2, MONGODB_USERNAME: 'someone-else' }, live: c.secrets.get('app-secrets')!.data, tls: 'require' });
  expect(out.problems).toEqual([expect.stringMatching(/^K8S_MONGODB_TLS=require is invalid while the running MongoDB has TLS off/), expect.stringMatching(/^MONGODB_USERNAME differs/)]);
  expect(c.calls.every(x => x.args[0] === 'get')).toBe(true);
});

test('a failed frontend user step leaves Colyseus\' login unswitched (the frontend goes first)', async () => {
  const c = freshCluster();
  await deploy(c, env1);
  // kubectl exec failing for the script that sets the new frontend user (the connection dropped: kubectl exits 1).
  c.failWhen = (args, stdin) => (args[0] === 'exec' && stdin?.includes('"fe2"') ? { code: 1, stdout: '', stderr: 'error: unable to upgrade connection: container not found ("mongodb")' } : undefined);
  const live = c.secrets.get('app-secrets')!.data;
  const certificates = await beforeStores(c.kubectl, { tls: 'require', publicAddress: '203.0.113.7' });
  await expect(afterStores(c.kubectl, { env: env2, tls: 'require', certificates, previousUri: live.MONGODB_URI })).rejects.toThrow('frontend user');
  expect(c.secrets.get('mongodb-colyseus')!.data).toEqual({ username: 'colyseus-a', password: env1.MONGODB_COLYSEUS_PASSWORD });
  expect(c.users.has('codeclashers.colyseus-b')).toBe(false);
});
