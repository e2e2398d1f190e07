// Steps 5-6: the Namespace first, then refusals before any other write (server-side dry run and
// diff with the apply's own flags), then the Secrets and the manifests.
import { randomBytes } from 'crypto';
import { SECRET_KEYS } from '../../lib/app-secrets';
import { IMAGE_PULL_SECRET, NAMESPACE } from '../../lib/labels';
import { Manifest } from '../../lib/manifest';
import { serverSideApply } from './apply-flags';
import { Context, DeployError, asInput, getJson, kubectl, mustKubectl } from './context';
import { keyOf, prepareManifests } from './manifests';
import { rotationSecrets } from './redis-rotation';
import { DIGEST_KEY_SECRET, SecretValues, appSecretsManifest, decodeSecret, digestKeyManifest, pullSecretManifest, secretDigest, secretKeysByWorkload } from './secrets';

export async function namespaceExists(ctx: Context): Promise<boolean> {
  return (await getJson(ctx, ['namespace', NAMESPACE])) !== undefined;
}

/** A dry run of namespaced objects fails while their namespace does not exist (kubernetes#83562): apply it first. */
export async function applyNamespace(ctx: Context, objects: readonly Manifest[]): Promise<void> {
  const namespace = objects.filter(o => o.kind === 'Namespace');
  await mustKubectl(ctx, ['apply', ...serverSideApply(), '-f', '-'], { input: asInput(namespace) });
}

/** The live Secret's values (held in memory, to restore on failure); undefined when absent. */
export async function liveSecretValues(ctx: Context, name: string): Promise<SecretValues | undefined> {
  const live = await getJson(ctx, ['secret', name, '-n', NAMESPACE]);
  return live && decodeSecret(live.data);
}

/** Secrets as they are now, by name (undefined: absent), held in memory to put back on failure. */
export async function liveSecrets(ctx: Context, names: readonly string[]): Promise<Map<string, Manifest | undefined>> {
  const before = new Map<string, Manifest | undefined>();
  for (const name of names) {
    const live = await getJson(ctx, ['secret', name, '-n', NAMESPACE]);
    before.set(name, live && {
      apiVersion: 'v1', kind: 'Secret', type: live.type,
      metadata: { name, namespace: NAMESPACE, ...(live.metadata.labels ? { labels: live.metadata.labels } : {}) },
      data: live.data ?? {},
    });
  }
  return before;
}

/** The digest key, created in the cluster on first use; `plan` never writes one. */
export async function digestKey(ctx: Context, plan: boolean): Promise<string> {
  const live = await liveSecretValues(ctx, DIGEST_KEY_SECRET);
  if (live?.key) return live.key;
  const key = randomBytes(32).toString('hex');
  if (!plan) await mustKubectl(ctx, ['apply', ...serverSideApply(), '-f', '-'], { input: asInput([digestKeyManifest(key)]) });
  return key;
}

/** dist/'s objects with the deploy's label and each workload's digest of the keys it reads. */
export function prepare(objects: readonly Manifest[], values: SecretValues, hmacKey: string): Manifest[] {
  const digests = new Map([...secretKeysByWorkload(objects)].map(([id, keys]) => [id, secretDigest(values, keys, hmacKey)]));
  return prepareManifests(objects, digests);
}

/** app-secrets, the pull Secret, and during a Redis password rotation the previous password. */
export function secretObjects(ctx: Context, values: SecretValues, before: SecretValues | undefined): Manifest[] {
  const host = ctx.opts.imageRegistry.split('/')[0];
  return [
    appSecretsManifest(values),
    ...rotationSecrets(before, values),
    ...(ctx.opts.pullToken ? [pullSecretManifest(IMAGE_PULL_SECRET, host, ctx.opts.pullUser, ctx.opts.pullToken)] : []),
  ];
}

export interface Refusals { readonly diff: string; readonly changed: string[] }

