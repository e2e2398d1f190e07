// MongoDB's CA and server certificate: checked with Node's own X.509 parser and a real TLS
// handshake on loopback (Node's TLS is OpenSSL, as mongod's is), plus the renewal decisions.
import { X509Certificate, createPrivateKey } from 'crypto';
import { AddressInfo } from 'net';
import * as tls from 'tls';
import {
  CA_VALIDITY_DAYS, RENEW_BEFORE_DAYS, SERVER_VALIDITY_DAYS, caDecision, certificatePart, createCa, ensureCertificates,
  issueServerCertificate, serverDecision, serverNames,
} from '../scripts/mongodb/certificates';
import { mongodbSummary } from '../scripts/mongodb/summary';
import { reloadCertificates, tlsModeOfArgs, tlsTransitionProblem } from '../scripts/mongodb/tls-mode';
import { installedCluster } from './fakes/fake-mongo-cluster';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-12-01T00:00:00Z');
const IN_CLUSTER = ['mongodb', 'mongodb.codeclashers.svc', 'mongodb.codeclashers.svc.cluster.local', 'localhost'];

let ca: Awaited<ReturnType<typeof createCa>>;
let server: Awaited<ReturnType<typeof issueServerCertificate>>;
beforeAll(async () => {
  ca = await createCa(NOW);
  server = await issueServerCertificate(ca, serverNames('203.0.113.7'), NOW);
});

test('names: the Service in every form, localhost, 127.0.0.1 and the public address as IP or DNS name', () => {
  expect(serverNames('203.0.113.7')).toEqual({ dns: IN_CLUSTER, ips: ['127.0.0.1', '203.0.113.7'] });
  expect(serverNames('DB.Example.com')).toEqual({ dns: [...IN_CLUSTER, 'db.example.com'], ips: ['127.0.0.1'] });
  expect(serverNames('2001:db8::7').ips).toEqual(['127.0.0.1', '2001:db8::7']);
  expect(serverNames('')).toEqual({ dns: IN_CLUSTER, ips: ['127.0.0.1'] });
});

test('the CA: self-signed ECDSA P-256, a CA that signs only end certificates, valid ten years', () => {
  const cert = new X509Certificate(ca.certPem);
  expect(cert.ca).toBe(true);
  expect(cert.verify(cert.publicKey)).toBe(true);
  expect(cert.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
  expect(new Date(cert.validTo).getTime() - NOW.getTime()).toBeGreaterThan((CA_VALIDITY_DAYS - 1) * DAY);
  expect(cert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
});

test('the server certificate: signed by the CA, its names, a year, serverAuth, not a CA', () => {
  const cert = new X509Certificate(server.certPem);
  const caCert = new X509Certificate(ca.certPem);
  expect(cert.checkIssued(caCert)).toBe(true);
  expect(cert.verify(caCert.publicKey)).toBe(true);
  expect(cert.ca).toBe(false);
  expect(cert.subjectAltName).toBe('DNS:mongodb, DNS:mongodb.codeclashers.svc, DNS:mongodb.codeclashers.svc.cluster.local, DNS:localhost, IP Address:127.0.0.1, IP Address:203.0.113.7');
  expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  expect(new Date(cert.validFrom).getTime()).toBeLessThan(NOW.getTime());
  expect(Math.round((new Date(cert.validTo).getTime() - NOW.getTime()) / DAY)).toBe(SERVER_VALIDITY_DAYS);
  expect(cert.checkPrivateKey(createPrivateKey(server.keyPem))).toBe(true);
});

test('a client that trusts only the CA completes a TLS handshake for each name, and refuses other names', async () => {
  const live = await createCa(new Date());
  const cert = await issueServerCertificate(live, serverNames('db.example.com'), new Date());
  const serverSocket = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, s => s.end());
  await new Promise<void>(resolve => serverSocket.listen(0, '127.0.0.1', resolve));
  const port = (serverSocket.address() as AddressInfo).port;
  const connect = (servername: string, ca = live.certPem) => new Promise<string>(resolve => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: servername === '127.0.0.1' ? undefined : servername,
      checkServerIdentity: (_host, peer) => tls.checkServerIdentity(servername, peer) });
    socket.on('secureConnect', () => { socket.destroy(); resolve('ok'); });
    socket.on('error', e => resolve((e as NodeJS.ErrnoException).code ?? e.message));
  });
  try {
    for (const name of ['mongodb', 'mongodb.codeclashers.svc.cluster.local', 'localhost', '127.0.0.1', 'db.example.com']) {
      expect([name, await connect(name)]).toEqual([name, 'ok']);
    }
    expect(await connect('evil.example.com')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    const other = await createCa(new Date());
    expect(await connect('mongodb', other.certPem)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  } finally {
    serverSocket.close();
  }
});

