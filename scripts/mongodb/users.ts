// MongoDB's logins, kept least-privileged and rotated without cutting the game off:
// - Colyseus: two alternating users (lib/mongodb-users.ts). A new password goes on the idle one,
//   then Secret mongodb-colyseus switches to it, Colyseus rolls, and the previous user is dropped
//   only once every pod that could have started with it is gone (a draining pod keeps its
//   environment up to K8S_MATCH_SECONDS + 60 s).
// - The frontend (MONGODB_URI): its user is created or updated with readWrite on codeclashers in
//   the URI's authSource; a new user in a new URI is made beside the old one, which the operator
//   drops once the frontend moved (`npm run mongodb -- drop-user`).
// - Root: changed in MongoDB (logged in with the live Secret's password, as mounted in the pod)
//   before Secret app-secrets takes the new one; mongod needs no restart for it.
// Decisions are pure functions; executors take the injected kubectl.
import { MongoClient } from 'mongodb';
import { NAME_LABEL, NAMESPACE } from '../../lib/labels';
import { MongoDbTlsMode } from '../../lib/mongodb-tls';
import { APP_DATABASE, APP_ROLES, COLYSEUS_CREDENTIALS_SECRET, COLYSEUS_USERS } from '../../lib/mongodb-users';
import { ColyseusGameServer } from '../../lib/colyseus-game-server';
import { Kubectl, MongoStepError, applySecret, firstLine, readSecret } from './kubectl';
import { UserOp, runScript, userScript, rootPasswordScript } from './mongosh';

type Env = Readonly<Record<string, string | undefined>>;

/** Annotations of Secret mongodb-colyseus that remember a rotation until its old user is dropped. */
export const RETIRE_USER_ANNOTATION = 'codeclashers.dev/retire-user';
export const RETIRE_PODS_ANNOTATION = 'codeclashers.dev/retire-after-pods';

/** Characters a password may have to sit in a URI unescaped ($(VAR) expansion does not escape). */
const URI_SAFE_PASSWORD = /^[A-Za-z0-9._~-]{16,}$/;
const EXAMPLE_URI = `mongodb://frontend:<password>@<K8S_PUBLIC_ADDRESS>:32017/${APP_DATABASE}?authSource=${APP_DATABASE}&tls=true`;

// ---------------------------------------------------------------------------------------------
// Frontend URI

export interface FrontendLogin {
  readonly user: string;
  readonly password: string;
  /** The database the user is defined in (the URI's authSource, else its path, else admin: MongoDB URI spec). */
  readonly authSource: string;
}

/** The login a MONGODB_URI names, as the Node driver reads it; a problem line when it names none usable. */
export function parseFrontendUri(uri: string): FrontendLogin | { readonly problem: string } {
  let options: any;
  try {
    options = new MongoClient(uri).options;
  } catch {
    // The driver's message can quote the string: say only what is wrong with it.
    return { problem: `MONGODB_URI is not a MongoDB connection string; accepted: ${EXAMPLE_URI}` };
  }
  const credentials = options.credentials;
  if (!credentials?.username || !credentials.password) {
    return { problem: `MONGODB_URI names no user and password; accepted: ${EXAMPLE_URI}` };
  }
  if (!['DEFAULT', 'SCRAM-SHA-256', 'SCRAM-SHA-1'].includes(credentials.mechanism) || credentials.source === '$external') {
    return { problem: `MONGODB_URI asks for authMechanism ${credentials.mechanism}; accepted: SCRAM (no authMechanism), as in ${EXAMPLE_URI}` };
  }
  return { user: credentials.username, password: credentials.password, authSource: credentials.source };
}

/**
 * Preflight problems of the MongoDB secrets, one line each, no value in any of them:
 * a frontend URI that names root or a Colyseus user, and a Colyseus password a URI cannot carry.
 */
export function mongodbSecretProblems(env: Env): string[] {
  const problems: string[] = [];
  const colyseus = env.MONGODB_COLYSEUS_PASSWORD?.trim();
  if (colyseus && !URI_SAFE_PASSWORD.test(colyseus)) {
    problems.push('MONGODB_COLYSEUS_PASSWORD is invalid (value not shown); accepted: 16 or more of A-Z a-z 0-9 . _ ~ - (it is put into a URI unescaped)');
  }
  const uri = env.MONGODB_URI?.trim();
  if (uri) {
    const login = parseFrontendUri(uri);
    if ('problem' in login) {
      problems.push(login.problem);
    } else if (login.user === env.MONGODB_USERNAME?.trim()) {
      problems.push(`MONGODB_URI names the root user (MONGODB_USERNAME): whoever holds the frontend's URI would own every database and user; set MONGODB_URI to a user of its own, e.g. ${EXAMPLE_URI} (the deploy creates it with readWrite on ${APP_DATABASE} only)`);
    } else if ((COLYSEUS_USERS as readonly string[]).includes(login.user)) {
      problems.push(`MONGODB_URI names ${login.user}, one of Colyseus' own users (rotated by the deploy); set MONGODB_URI to a user of its own, e.g. ${EXAMPLE_URI}`);
    }
  }
  return problems;
}

