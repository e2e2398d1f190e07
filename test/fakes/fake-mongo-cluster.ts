// A stand-in for kubectl against the codeclashers namespace and for mongosh + mongod inside the
// mongodb pod, so the MongoDB steps (scripts/mongodb/) run end to end without a cluster. The
// generated mongosh scripts really run (node:vm) against a model of mongosh's shell API and of
// mongod's users; every behaviour below names its source.
import * as vm from 'vm';
import type { Kubectl, KubectlResult } from '../../scripts/mongodb/kubectl';

interface StoredSecret { data: Record<string, string>; annotations: Record<string, string> }
export interface MongoUser { db: string; user: string; pwd: string; roles: { role: string; db: string }[] }

/** A MongoServerError as mongosh throws it (name, code, codeName: MongoDB error_codes.yml). */
function serverError(code: number, codeName: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'MongoServerError', code, codeName });
}

export class FakeMongoCluster {
  readonly secrets = new Map<string, StoredSecret>();
  /** Users per `db.user`, as mongod keeps them in admin.system.users. */
  readonly users = new Map<string, MongoUser>();
  pods: string[] = [];
  /** Files in the mongod container: mounted Secrets. */
  readonly files = new Map<string, string>();
  /**
   * Secret volumes follow their Secret only after a kubelet sync (Kubernetes docs, "Mounted
   * Secrets are updated automatically": sync period + cache delay). Modelled as a number of
   * mongosh sleep() calls before a changed Secret reaches the files.
   */
  syncAfterSleeps = 0;
  private pendingSync: { sleepsLeft: number; apply: () => void }[] = [];
  mongodUp = true;
  certificateRotations = 0;
  statefulSetArgs: string[] | undefined;
  /** Every call, for the no-secret-in-argv checks. */
  readonly calls: { args: string[]; stdin?: string }[] = [];
  /** Return a result to make a call fail (models kubectl errors); undefined lets it through. */
  failWhen: (args: string[], stdin?: string) => KubectlResult | undefined = () => undefined;

  constructor(readonly mountedSecrets: Record<string, { secret: string; items: Record<string, string> }> = {}) {}

  addUser(db: string, user: string, pwd: string, roles: { role: string; db: string }[]): void {
    this.users.set(`${db}.${user}`, { db, user, pwd, roles });
  }

  /** Writes the Secret and, after the kubelet's delay, the files mounted from it. */
  setSecret(name: string, data: Record<string, string>, annotations: Record<string, string> = {}): void {
    this.secrets.set(name, { data, annotations });
    const mount = Object.entries(this.mountedSecrets).filter(([, m]) => m.secret === name);
    const apply = () => {
      for (const [dir, m] of mount) for (const [key, file] of Object.entries(m.items)) if (data[key] !== undefined) this.files.set(`${dir}/${file}`, data[key]);
    };
    if (this.syncAfterSleeps === 0) apply();
    else this.pendingSync.push({ sleepsLeft: this.syncAfterSleeps, apply });
  }

  private tick(): void {
    for (const p of this.pendingSync) if (--p.sleepsLeft <= 0) p.apply();
    this.pendingSync = this.pendingSync.filter(p => p.sleepsLeft > 0);
  }

