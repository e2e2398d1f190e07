// The deploy: `npm run deploy` (also `-- --plan`, `-- --rollback`), the same on the VM by hand
// and in GitHub Actions (.github/workflows/deploy.yml). The steps live in this directory; this
// file is their order. "Push to main and it is live, or it is exactly as it was."
import * as fs from 'fs';
import * as path from 'path';
import { APP_SECRETS, SECRET_KEYS } from '../../lib/app-secrets';
import { NAMESPACE } from '../../lib/labels';
import { idOf, workloadsOf } from '../../lib/manifest';
import { serverSideApply } from './apply-flags';
import {
  applyAll, applyNamespace, changedSecretKeys, digestKey, liveObjects, liveSecretValues, liveSecrets, namespaceExists, prepare, refusals, secretObjects,
} from './apply';
import { checkCapacity, ensureK3s, k3sInstalled } from './cluster';
import { Clock, Context, DeployError, Runner, asInput, getJson, mustKubectl, processRunner, realClock } from './context';
import { checkHealth } from './health';
import { buildImages, checkPullable, planImages } from './images';
import { keyOf, prepareManifests } from './manifests';
import {
  MongodbOutcome, mongodbAfterStores, mongodbSecretParts, mongodbBeforeAppSecrets, mongodbBeforeStores, mongodbSummaryLines, mongodbWorkload, needsColyseusLogin, planMongodb, restartForColyseusLogin,
} from './mongodb';
import { DeployOptionsError, Env, loadDeployOptions, withRepositoryVariables } from './options';
import { preflight } from './preflight';
import { findPrunable, prune } from './prune';
import { RELEASES_CONFIGMAP, Release, decodeReleases, recordRelease, releasesManifest } from './release';
import { restore, restorePlan } from './restore';
import { dropPreviousPassword, rotationSecrets } from './redis-rotation';
import { appSecretsManifest, redactor, secretValuesFrom } from './secrets';
import { waitForWorkloads } from './wait';

export { DEFAULT_K3S_VERSION } from './options';

export type Mode = 'deploy' | 'plan' | 'rollback';

async function releases(ctx: Context): Promise<Release[]> {
  const live = await getJson(ctx, ['configmap', RELEASES_CONFIGMAP, '-n', NAMESPACE]);
  return live ? decodeReleases(live) : [];
}

async function saveReleases(ctx: Context, history: readonly Release[]): Promise<void> {
  await mustKubectl(ctx, ['apply', ...serverSideApply(), '-f', '-'], { input: asInput([releasesManifest(history)]) });
}

function summary(ctx: Context, outcome: string, lines: readonly string[]): void {
  ctx.log(`\n${lines.join('\n')}\n\nDeploy ${outcome}`);
  if (ctx.opts.summaryFile) fs.appendFileSync(ctx.opts.summaryFile, ctx.redact([`## Deploy ${outcome}`, '', ...lines, ''].join('\n')));
}