/** The frontend user's op, and what the operator should know (old user kept, password changed in place). */
export function frontendPlan(uri: string, previousUri: string | undefined): { ops: UserOp[]; notes: string[] } {
  const login = parseFrontendUri(uri);
  if ('problem' in login) throw new MongoStepError(login.problem);
  const ops: UserOp[] = [{ op: 'upsert', db: login.authSource, user: login.user, password: login.password, roles: APP_ROLES }];
  const notes: string[] = [];
  const previous = previousUri ? parseFrontendUri(previousUri) : undefined;
  if (previous && !('problem' in previous)) {
    if (previous.user !== login.user || previous.authSource !== login.authSource) {
      notes.push(`The previous frontend user ${previous.user} (database ${previous.authSource}) is kept so a frontend still using it keeps working. Once the frontend uses the new MONGODB_URI, remove it: \`npm run mongodb -- drop-user --db ${previous.authSource} ${previous.user}\``);
    } else if (previous.password !== login.password) {
      notes.push(`The frontend user ${login.user} got its new password in place: a frontend still using the old one is refused from now on. To rotate without a cut, put a new user in MONGODB_URI.`);
    }
  }
  return { ops, notes };
}

/** Creates or updates the frontend's user. Needs mongod up. A failure changes no other user. */
export async function reconcileFrontendUser(kubectl: Kubectl, opts: { mode: MongoDbTlsMode; uri: string; previousUri?: string }): Promise<{ notes: string[] }> {
  const { ops, notes } = frontendPlan(opts.uri, opts.previousUri);
  const secrets = [opts.uri, ...ops.map(o => (o.op === 'upsert' ? o.password : ''))];
  const r = await runScript(kubectl, opts.mode, userScript(ops), 'frontend user', secrets);
  const op = ops[0];
  notes.unshift(`Frontend user ${op.user} (database ${op.db}): ${r.results?.[0]}, readWrite on ${APP_DATABASE} only.`);
  return { notes };
}

// ---------------------------------------------------------------------------------------------
// Root

/** Whether root's password must change in MongoDB before Secret app-secrets takes the new one. */
export function rootPlan(live: Env | undefined, env: Env): { kind: 'none' } | { kind: 'rotate' } | { kind: 'refuse'; problem: string } {
  // Nothing live yet: the image creates root from the Secret on first start.
  if (!live?.MONGODB_USERNAME || !live.MONGODB_PASSWORD) return { kind: 'none' };
  if (env.MONGODB_USERNAME && env.MONGODB_USERNAME !== live.MONGODB_USERNAME) {
    return { kind: 'refuse', problem: 'MONGODB_USERNAME differs from the running database\'s root user (value not shown); accepted: the same name (the image creates root only on first start; a rename is a manual createUser/dropUser)' };
  }
  if (!env.MONGODB_PASSWORD || env.MONGODB_PASSWORD === live.MONGODB_PASSWORD) return { kind: 'none' };
  return { kind: 'rotate' };
}

/**
 * Root's new password into MongoDB, before Secret app-secrets gets it. If this throws, the deploy
 * must not apply the new MONGODB_PASSWORD (the game does not log in as root either way).
 */
export async function rotateRootPassword(kubectl: Kubectl, opts: { mode: MongoDbTlsMode; newPassword: string }): Promise<'changed' | 'already'> {
  const r = await runScript(kubectl, opts.mode, rootPasswordScript(opts.newPassword), 'root password change', [opts.newPassword]);
  return r.results?.[0] === 'already' ? 'already' : 'changed';
}

// ---------------------------------------------------------------------------------------------
// Colyseus

export interface ColyseusState {
  /** The user Colyseus is switched to, with its password (Secret mongodb-colyseus). */
  readonly active?: { readonly user: string; readonly password: string };
  /** The previous user, dropped once `pods` (every pod that could have started with it) are gone; pods unknown = not recorded yet. */
  readonly retire?: { readonly user: string; readonly pods?: readonly string[] };
}

