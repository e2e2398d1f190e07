// MongoDB's certificate authority and server certificate: made by the deploy, kept in Secrets.
// The CA is long-lived (frontends trust it) and made once; the server certificate is renewed
// ahead of its expiry and re-issued when the names it must carry change. ECDSA P-256.
import 'reflect-metadata'; // @peculiar/x509's dependency injection (tsyringe) needs the Reflect polyfill
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, webcrypto } from 'crypto';
import { NAMESPACE } from '../../lib/labels';
import { CA_CERT_KEY, MONGODB_CA_SECRET, MONGODB_TLS_SECRET, SERVER_PEM_KEY } from '../../lib/mongodb-tls';
import { MongoDbStore } from '../../lib/mongodb-store';
import { Kubectl, MongoStepError, applySecret, readSecret } from './kubectl';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const DAY_MS = 24 * 60 * 60 * 1000;
/** The CA outlives many server certificates: frontends configure it once. */
export const CA_VALIDITY_DAYS = 3650;
export const SERVER_VALIDITY_DAYS = 365;
/** A deploy this close to the server certificate's end issues a new one. */
export const RENEW_BEFORE_DAYS = 30;
/** Warn this long before the CA itself ends: replacing it means every frontend updates its copy. */
export const CA_WARN_BEFORE_DAYS = 365;
/** notBefore this far in the past, so a client whose clock is slightly behind accepts a fresh certificate. */
const BACKDATE_MS = 5 * 60 * 1000;
const CA_KEY_KEY = 'ca.key';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export interface KeyPairPem {
  /** Certificate, PEM. */
  readonly certPem: string;
  /** Private key, PKCS#8 PEM. */
  readonly keyPem: string;
}

