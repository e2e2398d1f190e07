// What MongoDB's TLS setting (K8S_MONGODB_TLS) means for mongod, its probes, the deploy's health
// check and Colyseus. The certificates themselves are made by the deploy (scripts/mongodb/
// certificates.ts) and kept in Secrets: nothing here holds a key.
import { isIP } from 'net';
import type * as k8s from '../imports/k8s';
import { type Endpoint } from './network';

/** `require`: TLS only; `prefer`: TLS and plain both accepted (while clients move); `off`: plain only. */
export const MONGODB_TLS_MODES = ['require', 'prefer', 'off'] as const;
export type MongoDbTlsMode = typeof MONGODB_TLS_MODES[number];

/** mongod's `--tlsMode` for each setting (mongod docs, "net.tls.mode"); `off` passes no TLS flag at all. */
const MONGOD_TLS_MODE: Record<MongoDbTlsMode, string | undefined> = { require: 'requireTLS', prefer: 'preferTLS', off: undefined };

/** Secret with the server certificate + key (`server.pem`) and the CA certificate (`ca.crt`), made by the deploy. */
export const MONGODB_TLS_SECRET = 'mongodb-tls';
/** Secret with the CA's certificate and key; read only by the deploy, mounted nowhere. */
export const MONGODB_CA_SECRET = 'mongodb-ca';
export const SERVER_PEM_KEY = 'server.pem';
export const CA_CERT_KEY = 'ca.crt';
/** Where mongod (server.pem, ca.crt) and Colyseus (ca.crt only) find them. */
export const TLS_DIR = '/etc/mongodb-tls';
export const CA_FILE = `${TLS_DIR}/${CA_CERT_KEY}`;
export const SERVER_PEM_FILE = `${TLS_DIR}/${SERVER_PEM_KEY}`;

/** How clients reach MongoDB: its Service, port and whether it speaks TLS. */
export interface MongoDbEndpoint extends Endpoint {
  readonly tls: MongoDbTlsMode;
}

export function isMongoDbTlsMode(value: string): value is MongoDbTlsMode {
  return (MONGODB_TLS_MODES as readonly string[]).includes(value);
}

/**
 * The VM's public address as a frontend writes it in its URI: an IPv4/IPv6 address or a DNS
 * name. Not a URL, not host:port; a name whose last label is all digits is a mistyped IP.
 */
export function isPublicAddress(value: string): boolean {
  if (isIP(value)) return true;
  if (value.length > 253 || !value.includes('.')) return false;
  const labels = value.toLowerCase().split('.');
  return labels.every(l => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** mongod's TLS arguments. */
export function mongodTlsArgs(mode: MongoDbTlsMode): string[] {
  const tlsMode = MONGOD_TLS_MODE[mode];
  if (!tlsMode) return [];
  return [
    '--tlsMode', tlsMode,
    '--tlsCertificateKeyFile', SERVER_PEM_FILE,
    '--tlsCAFile', CA_FILE,
    // With a CA file mongod demands a client certificate unless told otherwise; clients log in with SCRAM.
    '--tlsAllowConnectionsWithoutCertificates',
  ];
}

/**
 * The Secret volume with the server certificate. Secret volumes (not subPath mounts) follow
 * the Secret, so a renewed certificate reaches the file without a restart; mongod reads it
 * again on `rotateCertificates`. 0440: readable by the pod's fsGroup (mongod's uid 999).
 */
export function mongodTlsVolume(mode: MongoDbTlsMode): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  if (!MONGOD_TLS_MODE[mode]) return { volumes: [], mounts: [] };
  return {
    volumes: [{ name: 'tls', secret: { secretName: MONGODB_TLS_SECRET, defaultMode: 0o440, items: [{ key: SERVER_PEM_KEY, path: SERVER_PEM_KEY }, { key: CA_CERT_KEY, path: CA_CERT_KEY }] } }],
    mounts: [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }],
  };
}

/** mongosh options for a connection from inside the mongod container: TLS with the CA whenever mongod has TLS. */
export function mongoshTlsOptions(mode: MongoDbTlsMode): string[] {
  return MONGOD_TLS_MODE[mode] ? ['--tls', '--tlsCAFile', CA_FILE] : [];
}

/**
 * `ping` from inside the mongod container (probes, the deploy's health check): no credentials
 * (ping needs none), TLS with the CA when TLS is on, to 127.0.0.1 (in the certificate; the
 * official image's entrypoint connects there too, mongod listens on IPv4 only).
 */
export function mongodbPingCommand(mode: MongoDbTlsMode): string[] {
  return ['mongosh', '--quiet', '--norc', ...mongoshTlsOptions(mode), '--host', '127.0.0.1', '--eval', 'quit(db.adminCommand({ ping: 1 }).ok ? 0 : 1)'];
}

/** What a client pod (Colyseus) needs: only the CA certificate, and the URI options that use it. */
export function mongodbClientTls(mode: MongoDbTlsMode): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[]; uriOptions: string } {
  if (!MONGOD_TLS_MODE[mode]) return { volumes: [], mounts: [], uriOptions: '' };
  return {
    volumes: [{ name: 'mongodb-ca', secret: { secretName: MONGODB_TLS_SECRET, defaultMode: 0o444, items: [{ key: CA_CERT_KEY, path: CA_CERT_KEY }] } }],
    mounts: [{ name: 'mongodb-ca', mountPath: TLS_DIR, readOnly: true }],
    uriOptions: `&tls=true&tlsCAFile=${CA_FILE}`,
  };
}