/** The deploy, --plan included. */
async function deploy(ctx: Context, plan: boolean): Promise<string[]> {
  const pre = await preflight(ctx);
  if (plan && !k3sInstalled(ctx)) {
    const images = Object.values(pre.images);
    return [`k3s is not installed: a deploy would install k3s ${ctx.opts.k3sVersion}, build ${images.join(', ')} and create all ${pre.objects.length} objects.`];
  }
  // Installed (a plan returned above otherwise): only this user's kubeconfig and the node check.
  await ensureK3s(ctx);
  await checkCapacity(ctx, pre.objects);
  const images = await planImages(ctx, pre.images);
  const lines = [`images to build: ${images.filter(i => i.build).map(i => i.image).join(', ') || 'none'}`];
  if (!plan) {
    await buildImages(ctx, images);
    await checkPullable(ctx, Object.values(pre.images));
  }

  const values = secretValuesFrom(ctx.env);
  const exists = await namespaceExists(ctx);
  if (plan && !exists) return [...lines, `first deploy: all ${pre.objects.length} objects would be created.`];
  ctx.log('\n==> Namespace, dry run and diff');
  const history = await releases(ctx);
  const secretBefore = await liveSecretValues(ctx, APP_SECRETS);
  // Every Secret this run writes, as it is now: a failure puts each back (or removes it).
  const secretsBefore = await liveSecrets(ctx, secretObjects(ctx, values, secretBefore).map(o => o.metadata.name));
  const liveBefore = exists ? await liveObjects(ctx, pre.objects) : new Map<string, any>();
  const since = ctx.clock.now();
  // What has been written: nothing, only the Namespace (refusals come before anything else), or all.
  let written: 'nothing' | 'namespace' | 'all' = 'nothing';
  let applied = pre.objects;
  const fail = async (error: unknown): Promise<never> => {
    if (written === 'namespace' && error instanceof DeployError) {
      // Only the Namespace changed: put the release's back (a first deploy keeps it: it holds no data yet).
      const namespace = history[0]?.manifests.filter(m => m.kind === 'Namespace') ?? [];
      if (namespace.length) await mustKubectl(ctx, ['apply', ...serverSideApply(), '-f', '-'], { input: asInput(namespace) });
      throw new DeployError(`${error.message}; only the Namespace had been applied${namespace.length ? ', and it is back on the last good release' : ''}`);
    }
    if (written === 'all' && error instanceof DeployError) {
      const restorePlanned = restorePlan(history[0], applied, new Set(liveBefore.keys()));
      const problems = await restore(ctx, restorePlanned, secretsBefore, ctx.clock.now());
      throw new DeployError(`${error.message}; ${problems.length ? `the rollback had problems: ${problems.join('; ')}` : `the cluster is back on the last good release${history[0] ? ` (${history[0].commit.slice(0, 12)})` : ' (none: what this run created was removed)'}`}`);
    }
    throw error;
  };
  try {
    if (!plan) {
      written = 'namespace';
      await applyNamespace(ctx, prepareManifests(pre.objects, new Map()));
    }
    const prepared = prepare(pre.objects, values, await digestKey(ctx, plan));
    applied = prepared;
    const refused = await refusals(ctx, prepared, secretObjects(ctx, values, secretBefore));
    const keys = changedSecretKeys(secretBefore, values);
    // Pod templates against the last release's (the live ones carry server defaults).
    const previous = new Map((history[0]?.manifests ?? []).map(m => [keyOf(m), m]));
    const restarts = workloadsOf(prepared).filter(w => {
      const before = previous.get(keyOf(w.object));
      return before && JSON.stringify(before.spec.template) !== JSON.stringify(w.object.spec.template);
    }).map(w => w.id);
    const prunable = await findPrunable(ctx, prepared);
    lines.push(
      `objects that change: ${refused.changed.join(', ') || 'none'}`,
      `secret keys that change: ${keys.join(', ') || 'none'}`,
      ...(rotationSecrets(secretBefore, values).length ? ['Redis password rotation: Redis also accepts the current password until no pod holds it'] : []),
      `workloads whose pods are replaced: ${restarts.join(', ') || 'none'}`,
      `objects to prune after a healthy rollout: ${prunable.map(o => `${o.kind}/${o.name}`).join(', ') || 'none'}`,
    );
    if (plan) return [...lines, ...await planMongodb(ctx, secretBefore), '', '<details><summary>kubectl diff</summary>', '', '```diff', refused.diff.slice(0, 60_000), '```', '</details>'];

    // Root's new password is in MongoDB now: a rollback keeps it in app-secrets (the old one no longer logs in).
    if (await mongodbBeforeAppSecrets(ctx, secretBefore) && secretBefore) {
      secretsBefore.set(APP_SECRETS, appSecretsManifest({ ...secretBefore, MONGODB_PASSWORD: values.MONGODB_PASSWORD }));
    }
    const certificates = await mongodbBeforeStores(ctx);
    ctx.log('\n==> Apply');
    written = 'all';
    // Colyseus only once MongoDB has its user and Secret mongodb-colyseus names it.
    const held = new Set(needsColyseusLogin(prepared));
    await applyAll(ctx, [...secretObjects(ctx, values, secretBefore), ...prepared.filter(o => !held.has(o))]);
    await waitForWorkloads(ctx, mongodbWorkload(prepared), since, 'forward');
    const mongodb: MongodbOutcome = await mongodbAfterStores(ctx, certificates, secretBefore);
    await applyAll(ctx, [...held]);
    if (mongodb.rollColyseus) await restartForColyseusLogin(ctx, [...held].filter(w => !restarts.includes(idOf(w))));
    ctx.log('\n==> Rollout (every workload)');
    const waited = await waitForWorkloads(ctx, prepared, since, 'forward');
    const failed = await checkHealth(ctx, prepared);
    if (failed.length) throw new DeployError(`health checks failed: ${failed.join(', ')}`);
    const pruned = await prune(ctx, prunable);
    const release: Release = { commit: pre.commit, images: pre.images, manifests: prepared, pruned, deployedAt: new Date(ctx.clock.now()).toISOString() };
    await saveReleases(ctx, recordRelease(history, release, ctx.opts.releaseHistory));
    // The release is good; Redis drops a rotated-out password once its draining readers are gone.
    const previousRedisPassword = await dropPreviousPassword(ctx, prepared, values);
    lines.push(`pruned: ${pruned.join(', ') || 'none'}`, `previous Redis password: ${previousRedisPassword}`, '', '| workload | ready after |', '| --- | ---: |',
      ...Object.entries(waited.seconds).map(([id, s]) => `| ${id} | ${s.toFixed(0)} s |`));
    lines.push(...mongodbSummaryLines(ctx, certificates, mongodb));
    return [...lines, '', '<details><summary>kubectl diff</summary>', '', '```diff', refused.diff.slice(0, 60_000), '```', '</details>'];
  } catch (error) {
    return fail(error);
  }
}