/**
 * Nothing but the Namespace is written yet. The server-side dry run refuses what the apply
 * would refuse (immutable fields, schema); Pod Security only warns on workloads, and its pods
 * would then be refused by their controller, so a `would violate PodSecurity` warning refuses too.
 */
export async function refusals(ctx: Context, prepared: readonly Manifest[], secrets: readonly Manifest[]): Promise<Refusals> {
  const dry = await kubectl(ctx, ['apply', ...serverSideApply('dry-run'), '-f', '-'], { input: asInput([...prepared, ...secrets]) });
  // Workloads get a warning for the `warn` level too: only the `enforce` level's refuses pods.
  const enforce = prepared.find(o => o.kind === 'Namespace')?.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? 'privileged';
  const warnings = dry.stderr.split('\n').filter(l => l.includes(`would violate PodSecurity "${enforce}:`));
  if (dry.status !== 0 || warnings.length) {
    const lines = (warnings.length ? warnings : dry.stderr.split('\n').filter(l => l.trim())).slice(0, 10);
    throw new DeployError(`the server-side dry run refused the change, nothing was applied:\n  ${ctx.redact(lines.join('\n  '))}${immutableAdvice(lines.join('\n'))}`);
  }
  // Secrets stay out of the diff: their change is reported by key name.
  // The apply's own flags, without --dry-run: a diff is one.
  const diff = await kubectl(ctx, ['diff', ...serverSideApply(), '-f', '-'], { input: asInput(prepared) });
  if (diff.status > 1) throw new DeployError(`kubectl diff failed (exit ${diff.status}), nothing was applied: ${ctx.redact(diff.stderr.trim().split('\n').pop() ?? '')}`);
  return { diff: ctx.redact(diff.stdout), changed: changedInDiff(diff.stdout) };
}

function immutableAdvice(text: string): string {
  return /Forbidden|immutable/.test(text)
    ? '\n  Storage size, class and provisioner cannot change after the first deploy (README.md, "Knobs fixed after the first deploy").'
    : '';
}

/** `Kind/name` of each object `kubectl diff` reports (its header lines name LIVE/MERGED files `group.version.Kind.namespace.name`). */
export function changedInDiff(diff: string): string[] {
  return [...new Set(diff.split('\n').filter(l => l.startsWith('diff ')).map(l => {
    const file = l.trim().split(/\s+/).pop()!.split('/').pop()!;
    const parts = file.split('.');
    const kindAt = parts.findIndex(p => /^[A-Z]/.test(p));
    return `${parts[kindAt]}/${parts[parts.length - 1]}`;
  }))];
}

/** What exists now of `objects`, as the cluster returns them (the snapshot a failed run returns to). */
export async function liveObjects(ctx: Context, objects: readonly Manifest[]): Promise<Map<string, any>> {
  const r = await mustKubectl(ctx, ['get', '-f', '-', '-o', 'json', '--ignore-not-found'], { input: asInput(objects) });
  const items = r.stdout.trim() ? (JSON.parse(r.stdout).items ?? [JSON.parse(r.stdout)]) : [];
  return new Map(items.map((o: any) => [keyOf(o), o]));
}

/** Keys whose value this run changes, by name only. */
export function changedSecretKeys(before: SecretValues | undefined, after: SecretValues): string[] {
  return SECRET_KEYS.filter(k => before?.[k] !== after[k]);
}

/** One apply of everything; an API server restart can still fail it part-way (the caller restores). */
export async function applyAll(ctx: Context, objects: readonly Manifest[]): Promise<void> {
  const r = await kubectl(ctx, ['apply', ...serverSideApply(), '-f', '-'], { input: asInput(objects) });
  for (const line of r.stdout.split('\n').filter(Boolean)) ctx.log(`  ${line}`);
  if (r.status !== 0) throw new DeployError(`kubectl apply failed part-way (exit ${r.status}): ${ctx.redact(r.stderr.trim().split('\n').slice(-2).join(' | '))}`);
}