  readonly kubectl: Kubectl = async (args, opts = {}) => {
    this.calls.push({ args, stdin: opts.stdin });
    const injected = this.failWhen(args, opts.stdin);
    if (injected) return injected;
    const ok = (stdout = ''): KubectlResult => ({ code: 0, stdout, stderr: '' });
    // kubectl get of a missing object: exit 1, `Error from server (NotFound): <kind>s "<name>" not found`.
    const notFound = (kind: string, name: string): KubectlResult => ({ code: 1, stdout: '', stderr: `Error from server (NotFound): ${kind} "${name}" not found` });
    if (args[0] === 'get' && args[1] === 'secret') {
      const s = this.secrets.get(args[2]);
      if (!s) return notFound('secrets', args[2]);
      const data = Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      return ok(JSON.stringify({ kind: 'Secret', metadata: { name: args[2], annotations: s.annotations }, data }));
    }
    if (args[0] === 'apply' && args.includes('--server-side') && opts.stdin) {
      const o = JSON.parse(opts.stdin);
      // Server-side apply by one field manager: fields it no longer sends (annotations) are removed.
      const data = Object.fromEntries(Object.entries<string>(o.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      this.setSecret(o.metadata.name, data, o.metadata.annotations ?? {});
      return ok(`secret/${o.metadata.name} serverside-applied`);
    }
    if (args[0] === 'get' && args[1] === 'pods') return ok(this.pods.map(p => `pod/${p}\n`).join(''));
    if (args[0] === 'get' && args[1] === 'statefulset') {
      if (!this.statefulSetArgs) return notFound('statefulsets.apps', args[2]);
      return ok(JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'mongodb', args: this.statefulSetArgs }] } } } }));
    }
    if (args[0] === 'exec' && args.includes('mongosh')) {
      // kubectl exec into a pod that is not running: exit 1 (`container not found` / `unable to upgrade connection`).
      if (!this.mongodUp) return { code: 1, stdout: '', stderr: 'error: unable to upgrade connection: container not found ("mongodb")' };
      return ok(this.runMongosh(opts.stdin ?? ''));
    }
    return { code: 1, stdout: '', stderr: `fake: unmodelled kubectl ${args.join(' ')}` };
  };

  /** mongosh reading a script on stdin: evaluated, print() lines are its output. */
  private runMongosh(script: string): string {
    const mongod: MongodData = {
      get: k => this.users.get(k), has: k => this.users.has(k), delete: k => this.users.delete(k),
      set: (k, u) => { this.users.set(k, u); },
      rotateCertificates: () => { this.certificateRotations++; },
    };
    return runMongoshScript(script, mongod, { readFile: f => this.files.get(f), sleep: () => this.tick() }).stdout;
  }
}

/** What mongod keeps that the scripts touch: its users (admin.system.users, by `db.user`). */
export interface MongodData {
  get(key: string): MongoUser | undefined;
  has(key: string): boolean;
  set(key: string, user: MongoUser): void;
  delete(key: string): boolean;
  rotateCertificates(): void;
}

/** The container around mongosh: its files (mounted Secrets) and what a sleep() lets happen. */
export interface MongoshHost {
  readFile(path: string): string | undefined;
  sleep(): void;
}

/**
 * mongosh evaluating `script` (stdin or --eval) against `mongod`: print() lines are its output;
 * quit(n) ends it with exit code n (mongosh docs, "quit()"); an uncaught error exits 1.
 */