describe('renewal and re-issue', () => {
  const names = () => serverNames('203.0.113.7');
  const pem = () => server.certPem + server.keyPem;

  test('kept while valid, with its names, signed by the current CA', () => {
    expect(serverDecision(pem(), ca.certPem, names(), NOW)).toEqual({ action: 'keep' });
    expect(serverDecision(pem(), ca.certPem, names(), new Date(NOW.getTime() + (SERVER_VALIDITY_DAYS - RENEW_BEFORE_DAYS - 1) * DAY))).toEqual({ action: 'keep' });
  });

  test(`renewed ${RENEW_BEFORE_DAYS} days before it ends, and after`, () => {
    const at = new Date(NOW.getTime() + (SERVER_VALIDITY_DAYS - RENEW_BEFORE_DAYS + 1) * DAY);
    expect(serverDecision(pem(), ca.certPem, names(), at)).toEqual({ action: 'issue', reason: expect.stringMatching(/^it ends on 2027-12-01 \(renewed 30 days ahead\)$/) });
    expect(serverDecision(pem(), ca.certPem, names(), new Date(NOW.getTime() + 400 * DAY)).action).toBe('issue');
  });

  test('re-issued when the public address changes, saying which names', () => {
    expect(serverDecision(pem(), ca.certPem, serverNames('198.51.100.9'), NOW)).toEqual({ action: 'issue', reason: 'its names changed (+198.51.100.9 -203.0.113.7)' });
    expect(serverDecision(pem(), ca.certPem, serverNames(''), NOW)).toEqual({ action: 'issue', reason: 'its names changed (-203.0.113.7)' });
  });

  test('re-issued when the CA is not the one that signed it, when its key does not match, when missing or unreadable', async () => {
    const other = await createCa(NOW);
    expect(serverDecision(pem(), other.certPem, names(), NOW)).toEqual({ action: 'issue', reason: 'it is not signed by the current CA' });
    const stranger = await issueServerCertificate(ca, names(), NOW);
    expect(serverDecision(server.certPem + stranger.keyPem, ca.certPem, names(), NOW)).toEqual({ action: 'issue', reason: 'its key does not match' });
    expect(serverDecision(undefined, ca.certPem, names(), NOW)).toEqual({ action: 'issue', reason: 'no server certificate yet' });
    expect(serverDecision('garbage', ca.certPem, names(), NOW)).toEqual({ action: 'issue', reason: 'the server certificate in the Secret is unreadable' });
  });

  test('the CA is made once: kept while valid; only a missing, mismatched or expired one is replaced', async () => {
    expect(caDecision({ cert: ca.certPem, key: ca.keyPem }, new Date(NOW.getTime() + 3000 * DAY))).toEqual({ action: 'keep' });
    expect(caDecision(undefined, NOW)).toEqual({ action: 'issue', reason: 'no CA yet' });
    const other = await createCa(NOW);
    expect(caDecision({ cert: ca.certPem, key: other.keyPem }, NOW)).toEqual({ action: 'issue', reason: 'the CA key does not match its certificate' });
    expect(caDecision({ cert: ca.certPem, key: ca.keyPem }, new Date(NOW.getTime() + 3651 * DAY)).action).toBe('issue');
  });

  test('a server certificate never outlives its CA', async () => {
    const late = new Date(NOW.getTime() + (CA_VALIDITY_DAYS - 100) * DAY);
    const cert = new X509Certificate((await issueServerCertificate(ca, names(), late)).certPem);
    expect(new Date(cert.validTo).getTime()).toBeLessThanOrEqual(new Date(new X509Certificate(ca.certPem).validTo).getTime());
  });
});

