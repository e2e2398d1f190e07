// Returning the cluster to a release: every object this run touched back to the release's
// manifests (specs, replicas, images), the Secrets' previous values, objects this run created
// deleted (never a PVC or the Namespace). Not `rollout undo`, which restores only a pod
// template, goes one release too far after a replicas-only change, and fails on a first deploy.
import { NAMESPACE } from '../../lib/labels';
import { Manifest } from '../../lib/manifest';
import { serverSideApply } from './apply-flags';
import { Context, DeployError, asInput, kubectl } from './context';
import { keyOf } from './manifests';
import { Release } from './release';
import { waitForWorkloads } from './wait';

/** Kinds a restore never deletes: data (PVCs), and the Namespace (deleting it deletes its PVCs). */
const NEVER_DELETED = ['PersistentVolumeClaim', 'PersistentVolume', 'Namespace', 'StorageClass'];

export interface RestorePlan {
  /** Objects to apply: the release's manifests. */
  readonly apply: readonly Manifest[];
  /** `Kind/namespace/name` of objects to delete: created by this run, absent from the release. */
  readonly remove: readonly string[];
}

/** What returns the cluster to `release` (undefined: there was none, the first deploy). */
export function restorePlan(release: Release | undefined, applied: readonly Manifest[], liveBefore: ReadonlySet<string>): RestorePlan {
  const inRelease = new Set((release?.manifests ?? []).map(keyOf));
  const remove = applied.filter(o => !liveBefore.has(keyOf(o)) && !inRelease.has(keyOf(o)) && !NEVER_DELETED.includes(o.kind)).map(keyOf);
  return { apply: release?.manifests ?? [], remove };
}

/**
 * `secretsBefore`: each Secret the failed run wrote (app-secrets, the pull Secret, a rotated-out
 * Redis password) as it was before, undefined when the run created it; none for --rollback.
 */
export async function restore(ctx: Context, plan: RestorePlan, secretsBefore: ReadonlyMap<string, Manifest | undefined> | undefined, since: number): Promise<string[]> {
  ctx.log('\n==> Rollback to the last good release');
  const problems: string[] = [];
  const step = async (what: string, args: string[], input?: string) => {
    const r = await kubectl(ctx, args, { input });
    if (r.status !== 0) problems.push(`${what}: ${ctx.redact(r.stderr.trim().split('\n').pop() ?? '')}`);
  };
  for (const [name, before] of secretsBefore ?? []) {
    if (before) await step(`Secret ${name}`, ['apply', ...serverSideApply(), '-f', '-'], asInput([before]));
    else await step(`delete Secret ${name}`, ['delete', 'secret', name, '-n', NAMESPACE, '--ignore-not-found']);
  }
  if (plan.apply.length) await step('release manifests', ['apply', ...serverSideApply(), '-f', '-'], asInput(plan.apply));
  for (const key of plan.remove) {
    const [kind, namespace, name] = key.split('/');
    await step(`delete ${kind}/${name}`, ['delete', `${kind.toLowerCase()}/${name}`, ...(namespace ? ['-n', namespace] : []), '--ignore-not-found', '--wait=false']);
  }
  if (plan.remove.length) ctx.log(`Removed (created by this run): ${plan.remove.map(k => k.split('/').filter(Boolean).join('/')).join(', ')}`);
  try {
    await waitForWorkloads(ctx, plan.apply, since, 'rollback');
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    problems.push(`after the rollback, ${error.message}`);
  }
  for (const p of problems) ctx.log(`rollback problem: ${p}`);
  return problems;
}

