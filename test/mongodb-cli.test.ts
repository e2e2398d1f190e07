// `npm run mongodb -- ...`: the operator's commands, against the stand-in.
import { kubeconfigOf } from '../scripts/deploy/options';
import { main } from '../scripts/mongodb/cli';
import { ensureCertificates } from '../scripts/mongodb/certificates';
import { installedCluster } from './fakes/fake-mongo-cluster';

const live = { MONGODB_USERNAME: 'root-admin', MONGODB_PASSWORD: 'root-password-0001', MONGODB_URI: 'mongodb://fe2:pw-2222@h:32017/codeclashers?authSource=codeclashers' };

test('drop-user removes a frontend\'s old user and refuses the one MONGODB_URI names now', async () => {
  const c = installedCluster();
  c.setSecret('app-secrets', live);
  c.addUser('codeclashers', 'fe1', 'pw-1111', [{ role: 'readWrite', db: 'codeclashers' }]);
  c.addUser('codeclashers', 'fe2', 'pw-2222', [{ role: 'readWrite', db: 'codeclashers' }]);
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await expect(main(['drop-user', '--db', 'codeclashers', 'fe1'], c.kubectl, {})).resolves.toBe(0);
    expect(log).toHaveBeenCalledWith('fe1 in codeclashers: dropped');
  } finally {
    log.mockRestore();
  }
  expect(c.users.has('codeclashers.fe1')).toBe(false);
  await expect(main(['drop-user', '--db', 'codeclashers', 'fe2'], c.kubectl, {})).rejects.toThrow('fe2 in codeclashers: refused: MONGODB_URI names this user now; set a new MONGODB_URI and deploy first');
  await expect(main(['drop-user', '--db', 'admin', 'root-admin'], c.kubectl, {})).rejects.toThrow(/refused: that is the root user/);
  expect(c.users.has('codeclashers.fe2')).toBe(true);
  await expect(main(['drop-user', 'fe1'], c.kubectl, {})).rejects.toThrow(/^usage: npm run mongodb/);
});

test('ca prints the CA certificate only', async () => {
  const c = installedCluster();
  const report = await ensureCertificates(c.kubectl, { publicAddress: '203.0.113.7' });
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await expect(main(['ca'], c.kubectl, {})).resolves.toBe(0);
    expect(write).toHaveBeenCalledWith(report.caPem);
  } finally {
    write.mockRestore();
  }
});

test('the operator CLI names the deploy\'s kubeconfig (k3s\'s kubectl ignores ~/.kube/config without it)', () => {
  expect(kubeconfigOf({ HOME: '/home/runner' })).toBe('/home/runner/.kube/config');
  expect(kubeconfigOf({ HOME: '/home/runner', KUBECONFIG: '/etc/k.yaml' })).toBe('/etc/k.yaml');
});
