// mongosh scripts the deploy runs inside the mongod container, and the one way it runs them:
// `kubectl exec -i ... mongosh` with the script on stdin, as the official image's own entrypoint
// feeds its createUser script to mongosh (docker-library/mongo, docker-entrypoint.sh). The
// connection carries no credentials; the script logs in as root with the password it reads from
// the pod's mounted Secret (lib/mongodb-users.ts), so root's password never leaves the cluster.
// A password that must be set (a user's new one) is in the script text: stdin only, never argv.
import { NAMESPACE } from '../../lib/labels';
import { MongoDbStore } from '../../lib/mongodb-store';
import { MongoDbTlsMode, SERVER_PEM_FILE, mongoshTlsOptions } from '../../lib/mongodb-tls';
import { ROOT_PASSWORD_FILE, ROOT_USERNAME_FILE } from '../../lib/mongodb-users';
import { redactor } from '../deploy/secrets';
import { Kubectl, MongoStepError, firstLine } from './kubectl';

/** Lines of mongosh's output that carry a script's result; everything else (prompts, echoes) is ignored, never logged. */
export const RESULT_MARKER = '@@codeclashers-result ';

/** One change to MongoDB's users. */
export type UserOp =
  /** Create the user, or give an existing one exactly this password and these roles. */
  | { readonly op: 'upsert'; readonly db: string; readonly user: string; readonly password: string; readonly roles: readonly { role: string; db: string }[] }
  /** Remove the user; one already gone counts as done. */
  | { readonly op: 'drop'; readonly db: string; readonly user: string };

export interface ScriptResult {
  readonly ok: boolean;
  /** Per op, for user scripts: 'created' | 'updated' | 'dropped' | 'absent'; for root: 'changed' | 'already'. */
  readonly results?: readonly string[];
  readonly code?: number;
  readonly error?: string;
}

const js = (value: unknown) => JSON.stringify(value);

/**
 * Logs in as root with the mounted password. Right after Secret app-secrets changed the file
 * can lag up to a kubelet sync (about a minute), so a refused login re-reads it for a while.
 * mongosh's db.auth() throws on a refused login; a `{ ok: 0 }` answer (the legacy shell's way)
 * counts as refused too.
 */
function rootLogin(tries: number, alsoTry?: string): string {
  return `
const fs = require('fs');
const admin = db.getSiblingDB('admin');
const rootUser = fs.readFileSync(${js(ROOT_USERNAME_FILE)}, 'utf8');
const login = (pwd) => { const r = admin.auth(rootUser, pwd); if (r && r.ok !== undefined && !r.ok) { throw Object.assign(new Error('Authentication failed.'), { code: 18, codeName: 'AuthenticationFailed' }); } };
let loggedInWith = '';
let lastError;
for (let i = 0; i < ${tries} && !loggedInWith; i++) {
  if (i > 0) sleep(5000);
  try { login(fs.readFileSync(${js(ROOT_PASSWORD_FILE)}, 'utf8')); loggedInWith = 'file'; } catch (e) { lastError = e; }
  ${alsoTry === undefined ? '' : `if (!loggedInWith) { try { login(${js(alsoTry)}); loggedInWith = 'new'; } catch (e) { lastError = e; } }`}
}
if (!loggedInWith) throw lastError;
`;
}

/**
 * One statement on one line: mongosh evaluates piped input as a REPL would, and a single line
 * needs no multi-line continuation. (No `//` comments inside the scripts for that reason.)
 */
function wrap(body: string): string {
  const script = `try {${body}
} catch (e) {
  print(${js(RESULT_MARKER)} + JSON.stringify({ ok: false, code: e.code, error: String(e.codeName || e.name) + ': ' + String(e.message).slice(0, 200) }));
}`;
  return `${script.split('\n').map(l => l.trim()).filter(Boolean).join(' ')}\n`;
}

/**
 * Applies `ops` in order; stops at the first failure (nothing after it runs). mongosh's
 * dropUser throws UserNotFound (11) for a user that is not there: counted as 'absent'.
 */