export function colyseusStateOf(secret: { data: Record<string, string>; annotations: Record<string, string> } | undefined): ColyseusState {
  if (!secret) return {};
  const user = secret.annotations[RETIRE_USER_ANNOTATION];
  const pods = secret.annotations[RETIRE_PODS_ANNOTATION];
  return {
    active: secret.data.username && secret.data.password ? { user: secret.data.username, password: secret.data.password } : undefined,
    retire: user && user !== secret.data.username ? { user, pods: pods === undefined ? undefined : pods.split(',').filter(Boolean) } : undefined,
  };
}

export type ColyseusPlan =
  | { readonly kind: 'create'; readonly user: string }
  | { readonly kind: 'keep'; readonly user: string }
  | { readonly kind: 'rotate'; readonly from: string; readonly to: string }
  | { readonly kind: 'defer'; readonly user: string; readonly reason: string };

/** What Colyseus' login needs, given what is live and the wanted password. */
export function planColyseus(state: ColyseusState, password: string): ColyseusPlan {
  if (!state.active) return { kind: 'create', user: COLYSEUS_USERS[0] };
  if (state.active.password === password) return { kind: 'keep', user: state.active.user };
  if (state.retire) {
    // The idle user is still in use by draining pods: a password on it now would cut them.
    return { kind: 'defer', user: state.active.user, reason: `${state.retire.user} is still in use by pods of the previous rotation` };
  }
  const to = COLYSEUS_USERS.find(u => u !== state.active!.user)!;
  return { kind: 'rotate', from: state.active.user, to };
}

export type RetireDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'record-pods'; readonly pods: readonly string[] }
  | { readonly kind: 'wait'; readonly pods: readonly string[] }
  | { readonly kind: 'retire'; readonly user: string };

/** Whether the previous Colyseus user can go: only when no pod that may hold it is left. */
export function retireDecision(state: ColyseusState, livePods: readonly string[]): RetireDecision {
  if (!state.retire) return { kind: 'none' };
  // Never recorded (the run that switched died first): every pod alive now is a superset of the old ones.
  if (state.retire.pods === undefined) return { kind: 'record-pods', pods: livePods };
  const left = state.retire.pods.filter(p => livePods.includes(p));
  return left.length ? { kind: 'wait', pods: left } : { kind: 'retire', user: state.retire.user };
}

