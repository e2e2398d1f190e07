// The MongoDB security steps, in the order a deploy runs them around its own steps. Each takes
// data in and gives data out; the cluster is reached only through the injected kubectl.
//
//   preflight (nothing touched)   mongodbPreflight(env)                          -> problems
//   before Secret app-secrets     beforeAppSecrets(kubectl, {env, live, tls})    -> problems | root changed
//   before applying 2-stores      beforeStores(kubectl, {publicAddress})         -> certificates
//   after mongodb is ready        afterStores(kubectl, {...})                    -> rollColyseus, notes, warnings
//   after applying 3-apps         if rollColyseus and this run did not replace Colyseus' pods:
//                                 kubectl rollout restart deployment/colyseus, then wait as for any rollout
//   health check                  kubectl exec statefulset/mongodb -- <mongodbPingCommand(tls)>
//   job summary                   mongodbSummary({...})
//
// Wired into the deploy by scripts/deploy/mongodb.ts. Statefulset/mongodb is not restarted for a
// changed MONGODB_USERNAME/MONGODB_PASSWORD: its pod reads them as files mounted from the Secret
// (MONGO_INITDB_ROOT_*_FILE, lib/mongodb-store.ts), so no digest covers them; the image uses them
// only on first start, and beforeAppSecrets has already changed the password in MongoDB.
import { MongoDbTlsMode } from '../../lib/mongodb-tls';
import { CertificateReport, ensureCertificates } from './certificates';
import { Kubectl, MongoStepError } from './kubectl';
import { liveTlsMode, reloadCertificates, tlsTransitionProblem } from './tls-mode';
import { mongodbSecretProblems, reconcileColyseusUser, reconcileFrontendUser, rootPlan, rotateRootPassword } from './users';

type Env = Readonly<Record<string, string | undefined>>;

/** Preflight, before the cluster is touched: one line per problem, no value in any. */
export function mongodbPreflight(env: Env): string[] {
  return mongodbSecretProblems(env);
}

/**
 * Before Secret app-secrets is applied. `live` is the data of the app-secrets now in the cluster
 * (undefined on a first install). Refuses an off <-> require jump and a root rename; changes
 * root's password in MongoDB first when it changed. If this throws, do not apply app-secrets.
 */
export async function beforeAppSecrets(kubectl: Kubectl, opts: { env: Env; live: Env | undefined; tls: MongoDbTlsMode }): Promise<{ problems: string[]; root: 'unchanged' | 'changed' | 'already' }> {
  const problems: string[] = [];
  const live = await liveTlsMode(kubectl);
  const transition = tlsTransitionProblem(live, opts.tls);
  if (transition) problems.push(transition);
  const plan = rootPlan(opts.live, opts.env);
  if (plan.kind === 'refuse') problems.push(plan.problem);
  if (problems.length || plan.kind !== 'rotate') return { problems, root: 'unchanged' };
  // mongod is still running with the live TLS mode: talk to it that way.
  return { problems, root: await rotateRootPassword(kubectl, { mode: live ?? opts.tls, newPassword: opts.env.MONGODB_PASSWORD! }) };
}

/** Before 2-stores is applied: the Secrets mongod mounts must exist (TLS off: nothing to do). */
export async function beforeStores(kubectl: Kubectl, opts: { tls: MongoDbTlsMode; publicAddress: string; now?: Date }): Promise<CertificateReport | undefined> {
  if (opts.tls === 'off') return undefined;
  return ensureCertificates(kubectl, { publicAddress: opts.publicAddress, now: opts.now });
}

export interface AfterStoresOutcome {
  /** Colyseus must roll to log in with its new password. */
  readonly rollColyseus: boolean;
  readonly notes: string[];
  readonly warnings: string[];
}

/**
 * Once statefulset/mongodb is ready, before 3-apps is applied (Colyseus' pods need Secret
 * mongodb-colyseus): a renewed certificate loaded, Colyseus' and the frontend's users.
 * `previousUri` is MONGODB_URI as it was in the live app-secrets before this run.
 */
export async function afterStores(kubectl: Kubectl, opts: { env: Env; tls: MongoDbTlsMode; certificates?: CertificateReport; previousUri?: string }): Promise<AfterStoresOutcome> {
  const notes: string[] = [];
  const warnings: string[] = [];
  if (opts.certificates?.serverIssued) {
    try {
      await reloadCertificates(kubectl, { mode: opts.tls, certPem: opts.certificates.serverCertPem });
      notes.push('mongod loaded the new server certificate (rotateCertificates).');
    } catch (error) {
      if (!(error instanceof MongoStepError)) throw error;
      warnings.push(error.message);
    }
  }
  const password = opts.env.MONGODB_COLYSEUS_PASSWORD?.trim();
  if (!password) throw new MongoStepError('MONGODB_COLYSEUS_PASSWORD is empty; accepted: 16 or more of A-Z a-z 0-9 . _ ~ - (a GitHub secret)');
  // The frontend's user first: if it fails, Colyseus' login has not switched (a switch is the
  // one change a failed deploy leaves behind, since the old user stays until its pods are gone).
  const uri = opts.env.MONGODB_URI?.trim();
  const frontend = uri ? (await reconcileFrontendUser(kubectl, { mode: opts.tls, uri, previousUri: opts.previousUri })).notes : [];
  const colyseus = await reconcileColyseusUser(kubectl, { mode: opts.tls, password });
  notes.push(...colyseus.notes, ...frontend);
  warnings.push(...colyseus.warnings);
  return { rollColyseus: colyseus.rollColyseus, notes, warnings };
}