export function userScript(ops: readonly UserOp[], opts: { rootLoginTries?: number } = {}): string {
  return wrap(`${rootLogin(opts.rootLoginTries ?? 24)}
const results = [];
for (const o of ${js(ops)}) {
  const target = db.getSiblingDB(o.db);
  if (o.op === 'upsert') {
    if (target.getUser(o.user)) { target.updateUser(o.user, { pwd: o.password, roles: o.roles }); results.push('updated'); }
    else { target.createUser({ user: o.user, pwd: o.password, roles: o.roles, mechanisms: ['SCRAM-SHA-256'] }); results.push('created'); }
  } else {
    try { target.dropUser(o.user); results.push('dropped'); } catch (e) { if (e.code !== 11) throw e; results.push('absent'); }
  }
}
print(${js(RESULT_MARKER)} + JSON.stringify({ ok: true, results }));`);
}

/**
 * Root's new password: log in with the current one (the mounted file = the live Secret), change
 * it, log in again with the new one to prove it. If the file's password is refused but the new
 * one works, an earlier run changed it and died before the Secret: 'already'.
 */
export function rootPasswordScript(newPassword: string, opts: { rootLoginTries?: number } = {}): string {
  return wrap(`${rootLogin(opts.rootLoginTries ?? 24, newPassword)}
if (loggedInWith === 'new') {
  print(${js(RESULT_MARKER)} + JSON.stringify({ ok: true, results: ['already'] }));
} else {
  admin.changeUserPassword(rootUser, ${js(newPassword)});
  login(${js(newPassword)});
  print(${js(RESULT_MARKER)} + JSON.stringify({ ok: true, results: ['changed'] }));
}`);
}

/**
 * Waits until the mounted server.pem holds `certPem` (Secret volumes follow their Secret after a
 * kubelet sync), then has mongod load it: rotateCertificates (MongoDB 5.0+) keeps the old
 * certificate when the new one does not load, and keeps open connections.
 */
export function rotateCertificatesScript(certPem: string, opts: { waitSeconds?: number } = {}): string {
  return wrap(`${rootLogin(24)}
let current = '';
for (let i = 0; i < ${Math.ceil((opts.waitSeconds ?? 180) / 5)}; i++) {
  current = fs.readFileSync(${js(SERVER_PEM_FILE)}, 'utf8');
  if (current.startsWith(${js(certPem)})) break;
  sleep(5000);
}
if (!current.startsWith(${js(certPem)})) throw Object.assign(new Error('the mounted certificate did not change in time'), { codeName: 'CertificateNotMounted' });
const r = admin.runCommand({ rotateCertificates: 1, message: 'codeclashers deploy' });
if (!r.ok) throw Object.assign(new Error(String(r.errmsg)), { code: r.code, codeName: r.codeName });
print(${js(RESULT_MARKER)} + JSON.stringify({ ok: true, results: ['rotated'] }));`);
}

/** kubectl's argv for a script: no value in it, ever (the script goes on stdin). */
export function mongoshExecArgs(mode: MongoDbTlsMode): string[] {
  return ['exec', '-i', '-n', NAMESPACE, `statefulset/${MongoDbStore.NAME}`, '-c', 'mongodb', '--',
    'mongosh', '--quiet', '--norc', ...mongoshTlsOptions(mode), '--host', '127.0.0.1'];
}

/**
 * Runs `script` in the mongod container. The result is read from its marker line; nothing else
 * of mongosh's output is kept (a REPL on a pipe may echo what it was given). `secrets` are
 * removed from the one error line it may return.
 */
export async function runScript(kubectl: Kubectl, mode: MongoDbTlsMode, script: string, what: string, secrets: readonly string[]): Promise<ScriptResult> {
  const r = await kubectl(mongoshExecArgs(mode), { stdin: script });
  const line = r.stdout.split('\n').reverse().find(l => l.startsWith(RESULT_MARKER));
  if (!line) {
    throw new MongoStepError(`${what}: mongosh gave no result (kubectl exit ${r.code}: ${redactor(secrets)(firstLine(r.stderr)) || 'no message'})`);
  }
  const result = JSON.parse(line.slice(RESULT_MARKER.length)) as ScriptResult;
  if (!result.ok) {
    throw new MongoStepError(`${what} failed: ${redactor(secrets)(result.error ?? 'unknown error')}${result.code !== undefined ? ` (code ${result.code})` : ''}`);
  }
  return result;
}
