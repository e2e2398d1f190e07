// What a stranger and the frontend get from MongoDB's public port, checked against a real mongod
// by the end-to-end job (GitHub runner with k3s): no MongoDB server can run on the development
// machines, so this module is only type-checked and its verdict logic unit-tested there.
//
//   MONGODB_URI=mongodb://frontend:...@127.0.0.1:32017/codeclashers?authSource=codeclashers&tls=true \
//   MONGODB_CA_FILE=ca.crt K8S_MONGODB_TLS=require node -r tsx/cjs scripts/mongodb/checks.ts
//
// (the CA: kubectl get secret mongodb-tls -n codeclashers -o jsonpath='{.data.ca\.crt}' | base64 -d)
// Prints one line per check (no value), exits 1 if any failed.
import * as fs from 'fs';
import { MongoClient, MongoClientOptions, MongoServerError } from 'mongodb';
import { MongoDbTlsMode, isMongoDbTlsMode } from '../../lib/mongodb-tls';
import { APP_DATABASE } from '../../lib/mongodb-users';

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** MongoDB error codes (src/mongo/base/error_codes.yml). */
const UNAUTHORIZED = 13;
const AUTHENTICATION_FAILED = 18;

/**
 * A plain connection to a TLS-only mongod must fail before any login: mongod closes a connection
 * that does not start a TLS handshake, which the driver reports as a network error or a
 * server-selection timeout. A server error (auth failed, 18) would mean the plain port answered.
 */
export function plainRefusalVerdict(error: unknown): { ok: boolean; detail: string } {
  if (error === undefined) return { ok: false, detail: 'a plain connection was accepted' };
  const e = error as { name?: string; code?: unknown; message?: string };
  if (e instanceof MongoServerError || typeof e.code === 'number') {
    return { ok: false, detail: `the server answered a plain connection (${e.name}, code ${String(e.code)}${e.code === AUTHENTICATION_FAILED ? ': auth failed, so it read the login' : ''})` };
  }
  if (e.name === 'MongoServerSelectionError' || e.name === 'MongoNetworkError' || e.name === 'MongoNetworkTimeoutError') {
    return { ok: true, detail: `refused before any login (${e.name})` };
  }
  return { ok: false, detail: `unexpected error ${e.name}` };
}

/** An Unauthorized (13) refusal is the only acceptable outcome. */
export function unauthorizedVerdict(error: unknown): { ok: boolean; detail: string } {
  if (error === undefined) return { ok: false, detail: 'allowed' };
  const e = error as { name?: string; code?: unknown };
  return e.code === UNAUTHORIZED ? { ok: true, detail: 'Unauthorized (13)' } : { ok: false, detail: `failed otherwise: ${e.name} code ${String(e.code)}` };
}

/**
 * The URI without its TLS options, so a check can choose them: the driver refuses a URI's
 * `tls=true` next to an option `tls: false` ("All values of tls/ssl must be the same").
 */
export function withoutTlsOptions(uri: string): string {
  const at = uri.indexOf('?');
  if (at < 0) return uri;
  const kept = uri.slice(at + 1).split('&').filter(p => p && !/^(tls|ssl)/i.test(p));
  return kept.length ? `${uri.slice(0, at)}?${kept.join('&')}` : uri.slice(0, at);
}

async function attempt<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error };
  }
}

async function withClient<T>(uri: string, options: MongoClientOptions, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, ...options });
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

export async function exposureChecks(opts: { frontendUri: string; caPem: string; mode: MongoDbTlsMode }): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const record = (name: string, verdict: { ok: boolean; detail: string }) => results.push({ name, ...verdict });
  const tls: MongoClientOptions = opts.mode === 'off' ? { tls: false } : { tls: true, ca: opts.caPem };
  const uri = withoutTlsOptions(opts.frontendUri);

  const ping = await attempt(() => withClient(uri, tls, c => c.db(APP_DATABASE).command({ ping: 1 })));
  record(opts.mode === 'off' ? 'plain connection works (TLS off)' : 'TLS with the CA works', ping.error ? { ok: false, detail: `${(ping.error as Error).name}` } : { ok: true, detail: 'ping ok' });

  if (opts.mode !== 'off') {
    // Without our CA the client must not trust the server (the certificate is ours, not a public one).
    const untrusted = await attempt(() => withClient(withoutTlsOptions(opts.frontendUri), { tls: true, serverSelectionTimeoutMS: 5_000 }, c => c.db(APP_DATABASE).command({ ping: 1 })));
    record('TLS without the CA is not trusted', untrusted.error ? { ok: true, detail: `${(untrusted.error as Error).name}` } : { ok: false, detail: 'trusted without our CA' });
  }
  if (opts.mode === 'require') {
    const plain = await attempt(() => withClient(withoutTlsOptions(opts.frontendUri), { tls: false, serverSelectionTimeoutMS: 5_000 }, c => c.db(APP_DATABASE).command({ ping: 1 })));
    record('a plain connection is refused before any login', plainRefusalVerdict(plain.error));
  }

  await withClient(uri, tls, async client => {
    const collection = client.db(APP_DATABASE).collection<{ _id: string; at: Date }>('exposure_check');
    const id = `check-${Date.now()}`;
    const rw = await attempt(async () => {
      await collection.insertOne({ _id: id, at: new Date() });
      const found = await collection.findOne({ _id: id });
      await collection.deleteOne({ _id: id });
      return found?._id === id;
    });
    record(`the frontend user reads and writes ${APP_DATABASE}`, rw.error ? { ok: false, detail: `${(rw.error as Error).name}` } : { ok: !!rw.value, detail: rw.value ? 'insert, find, delete ok' : 'document not found after insert' });

    const admin = client.db('admin');
    const listed = await attempt(() => admin.command({ listDatabases: 1, nameOnly: true }));
    const names = ((listed.value?.databases ?? []) as { name: string }[]).map(d => d.name).sort();
    record(`listDatabases shows only ${APP_DATABASE}`, listed.error
      ? { ok: false, detail: `${(listed.error as Error).name}` }
      : { ok: names.length === 1 && names[0] === APP_DATABASE, detail: `sees ${names.join(', ') || '(nothing)'}` });

    record('listDatabases with authorizedDatabases: false is Unauthorized',
      unauthorizedVerdict((await attempt(() => admin.command({ listDatabases: 1, authorizedDatabases: false }))).error));
    record('reading admin.system.users is Unauthorized', unauthorizedVerdict((await attempt(() => admin.collection('system.users').findOne())).error));
    record('reading admin.system.version is Unauthorized', unauthorizedVerdict((await attempt(() => admin.collection('system.version').findOne())).error));
  });
  return results;
}

if (require.main === module) {
  const mode = process.env.K8S_MONGODB_TLS || 'require';
  const uri = process.env.MONGODB_URI;
  if (!uri || !isMongoDbTlsMode(mode) || (mode !== 'off' && !process.env.MONGODB_CA_FILE)) {
    console.error('error: set MONGODB_URI (the frontend\'s), MONGODB_CA_FILE (the CA certificate, unless TLS is off) and K8S_MONGODB_TLS (require, prefer or off)');
    process.exit(2);
  }
  const caPem = mode === 'off' ? '' : fs.readFileSync(process.env.MONGODB_CA_FILE!, 'utf8');
  exposureChecks({ frontendUri: uri, caPem, mode }).then(results => {
    for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}`);
    const failed = results.filter(r => !r.ok).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exitCode = failed ? 1 : 0;
  }, (error: Error) => {
    console.error(`error: ${error.name}`);
    process.exitCode = 1;
  });
}