/** Names of Colyseus' pods, terminating ones included (they are listed until they are gone). */
export async function colyseusPods(kubectl: Kubectl): Promise<string[]> {
  const r = await kubectl(['get', 'pods', '-n', NAMESPACE, '-l', `${NAME_LABEL}=${ColyseusGameServer.NAME}`, '-o', 'name']);
  if (r.code !== 0) throw new MongoStepError(`listing Colyseus pods failed (exit ${r.code}): ${firstLine(r.stderr)}`);
  return r.stdout.split('\n').map(l => l.trim().replace(/^pod\//, '')).filter(Boolean);
}

export interface ColyseusOutcome {
  readonly plan: ColyseusPlan;
  /** Colyseus must roll to pick up the switched Secret (unless this run's apply replaces its pods anyway). */
  readonly rollColyseus: boolean;
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Colyseus' login, in the order that keeps the game up: (1) drop the previous user if no pod
 * may hold it; (2) the new password on the idle user; (3) Secret mongodb-colyseus switches to it;
 * (4) the pods alive at the switch are recorded, to be waited out before that user is dropped.
 * Needs mongod up; run it before the apps chart is applied. Each failure leaves the user Colyseus'
 * pods hold working: the Secret switches only to a user MongoDB already accepts.
 */
export async function reconcileColyseusUser(kubectl: Kubectl, opts: { mode: MongoDbTlsMode; password: string }): Promise<ColyseusOutcome> {
  const notes: string[] = [];
  const warnings: string[] = [];
  const secrets = [opts.password];
  const secret = await readSecret(kubectl, COLYSEUS_CREDENTIALS_SECRET);
  let state = colyseusStateOf(secret);
  if (state.active) secrets.push(state.active.password);

  if (state.retire) {
    try {
      const decision = retireDecision(state, await colyseusPods(kubectl));
      if (decision.kind === 'record-pods') {
        await applySecret(kubectl, COLYSEUS_CREDENTIALS_SECRET, secret!.data, { [RETIRE_USER_ANNOTATION]: state.retire.user, [RETIRE_PODS_ANNOTATION]: decision.pods.join(',') });
        state = { ...state, retire: { user: state.retire.user, pods: decision.pods } };
        notes.push(`${state.retire!.user} is dropped once these pods are gone: ${decision.pods.join(', ') || '(none)'}.`);
      } else if (decision.kind === 'wait') {
        notes.push(`${state.retire.user} is dropped by a later deploy, once these pods have drained: ${decision.pods.join(', ')}.`);
      } else if (decision.kind === 'retire') {
        await runScript(kubectl, opts.mode, userScript([{ op: 'drop', db: APP_DATABASE, user: decision.user }]), `dropping ${decision.user}`, secrets);
        await applySecret(kubectl, COLYSEUS_CREDENTIALS_SECRET, secret!.data);
        state = { active: state.active };
        notes.push(`Dropped ${decision.user}: no pod uses it any more.`);
      }
    } catch (error) {
      if (!(error instanceof MongoStepError)) throw error;
      // An old user left in place costs nothing; a later deploy tries again.
      warnings.push(`The previous Colyseus user stays for now: ${error.message}`);
    }
  }

  const plan = planColyseus(state, opts.password);
  const upsert = (user: string): UserOp => ({ op: 'upsert', db: APP_DATABASE, user, password: opts.password, roles: APP_ROLES });
  switch (plan.kind) {
    case 'keep':
      // Same password again: re-asserts the roles, and recreates the user if the data volume is new.
      await runScript(kubectl, opts.mode, userScript([upsert(plan.user)]), `Colyseus user ${plan.user}`, secrets);
      notes.push(`Colyseus logs in as ${plan.user} (readWrite on ${APP_DATABASE}); password unchanged.`);
      return { plan, rollColyseus: false, notes, warnings };
    case 'defer':
      warnings.push(`MONGODB_COLYSEUS_PASSWORD changed, but ${plan.reason}: Colyseus keeps ${plan.user} and its current password; a later deploy applies the new one.`);
      return { plan, rollColyseus: false, notes, warnings };
    case 'create':
      await runScript(kubectl, opts.mode, userScript([upsert(plan.user)]), `Colyseus user ${plan.user}`, secrets);
      await applySecret(kubectl, COLYSEUS_CREDENTIALS_SECRET, { username: plan.user, password: opts.password });
      notes.push(`Colyseus logs in as ${plan.user} (readWrite on ${APP_DATABASE}).`);
      // Pods reading an older template (root) roll with this run's apply, which changes their template.
      return { plan, rollColyseus: false, notes, warnings };
    case 'rotate': {
      await runScript(kubectl, opts.mode, userScript([upsert(plan.to)]), `Colyseus user ${plan.to}`, secrets);
      await applySecret(kubectl, COLYSEUS_CREDENTIALS_SECRET, { username: plan.to, password: opts.password }, { [RETIRE_USER_ANNOTATION]: plan.from });
      notes.push(`Colyseus switches from ${plan.from} to ${plan.to} (new password); ${plan.from} is dropped once no pod uses it.`);
      try {
        // Listed after the switch: every pod that may hold the old login is among them.
        const pods = await colyseusPods(kubectl);
        await applySecret(kubectl, COLYSEUS_CREDENTIALS_SECRET, { username: plan.to, password: opts.password }, { [RETIRE_USER_ANNOTATION]: plan.from, [RETIRE_PODS_ANNOTATION]: pods.join(',') });
      } catch (error) {
        if (!(error instanceof MongoStepError)) throw error;
        warnings.push(`The pods to wait out before dropping ${plan.from} were not recorded (${error.message}); the next deploy records every pod alive then.`);
      }
      return { plan, rollColyseus: true, notes, warnings };
    }
  }
}

/** Drops a user the operator names (a frontend's old one); never root, Colyseus' or the one MONGODB_URI names now. */
export function dropUserProblem(target: { db: string; user: string }, live: Env): string | undefined {
  if (target.user === live.MONGODB_USERNAME) return 'refused: that is the root user';
  if ((COLYSEUS_USERS as readonly string[]).includes(target.user)) return 'refused: Colyseus\' users are dropped by the deploy once no pod uses them';
  const current = live.MONGODB_URI ? parseFrontendUri(live.MONGODB_URI) : undefined;
  if (current && !('problem' in current) && current.user === target.user && current.authSource === target.db) {
    return 'refused: MONGODB_URI names this user now; set a new MONGODB_URI and deploy first';
  }
  return undefined;
}

export async function dropUser(kubectl: Kubectl, opts: { mode: MongoDbTlsMode; db: string; user: string }): Promise<string> {
  const r = await runScript(kubectl, opts.mode, userScript([{ op: 'drop', db: opts.db, user: opts.user }]), `dropping ${opts.user}`, []);
  return r.results?.[0] ?? 'dropped';
}