export function runMongoshScript(script: string, mongod: MongodData, host: MongoshHost): { stdout: string; code: number } {
  const out: string[] = [];
  let authenticated: MongoUser | undefined;
  const needsUserAdmin = () => {
    // User management needs userAdmin privileges: unauthenticated calls fail Unauthorized (13) (MongoDB "createUser" docs, "Required Access").
    if (!authenticated || !authenticated.roles.some(r => r.role === 'root')) throw serverError(13, 'Unauthorized', 'command requires authentication');
  };
  const database = (name: string): any => ({
    getSiblingDB: database,
    // mongosh db.auth(): throws on a wrong password, code 18 AuthenticationFailed (mongosh docs "db.auth()").
    auth(user: string, pwd: string) {
      const u = mongod.get(`${name}.${user}`);
      if (!u || u.pwd !== pwd) throw serverError(18, 'AuthenticationFailed', 'Authentication failed.');
      authenticated = u;
      return { ok: 1 };
    },
    // db.getUser(): the user document, or null when there is none (mongosh docs "db.getUser()").
    getUser(user: string) {
      needsUserAdmin();
      const u = mongod.get(`${name}.${user}`);
      return u ? { user: u.user, db: u.db, roles: u.roles } : null;
    },
    // createUser on an existing user: code 51003 (MongoDB error_codes.yml, "UserAlreadyExists").
    createUser(doc: { user: string; pwd: string; roles: { role: string; db: string }[] }) {
      needsUserAdmin();
      if (mongod.has(`${name}.${doc.user}`)) throw serverError(51003, 'Location51003', `User "${doc.user}@${name}" already exists`);
      mongod.set(`${name}.${doc.user}`, { db: name, user: doc.user, pwd: doc.pwd, roles: [...doc.roles] });
      return { ok: 1 };
    },
    // updateUser replaces the roles array when given (MongoDB "updateUser" docs); missing user: UserNotFound (11).
    updateUser(user: string, update: { pwd?: string; roles?: { role: string; db: string }[] }) {
      needsUserAdmin();
      const u = mongod.get(`${name}.${user}`);
      if (!u) throw serverError(11, 'UserNotFound', `Could not find user "${user}" for db "${name}"`);
      mongod.set(`${name}.${user}`, { ...u, ...(update.pwd !== undefined ? { pwd: update.pwd } : {}), ...(update.roles ? { roles: [...update.roles] } : {}) });
      return { ok: 1 };
    },
    changeUserPassword(user: string, pwd: string) {
      this.updateUser(user, { pwd });
    },
    // mongosh dropUser on a missing user throws UserNotFound (11).
    dropUser(user: string) {
      needsUserAdmin();
      if (!mongod.delete(`${name}.${user}`)) throw serverError(11, 'UserNotFound', `User "${user}@${name}" not found`);
      return { ok: 1 };
    },
    // `ping` needs no authentication (MongoDB "ping" docs).
    adminCommand(cmd: Record<string, unknown>) {
      return 'ping' in cmd ? { ok: 1 } : this.runCommand(cmd);
    },
    runCommand(cmd: Record<string, unknown>) {
      // rotateCertificates (MongoDB 5.0+): needs the rotateCertificates privilege (root has it).
      if ('rotateCertificates' in cmd) {
        if (!authenticated) return { ok: 0, code: 13, codeName: 'Unauthorized', errmsg: 'command rotateCertificates requires authentication' };
        mongod.rotateCertificates();
        return { ok: 1 };
      }
      return { ok: 0, code: 59, codeName: 'CommandNotFound', errmsg: 'no such command' };
    },
  });
  const fs = {
    readFileSync(path: string) {
      const f = host.readFile(path);
      if (f === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return f;
    },
  };
  class Quit { constructor(readonly code: number) {} }
  const context = {
    db: database('admin'),
    print: (...a: unknown[]) => out.push(a.map(String).join(' ')),
    // mongosh's sleep(ms): time passes; here it lets the kubelet model move on.
    sleep: () => host.sleep(),
    quit: (code = 0) => { throw new Quit(code); },
    require: (m: string) => { if (m === 'fs') return fs; throw new Error(`unmodelled module ${m}`); },
  };
  let code = 0;
  try {
    vm.runInNewContext(script, context, { timeout: 5_000 });
  } catch (error) {
    if (error instanceof Quit) {
      code = error.code;
    } else {
      // An error outside the script's own try: mongosh prints it as an uncaught exception.
      out.push(`Uncaught ${(error as Error).name}: ${(error as Error).message}`);
      code = 1;
    }
  }
  return { stdout: out.join('\n') + '\n', code };
}

/** The cluster as it stands after a first install of this design: root exists, files mounted. */
export function installedCluster(root = { user: 'root-admin', password: 'root-password-0001' }): FakeMongoCluster {
  const c = new FakeMongoCluster({
    '/etc/mongodb-root': { secret: 'app-secrets', items: { MONGODB_USERNAME: 'username', MONGODB_PASSWORD: 'password' } },
    '/etc/mongodb-tls': { secret: 'mongodb-tls', items: { 'server.pem': 'server.pem', 'ca.crt': 'ca.crt' } },
  });
  c.setSecret('app-secrets', { MONGODB_USERNAME: root.user, MONGODB_PASSWORD: root.password });
  c.addUser('admin', root.user, root.password, [{ role: 'root', db: 'admin' }]);
  c.statefulSetArgs = ['--bind_ip_all', '--tlsMode', 'requireTLS'];
  return c;
}