/** --rollback: the previous release back, by the same restore a failed deploy uses. */
async function rollback(ctx: Context): Promise<string[]> {
  await ensureK3s(ctx);
  const history = await releases(ctx);
  if (history.length < 2) throw new DeployError(`no previous release to roll back to (${history.length} recorded)`);
  const [current, previous] = history;
  ctx.log(`Rolling back from ${current.commit.slice(0, 12)} to ${previous.commit.slice(0, 12)} (deployed ${previous.deployedAt})`);
  // The previous release's manifests; objects only the current release has are removed.
  const plan = restorePlan(previous, current.manifests, new Set());
  const problems = await restore(ctx, plan, undefined, ctx.clock.now());
  if (problems.length) throw new DeployError(`rollback incomplete: ${problems.join('; ')}`);
  await saveReleases(ctx, history.slice(1));
  return [`rolled back to ${previous.commit} (images ${Object.values(previous.images).join(', ')})`,
    'Secret app-secrets keeps its current values (the release record holds no secret values).'];
}

export interface RunDeps { readonly run?: Runner; readonly clock?: Clock; readonly out?: (line: string) => void }

/** Runs the deploy in `root` with `env`; returns the exit code. */
export async function main(root: string, rawEnv: Env, argv: readonly string[], deps: RunDeps = {}): Promise<number> {
  const out = deps.out ?? ((line: string) => console.log(line));
  const env = withRepositoryVariables(rawEnv);
  const unknown = argv.filter(a => !['--plan', '--rollback'].includes(a));
  if (unknown.length || (argv.includes('--plan') && argv.includes('--rollback'))) {
    out(`error: unknown arguments "${argv.join(' ')}"; accepted: none, --plan, or --rollback`);
    return 2;
  }
  const mode: Mode = argv.includes('--plan') ? 'plan' : argv.includes('--rollback') ? 'rollback' : 'deploy';
  const redact = redactor([...SECRET_KEYS.map(k => env[k]), env.GHCR_PULL_TOKEN, ...mongodbSecretParts(env)]);
  const log = (text: string) => out(redact(text));
  let opts;
  try {
    opts = loadDeployOptions(env);
  } catch (error) {
    if (!(error instanceof DeployOptionsError)) throw error;
    for (const p of error.problems) log(`error: ${p}`);
    return 1;
  }
  const ctx: Context = { root, env, opts, run: deps.run ?? processRunner(root, env, log), clock: deps.clock ?? realClock, log, redact };
  const started = ctx.clock.now();
  try {
    const lines = mode === 'rollback' ? await rollback(ctx) : await deploy(ctx, mode === 'plan');
    summary(ctx, mode === 'plan' ? 'plan (nothing changed)' : `${mode === 'rollback' ? 'rollback' : ''} succeeded in ${((ctx.clock.now() - started) / 1000).toFixed(0)} s`.trim(), lines);
    return 0;
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    log(`\nerror: ${error.message}`);
    summary(ctx, `failed: ${error.message}`, []);
    return 1;
  }
}

if (require.main === module) {
  main(path.resolve(__dirname, '../..'), process.env, process.argv.slice(2)).then(code => { process.exitCode = code; });
}