/** The names the server certificate carries: every way a client reaches mongod. */
export interface ServerNames {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

/**
 * In-cluster Service names (short, namespace, FQDN), localhost for the probes and the deploy's
 * scripts inside the pod, and the VM's public address for frontends.
 */
export function serverNames(publicAddress: string): ServerNames {
  const service = MongoDbStore.NAME;
  const dns = [service, `${service}.${NAMESPACE}.svc`, `${service}.${NAMESPACE}.svc.cluster.local`, 'localhost'];
  const ips = ['127.0.0.1'];
  const address = publicAddress.trim().toLowerCase();
  if (address) (/^[\d.]+$|:/.test(address) ? ips : dns).push(address);
  return { dns: [...new Set(dns)], ips: [...new Set(ips)] };
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']) as Promise<CryptoKey>;
}

async function generateKeys(): Promise<{ publicKey: CryptoKey; privateKey: CryptoKey }> {
  return webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<{ publicKey: CryptoKey; privateKey: CryptoKey }>;
}

/** A new certificate authority, valid CA_VALIDITY_DAYS from `now`; it signs server certificates only (pathLen 0). */
export async function createCa(now: Date): Promise<KeyPairPem> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=CodeClashers MongoDB CA, O=CodeClashers',
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

/** A server certificate for `names`, signed by `ca`, valid SERVER_VALIDITY_DAYS (never past the CA's own end). */
export async function issueServerCertificate(ca: KeyPairPem, names: ServerNames, now: Date): Promise<KeyPairPem> {
  const keys = await generateKeys();
  const caCert = new x509.X509Certificate(ca.certPem);
  const notAfter = Math.min(now.getTime() + SERVER_VALIDITY_DAYS * DAY_MS, caCert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${MongoDbStore.NAME}, O=CodeClashers`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.keyPem),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.dns.map(value => ({ type: 'dns' as const, value })),
        ...names.ips.map(value => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) };
}

/** The names in a certificate's subjectAltName, as ServerNames. */
export function namesOf(cert: X509Certificate): ServerNames {
  const entries = (cert.subjectAltName ?? '').split(', ').filter(Boolean);
  return {
    dns: entries.filter(e => e.startsWith('DNS:')).map(e => e.slice(4)),
    ips: entries.filter(e => e.startsWith('IP Address:')).map(e => e.slice(11)),
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every(x => b.includes(x));
}

export type Decision = { readonly action: 'keep' } | { readonly action: 'issue'; readonly reason: string };

/** Whether the CA in the Secret can go on: missing, unreadable, mismatched or expired means a new one. */
export function caDecision(current: { cert?: string; key?: string } | undefined, now: Date): Decision {
  if (!current?.cert || !current.key) return { action: 'issue', reason: 'no CA yet' };
  try {
    const cert = new X509Certificate(current.cert);
    if (!cert.checkPrivateKey(createPrivateKey(current.key))) return { action: 'issue', reason: 'the CA key does not match its certificate' };
    if (new Date(cert.validTo).getTime() <= now.getTime()) return { action: 'issue', reason: `the CA expired on ${new Date(cert.validTo).toISOString()}` };
    return { action: 'keep' };
  } catch {
    return { action: 'issue', reason: 'the CA in the Secret is unreadable' };
  }
}

/** Whether the server certificate can go on, and if not, why a new one is issued. */
export function serverDecision(currentPem: string | undefined, caPem: string, wanted: ServerNames, now: Date): Decision {
  if (!currentPem) return { action: 'issue', reason: 'no server certificate yet' };
  let cert: X509Certificate;
  let key;
  try {
    cert = new X509Certificate(currentPem);
    key = createPrivateKey(currentPem);
  } catch {
    return { action: 'issue', reason: 'the server certificate in the Secret is unreadable' };
  }
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return { action: 'issue', reason: 'it is not signed by the current CA' };
  if (!cert.checkPrivateKey(key)) return { action: 'issue', reason: 'its key does not match' };
  const have = namesOf(cert);
  if (!sameSet(have.dns, wanted.dns) || !sameSet(have.ips, wanted.ips)) {
    const all = (n: ServerNames) => [...n.dns, ...n.ips];
    const missing = all(wanted).filter(n => !all(have).includes(n));
    const extra = all(have).filter(n => !all(wanted).includes(n));
    return { action: 'issue', reason: `its names changed (${[...missing.map(n => `+${n}`), ...extra.map(n => `-${n}`)].join(' ')})` };
  }
  const end = new Date(cert.validTo).getTime();
  if (end - now.getTime() <= RENEW_BEFORE_DAYS * DAY_MS) return { action: 'issue', reason: `it ends on ${new Date(end).toISOString().slice(0, 10)} (renewed ${RENEW_BEFORE_DAYS} days ahead)` };
  if (new Date(cert.validFrom).getTime() > now.getTime()) return { action: 'issue', reason: 'it is not valid yet (clock changed?)' };
  return { action: 'keep' };
}

/** What ensureCertificates did; all of it public. */
export interface CertificateReport {
  readonly caPem: string;
  readonly caCreated: boolean;
  /** Why the server certificate was issued; undefined when kept. */
  readonly serverIssued?: string;
  /** The server certificate now in Secret mongodb-tls (PEM, no key). */
  readonly serverCertPem: string;
  readonly warnings: readonly string[];
}

/**
 * Before mongod is applied: the CA (made once, Secret mongodb-ca) and the server certificate
 * (Secret mongodb-tls, which mongod mounts). A failure leaves the Secrets as they were, so mongod
 * keeps serving the certificate it has.
 */
export async function ensureCertificates(kubectl: Kubectl, opts: { publicAddress: string; now?: Date }): Promise<CertificateReport> {
  const now = opts.now ?? new Date();
  const warnings: string[] = [];
  if (!opts.publicAddress) {
    warnings.push('K8S_PUBLIC_ADDRESS is unset: the certificate names no public address, so a frontend outside the cluster cannot verify the host. Set it to the VM\'s public IP or DNS name.');
  }
  const caSecret = await readSecret(kubectl, MONGODB_CA_SECRET);
  let ca: KeyPairPem = { certPem: caSecret?.data[CA_CERT_KEY] ?? '', keyPem: caSecret?.data[CA_KEY_KEY] ?? '' };
  const caChoice = caDecision(caSecret && { cert: ca.certPem, key: ca.keyPem }, now);
  if (caChoice.action === 'issue') {
    if (caSecret) warnings.push(`A new MongoDB CA replaces the old one (${caChoice.reason}): every frontend must use the new CA certificate below.`);
    ca = await createCa(now);
    await applySecret(kubectl, MONGODB_CA_SECRET, { [CA_CERT_KEY]: ca.certPem, [CA_KEY_KEY]: ca.keyPem });
  }
  const caEnd = new Date(new X509Certificate(ca.certPem).validTo);
  if (caEnd.getTime() - now.getTime() < CA_WARN_BEFORE_DAYS * DAY_MS) {
    warnings.push(`The MongoDB CA ends on ${caEnd.toISOString().slice(0, 10)}: plan its replacement (delete Secret ${MONGODB_CA_SECRET}; frontends then need the new CA).`);
  }

  const tlsSecret = await readSecret(kubectl, MONGODB_TLS_SECRET);
  const current = tlsSecret?.data[SERVER_PEM_KEY];
  const choice = serverDecision(current, ca.certPem, serverNames(opts.publicAddress), now);
  if (choice.action === 'keep') {
    if (tlsSecret?.data[CA_CERT_KEY] !== ca.certPem) throw new MongoStepError(`Secret ${MONGODB_TLS_SECRET} holds a CA certificate other than Secret ${MONGODB_CA_SECRET}'s`);
    return { caPem: ca.certPem, caCreated: caChoice.action === 'issue', serverCertPem: certificatePart(current!), warnings };
  }
  const server = await issueServerCertificate(ca, serverNames(opts.publicAddress), now);
  // mongod's --tlsCertificateKeyFile: certificate and key in one PEM file.
  await applySecret(kubectl, MONGODB_TLS_SECRET, { [SERVER_PEM_KEY]: server.certPem + server.keyPem, [CA_CERT_KEY]: ca.certPem });
  return { caPem: ca.certPem, caCreated: caChoice.action === 'issue', serverIssued: choice.reason, serverCertPem: server.certPem, warnings };
}

/** The certificate block of a PEM that also holds a key. */
export function certificatePart(pem: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(pem);
  if (!m) throw new MongoStepError('no certificate in the PEM');
  return m[0].endsWith('\n') ? m[0] : `${m[0]}\n`;
}
