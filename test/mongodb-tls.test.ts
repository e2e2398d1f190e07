// K8S_MONGODB_TLS and K8S_PUBLIC_ADDRESS: validation, and what each mode puts into mongod,
// its probes and Colyseus; Colyseus' own login; the e2e checks' verdicts.
import { MongoClient, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { ConfigError, loadConfig } from '../lib/config';
import { mongodbPingCommand } from '../lib/mongodb-tls';
import { plainRefusalVerdict, unauthorizedVerdict, withoutTlsOptions } from '../scripts/mongodb/checks';
import { AddressInfo } from 'net';
import * as tls from 'tls';
import { createCa, issueServerCertificate, serverNames } from '../scripts/mongodb/certificates';
import { envOf, synthBackend, workload } from './util';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('settings', () => {
  test('TLS is required by default; the public address is unset', () => {
    expect(loadConfig({}).mongodb).toEqual({ tls: 'require', publicAddress: '' });
    expect(loadConfig({ K8S_MONGODB_TLS: 'prefer', K8S_PUBLIC_ADDRESS: '203.0.113.7' }).mongodb).toEqual({ tls: 'prefer', publicAddress: '203.0.113.7' });
  });

  test('a bad TLS mode is refused with one line', () => {
    expect(problemsOf({ K8S_MONGODB_TLS: 'yes' })).toEqual(['K8S_MONGODB_TLS="yes" is invalid; accepted: require, prefer, off']);
  });

  test.each(['203.0.113.7', 'db.example.com', 'vm-1.codeclashers.dev', '2001:db8::7'])('%s is a public address', address => {
    expect(problemsOf({ K8S_PUBLIC_ADDRESS: address })).toEqual([]);
  });

  test.each(['https://db.example.com', '203.0.113.7:32017', '203.0.113.256', 'db_1.example.com', 'localhost', '-db.example.com'])('%s is refused with one line', address => {
    expect(problemsOf({ K8S_PUBLIC_ADDRESS: address })).toEqual([
      `K8S_PUBLIC_ADDRESS=${JSON.stringify(address)} is invalid; accepted: an IP address or DNS name such as 203.0.113.7 or db.example.com (no scheme, no port)`,
    ]);
  });
});

describe('manifests per mode', () => {
  const mongod = (env: Record<string, string> = {}) => workload(synthBackend(env), 'mongodb');
  const colyseus = (env: Record<string, string> = {}) => workload(synthBackend(env), 'colyseus');

  test('require: mongod takes TLS only, with the certificate and CA from Secret mongodb-tls, no client certificate needed', () => {
    const w = mongod();
    expect(w.containers[0].args).toEqual(['--bind_ip_all', '--tlsMode', 'requireTLS', '--tlsCertificateKeyFile', '/etc/mongodb-tls/server.pem',
      '--tlsCAFile', '/etc/mongodb-tls/ca.crt', '--tlsAllowConnectionsWithoutCertificates']);
    expect(w.podSpec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'mongodb-tls', defaultMode: 0o440, items: [{ key: 'server.pem', path: 'server.pem' }, { key: 'ca.crt', path: 'ca.crt' }] } });
    expect(w.containers[0].volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/mongodb-tls', readOnly: true });
  });

  test('prefer: TLS and plain; off: no TLS flag, no certificate volume', () => {
    expect(mongod({ K8S_MONGODB_TLS: 'prefer' }).containers[0].args.slice(0, 3)).toEqual(['--bind_ip_all', '--tlsMode', 'preferTLS']);
    const off = mongod({ K8S_MONGODB_TLS: 'off' });
    expect(off.containers[0].args).toEqual(['--bind_ip_all']);
    expect(off.podSpec.volumes.map((v: any) => v.name)).not.toContain('tls');
  });

  test('probes connect the way clients do: TLS with the CA to 127.0.0.1 (named in the certificate), no credentials', () => {
    const c = mongod().containers[0];
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      expect(probe.exec.command).toEqual(['mongosh', '--quiet', '--norc', '--tls', '--tlsCAFile', '/etc/mongodb-tls/ca.crt', '--host', '127.0.0.1', '--eval', 'quit(db.adminCommand({ ping: 1 }).ok ? 0 : 1)']);
    }
    expect(mongod({ K8S_MONGODB_TLS: 'off' }).containers[0].readinessProbe.exec.command).toEqual(mongodbPingCommand('off'));
    expect(mongodbPingCommand('off')).not.toContain('--tls');
  });

  test('root\'s credentials are also mounted as files, so the deploy\'s scripts follow a rotation without a restart', () => {
    const w = mongod();
    expect(w.podSpec.volumes).toContainEqual({ name: 'root-credentials', secret: { secretName: 'app-secrets', defaultMode: 0o440, items: [{ key: 'MONGODB_USERNAME', path: 'username' }, { key: 'MONGODB_PASSWORD', path: 'password' }] } });
    expect(w.containers[0].volumeMounts).toContainEqual({ name: 'root-credentials', mountPath: '/etc/mongodb-root', readOnly: true });
  });

  test('Colyseus logs in as its own user from Secret mongodb-colyseus, over TLS with only the CA mounted', () => {
    const w = colyseus();
    const env = envOf(w.containers[0]);
    expect(env.MONGODB_USERNAME.valueFrom.secretKeyRef).toEqual({ name: 'mongodb-colyseus', key: 'username' });
    expect(env.MONGODB_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'mongodb-colyseus', key: 'password' });
    expect(env.MONGODB_URI.value).toBe('mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@mongodb:27017/codeclashers?authSource=codeclashers&tls=true&tlsCAFile=/etc/mongodb-tls/ca.crt');
    expect(w.podSpec.volumes).toContainEqual({ name: 'mongodb-ca', secret: { secretName: 'mongodb-tls', defaultMode: 0o444, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(envOf(colyseus({ K8S_MONGODB_TLS: 'off' }).containers[0]).MONGODB_URI.value).toBe('mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@mongodb:27017/codeclashers?authSource=codeclashers');
    // Prefer still has Colyseus on TLS: only outside clients get the time to move.
    expect(envOf(colyseus({ K8S_MONGODB_TLS: 'prefer' }).containers[0]).MONGODB_URI.value).toContain('&tls=true');
  });

  test('the public address reaches no manifest (only the certificate)', () => {
    expect(JSON.stringify(synthBackend({ K8S_PUBLIC_ADDRESS: 'db.example.com' }))).toBe(JSON.stringify(synthBackend({})));
  });
});

describe('e2e check verdicts', () => {
  test('a plain connection must fail before any login: network errors and selection timeouts pass, a server answer fails', () => {
    expect(plainRefusalVerdict(new MongoServerSelectionError('connection closed', { type: 'Unknown', servers: new Map() } as any))).toMatchObject({ ok: true });
    expect(plainRefusalVerdict(new MongoNetworkError('connection 1 to 127.0.0.1:32017 closed'))).toMatchObject({ ok: true });
    expect(plainRefusalVerdict(new MongoServerError({ message: 'Authentication failed.', code: 18 }))).toEqual({ ok: false, detail: expect.stringContaining('auth failed, so it read the login') });
    expect(plainRefusalVerdict(undefined)).toEqual({ ok: false, detail: 'a plain connection was accepted' });
  });

  test('the checks choose TLS themselves: the driver refuses a URI\'s tls=true beside an option tls: false', () => {
    const uri = 'mongodb://fe:pw@127.0.0.1:32017/codeclashers?authSource=codeclashers&tls=true&tlsCAFile=/ca.crt';
    expect(() => new MongoClient(uri, { tls: false })).toThrow('All values of tls/ssl must be the same.');
    expect(withoutTlsOptions(uri)).toBe('mongodb://fe:pw@127.0.0.1:32017/codeclashers?authSource=codeclashers');
    expect(() => new MongoClient(withoutTlsOptions(uri), { tls: false })).not.toThrow();
    expect(withoutTlsOptions('mongodb://fe:pw@h/codeclashers?ssl=true')).toBe('mongodb://fe:pw@h/codeclashers');
  });

  test('against a TLS-only endpoint on loopback, the real driver\'s plain attempt is judged refused-before-login', async () => {
    // Models mongod with requireTLS: it speaks only TLS, so a plain hello ends in a closed connection (MongoDB docs, net.tls.mode).
    const ca = await createCa(new Date());
    const cert = await issueServerCertificate(ca, serverNames(''), new Date());
    const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, s => s.end());
    server.on('tlsClientError', () => undefined);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = new MongoClient(`mongodb://fe:pw@127.0.0.1:${port}/codeclashers`, { tls: false, serverSelectionTimeoutMS: 1_500 });
    try {
      const error = await client.db('codeclashers').command({ ping: 1 }).then(() => undefined, e => e);
      expect(plainRefusalVerdict(error)).toMatchObject({ ok: true });
    } finally {
      await client.close();
      server.close();
    }
  });

  test('only Unauthorized (13) counts as refused', () => {
    expect(unauthorizedVerdict(new MongoServerError({ message: 'not authorized on admin', code: 13 }))).toEqual({ ok: true, detail: 'Unauthorized (13)' });
    expect(unauthorizedVerdict(new MongoServerError({ message: 'x', code: 8000 })).ok).toBe(false);
    expect(unauthorizedVerdict(undefined).ok).toBe(false);
  });
});