describe('ensureCertificates (before mongod is applied)', () => {
  test('first run: a CA in mongodb-ca, a server certificate + CA in mongodb-tls; the next run keeps both', async () => {
    const c = installedCluster();
    const first = await ensureCertificates(c.kubectl, { publicAddress: '203.0.113.7', now: NOW });
    expect(first).toMatchObject({ caCreated: true, serverIssued: 'no server certificate yet', warnings: [] });
    const tlsSecret = c.secrets.get('mongodb-tls')!.data;
    expect(Object.keys(tlsSecret).sort()).toEqual(['ca.crt', 'server.pem']);
    expect(tlsSecret['ca.crt']).toBe(c.secrets.get('mongodb-ca')!.data['ca.crt']);
    // mongod's --tlsCertificateKeyFile: certificate and key in one file.
    expect(new X509Certificate(tlsSecret['server.pem']).checkPrivateKey(createPrivateKey(tlsSecret['server.pem']))).toBe(true);
    const applies = c.calls.filter(x => x.args[0] === 'apply').length;
    const again = await ensureCertificates(c.kubectl, { publicAddress: '203.0.113.7', now: new Date(NOW.getTime() + 10 * DAY) });
    expect(again).toMatchObject({ caCreated: false, caPem: first.caPem, serverCertPem: first.serverCertPem });
    expect(again.serverIssued).toBeUndefined();
    expect(c.calls.filter(x => x.args[0] === 'apply').length).toBe(applies);
  });

  test('a new public address: new server certificate, same CA (frontends keep theirs)', async () => {
    const c = installedCluster();
    const first = await ensureCertificates(c.kubectl, { publicAddress: '203.0.113.7', now: NOW });
    const moved = await ensureCertificates(c.kubectl, { publicAddress: 'db.example.com', now: NOW });
    expect(moved).toMatchObject({ caCreated: false, caPem: first.caPem, serverIssued: 'its names changed (+db.example.com -203.0.113.7)' });
    expect(new X509Certificate(c.secrets.get('mongodb-tls')!.data['server.pem']).checkHost('db.example.com')).toBe('db.example.com');
  });

  test('storing the new server certificate fails: mongodb-tls keeps the one mongod serves', async () => {
    const c = installedCluster();
    await ensureCertificates(c.kubectl, { publicAddress: '203.0.113.7', now: NOW });
    const before = c.secrets.get('mongodb-tls')!.data['server.pem'];
    c.failWhen = args => (args[0] === 'apply' ? { code: 1, stdout: '', stderr: 'error: Apply failed with 1 conflict' } : undefined);
    await expect(ensureCertificates(c.kubectl, { publicAddress: '198.51.100.9', now: NOW })).rejects.toThrow(/^applying Secret mongodb-tls failed \(exit 1\): error: Apply failed/);
    expect(c.secrets.get('mongodb-tls')!.data['server.pem']).toBe(before);
  });

  test('no public address: a certificate for in-cluster names and a warning saying what to set', async () => {
    const out = await ensureCertificates(installedCluster().kubectl, { publicAddress: '', now: NOW });
    expect(out.warnings).toEqual([expect.stringMatching(/^K8S_PUBLIC_ADDRESS is unset: .* Set it to the VM's public IP or DNS name\.$/)]);
  });

  test('no private key in any argv; keys only on stdin', async () => {
    const c = installedCluster();
    await ensureCertificates(c.kubectl, { publicAddress: '203.0.113.7', now: NOW });
    for (const call of c.calls) expect(call.args.join(' ')).not.toMatch(/PRIVATE KEY|BEGIN/);
    expect(c.calls.filter(x => x.stdin?.includes(Buffer.from('-----BEGIN PRIVATE KEY').toString('base64').slice(0, 20))).length).toBeGreaterThan(0);
  });
});

describe('loading a renewed certificate without a restart', () => {
  test('rotateCertificates runs once the mounted file holds the new certificate', async () => {
    const c = installedCluster();
    await ensureCertificates(c.kubectl, { publicAddress: '203.0.113.7', now: NOW });
    c.syncAfterSleeps = 4;
    const renewed = await ensureCertificates(c.kubectl, { publicAddress: 'db.example.com', now: NOW });
    await reloadCertificates(c.kubectl, { mode: 'require', certPem: renewed.serverCertPem });
    expect(c.certificateRotations).toBe(1);
    expect(c.files.get('/etc/mongodb-tls/server.pem')?.startsWith(renewed.serverCertPem)).toBe(true);
  });

  test('the file never changes: no rotateCertificates, and the error says how to load it', async () => {
    const c = installedCluster();
    await ensureCertificates(c.kubectl, { publicAddress: '203.0.113.7', now: NOW });
    c.syncAfterSleeps = 1000;
    const renewed = await ensureCertificates(c.kubectl, { publicAddress: 'db.example.com', now: NOW });
    await expect(reloadCertificates(c.kubectl, { mode: 'require', certPem: renewed.serverCertPem }))
      .rejects.toThrow(/CertificateNotMounted: the mounted certificate did not change in time; mongod keeps its previous certificate until it restarts \(kubectl rollout restart statefulset\/mongodb -n codeclashers\)$/);
    expect(c.certificateRotations).toBe(0);
  });

  test('certificatePart takes the certificate out of server.pem', () => {
    expect(certificatePart(server.certPem + server.keyPem)).toBe(server.certPem);
  });
});

describe('TLS mode transitions', () => {
  test('the live mode from mongod\'s args', () => {
    expect(tlsModeOfArgs(undefined)).toBeUndefined();
    expect(tlsModeOfArgs(['--bind_ip_all'])).toBe('off');
    expect(tlsModeOfArgs(['--bind_ip_all', '--tlsMode', 'requireTLS'])).toBe('require');
    expect(tlsModeOfArgs(['--tlsMode', 'preferTLS'])).toBe('prefer');
  });

  test('off <-> require in one deploy is refused (it would cut draining Colyseus pods and the frontend); via prefer it passes', () => {
    expect(tlsTransitionProblem('off', 'require')).toMatch(/^K8S_MONGODB_TLS=require is invalid while the running MongoDB has TLS off; accepted: prefer first/);
    expect(tlsTransitionProblem('require', 'off')).toMatch(/^K8S_MONGODB_TLS=off is invalid/);
    expect(tlsTransitionProblem('off', 'prefer')).toBeUndefined();
    expect(tlsTransitionProblem('prefer', 'require')).toBeUndefined();
    expect(tlsTransitionProblem(undefined, 'require')).toBeUndefined();
  });
});

test('the job summary shows the CA certificate and public facts, no key', async () => {
  const c = installedCluster();
  const report = await ensureCertificates(c.kubectl, { publicAddress: '203.0.113.7', now: NOW });
  const text = mongodbSummary({ mode: 'require', publicAddress: '203.0.113.7', allowedCidrs: ['0.0.0.0/0'], certificates: report, notes: ['Colyseus logs in as colyseus-a (readWrite on codeclashers); password unchanged.'] });
  expect(text).toContain(report.caPem.trim());
  expect(text).toContain('- Exposed on `203.0.113.7:32017` to 0.0.0.0/0 (K8S_MONGODB_ALLOWED_CIDRS), TLS: **require**.');
  expect(text).toContain('names mongodb, mongodb.codeclashers.svc, mongodb.codeclashers.svc.cluster.local, localhost, 127.0.0.1, 203.0.113.7');
  expect(text).toContain(new X509Certificate(report.caPem).fingerprint256);
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).not.toContain(c.secrets.get('mongodb-ca')!.data['ca.key'].split('\n')[1]);
});
