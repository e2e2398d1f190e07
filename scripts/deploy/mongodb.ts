// The MongoDB steps (scripts/mongodb/steps.ts) in the deploy: the deploy's own kubectl (explicit
// --kubeconfig, redacted output) handed to them, their failures phrased as DeployErrors, and the
// one ordering they need from the apply: the workloads that log in with Colyseus' MongoDB user
// are applied only once MongoDB has that user and Secret mongodb-colyseus names it.
import { loadConfig } from '../../lib/config';
import { NAMESPACE } from '../../lib/labels';
import { Manifest, workloadsOf } from '../../lib/manifest';
import { MongoDbStore } from '../../lib/mongodb-store';
import { COLYSEUS_CREDENTIALS_SECRET } from '../../lib/mongodb-users';
import { CertificateReport } from '../mongodb/certificates';
import { Kubectl, MongoStepError } from '../mongodb/kubectl';
import { afterStores, beforeAppSecrets, beforeStores } from '../mongodb/steps';
import { mongodbSummary } from '../mongodb/summary';
import { liveTlsMode, tlsTransitionProblem } from '../mongodb/tls-mode';
import { parseFrontendUri, rootPlan } from '../mongodb/users';
import { Context, DeployError, kubectl, mustKubectl } from './context';
import { Env } from './options';
import { SecretValues } from './secrets';

/** The deploy's kubectl, in the shape the MongoDB steps take. */
export function mongoKubectl(ctx: Context): Kubectl {
  return async (args, opts = {}) => {
    const r = await kubectl(ctx, args, { input: opts.stdin });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** Secret values inside other values, for the redactor: the frontend's password in MONGODB_URI. */
export function mongodbSecretParts(env: Env): string[] {
  const login = env.MONGODB_URI?.trim() ? parseFrontendUri(env.MONGODB_URI.trim()) : undefined;
  return login && !('problem' in login) ? [login.password] : [];
}

/** A MongoDB step's own failure becomes the deploy's (the message holds no value). */
async function step<T>(ctx: Context, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MongoStepError) throw new DeployError(`MongoDB, ${what}: ${ctx.redact(error.message)}`);
    throw error;
  }
}

function settings(ctx: Context) {
  const config = loadConfig(ctx.env);
  return { tls: config.mongodb.tls, publicAddress: config.mongodb.publicAddress, allowedCidrs: config.mongodbAllowedCidrs };
}

/** What --plan says about MongoDB: read-only checks, the same refusals a deploy would stop on. */
export async function planMongodb(ctx: Context, live: SecretValues | undefined): Promise<string[]> {
  const { tls } = settings(ctx);
  const problems: string[] = [];
  const transition = tlsTransitionProblem(await step(ctx, 'reading its TLS mode', () => liveTlsMode(mongoKubectl(ctx))), tls);
  if (transition) problems.push(transition);
  const root = rootPlan(live, ctx.env);
  if (root.kind === 'refuse') problems.push(root.problem);
  if (problems.length) throw new DeployError(`MongoDB would refuse this deploy:\n  - ${problems.join('\n  - ')}`);
  return [`MongoDB: TLS ${tls}; root password ${root.kind === 'rotate' ? 'changes in MongoDB before Secret app-secrets' : 'unchanged'}`];
}

/**
 * Before Secret app-secrets is applied: refuses an off <-> require jump and a root rename, and
 * changes root's password in MongoDB first when it changed. Returns whether root's password in
 * MongoDB is now the new one (a rollback must then keep the new MONGODB_PASSWORD in the Secret).
 */
export async function mongodbBeforeAppSecrets(ctx: Context, live: SecretValues | undefined): Promise<boolean> {
  ctx.log('\n==> MongoDB: TLS transition and root password');
  const { tls } = settings(ctx);
  const r = await step(ctx, 'before Secret app-secrets', () => beforeAppSecrets(mongoKubectl(ctx), { env: ctx.env, live, tls }));
  if (r.problems.length) throw new DeployError(`MongoDB refuses this deploy, Secret app-secrets was not applied:\n  - ${r.problems.join('\n  - ')}`);
  if (r.root !== 'unchanged') ctx.log(`root password: ${r.root === 'changed' ? 'changed in MongoDB' : 'already changed in MongoDB by an earlier run'}`);
  return r.root !== 'unchanged';
}

/** Before the stores are applied: the CA and server certificate Secrets mongod mounts. */
export async function mongodbBeforeStores(ctx: Context): Promise<CertificateReport | undefined> {
  ctx.log('\n==> MongoDB: certificates');
  const { tls, publicAddress } = settings(ctx);
  const report = await step(ctx, 'certificates', () => beforeStores(mongoKubectl(ctx), { tls, publicAddress, now: new Date(ctx.clock.now()) }));
  if (report) ctx.log(`CA ${report.caCreated ? 'created' : 'kept'}; server certificate ${report.serverIssued ? `issued (${report.serverIssued})` : 'kept'}`);
  return report;
}

/** Workloads whose pods log in with Colyseus' MongoDB user: applied after mongodbAfterStores. */
export function needsColyseusLogin(objects: readonly Manifest[]): Manifest[] {
  return workloadsOf(objects).filter(w => w.containers.some(c => (c.env ?? [])
    .some((e: any) => e.valueFrom?.secretKeyRef?.name === COLYSEUS_CREDENTIALS_SECRET))).map(w => w.object);
}

/** StatefulSet mongodb among `objects` (what to wait for before the user steps). */
export function mongodbWorkload(objects: readonly Manifest[]): Manifest[] {
  return objects.filter(o => o.kind === 'StatefulSet' && o.metadata.name === MongoDbStore.NAME);
}

export interface MongodbOutcome {
  readonly rollColyseus: boolean;
  readonly notes: string[];
  readonly warnings: string[];
}

/** Once mongod is ready: a renewed certificate loaded, Colyseus' and the frontend's users. */
export async function mongodbAfterStores(ctx: Context, certificates: CertificateReport | undefined, previous: SecretValues | undefined): Promise<MongodbOutcome> {
  ctx.log('\n==> MongoDB: users');
  const { tls } = settings(ctx);
  const r = await step(ctx, 'users', () => afterStores(mongoKubectl(ctx), { env: ctx.env, tls, certificates, previousUri: previous?.MONGODB_URI || undefined }));
  for (const n of [...r.notes, ...r.warnings]) ctx.log(n);
  return r;
}

/**
 * Colyseus switched to its other user: the workloads that log in with it roll to read the
 * switched Secret (those this run's apply replaces anyway are left out by the caller). The old
 * user stays valid until their old pods are gone.
 */
export async function restartForColyseusLogin(ctx: Context, workloads: readonly Manifest[]): Promise<void> {
  for (const w of workloads) {
    const ref = `${w.kind.toLowerCase()}/${w.metadata.name}`;
    ctx.log(`Colyseus' MongoDB user switched: kubectl rollout restart ${ref}`);
    await mustKubectl(ctx, ['rollout', 'restart', ref, '-n', NAMESPACE]);
  }
}

/** The MongoDB part of the job summary (the CA certificate is public; no value of a secret). */
export function mongodbSummaryLines(ctx: Context, certificates: CertificateReport | undefined, outcome: MongodbOutcome | undefined): string[] {
  const { tls, publicAddress, allowedCidrs } = settings(ctx);
  return ['', mongodbSummary({ mode: tls, publicAddress, allowedCidrs, certificates, notes: outcome?.notes, warnings: outcome?.warnings }).trimEnd()];
}
