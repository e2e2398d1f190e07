// Secret app-secrets (values only in memory and on kubectl's stdin), the pull Secret, and the
// keyed digest that restarts exactly the workloads whose keys changed.
import { createHmac } from 'crypto';
import { APP_SECRETS, SECRET_KEYS } from '../../lib/app-secrets';
import { NAMESPACE, PART_OF } from '../../lib/labels';
import { Manifest, workloadsOf } from '../../lib/manifest';
import { Env } from './options';

/** Annotation on each pod template: a digest of the keys that workload reads. */
export const SECRET_DIGEST_ANNOTATION = 'deploy.codeclashers.dev/secret-digest';
/** Secret, owned by the deploy, holding the digest's HMAC key (never leaves the cluster and this process). */
export const DIGEST_KEY_SECRET = 'codeclashers-deploy-digest-key';


export type SecretValues = Readonly<Record<string, string>>;

/** Every key of app-secrets from the environment (unset: empty). */
export function secretValuesFrom(env: Env): SecretValues {
  return Object.fromEntries(SECRET_KEYS.map(k => [k, env[k] ?? '']));
}

/** Decodes a live Secret's base64 `data`. */
export function decodeSecret(data: Record<string, string> | undefined): SecretValues {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

export function appSecretsManifest(values: SecretValues): Manifest {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: APP_SECRETS, namespace: NAMESPACE, labels: { 'app.kubernetes.io/part-of': PART_OF } },
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

export function digestKeyManifest(key: string): Manifest {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: DIGEST_KEY_SECRET, namespace: NAMESPACE },
    data: { key: Buffer.from(key).toString('base64') },
  };
}

export function pullSecretManifest(name: string, registryHost: string, user: string, token: string): Manifest {
  const auth = Buffer.from(`${user}:${token}`).toString('base64');
  const config = JSON.stringify({ auths: { [registryHost]: { username: user, password: token, auth } } });
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson',
    metadata: { name, namespace: NAMESPACE },
    data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
  };
}

/** Keys of app-secrets each workload reads (secretKeyRef), by `Kind/name`: read from the manifests. */
export function secretKeysByWorkload(objects: readonly Manifest[]): Map<string, string[]> {
  return new Map(workloadsOf(objects).map(w => [w.id, [...new Set(w.containers
    .flatMap(c => [...(c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef), ...(c.envFrom ?? []).map((e: any) => e.secretRef && { name: e.secretRef.name, key: '*' })])
    .filter((ref: any) => ref?.name === APP_SECRETS)
    .flatMap((ref: any) => (ref.key === '*' ? [...SECRET_KEYS] : [ref.key])))].sort()]));
}

/**
 * HMAC-SHA256 of exactly `keys`' values under `hmacKey`: it changes when one of them changes,
 * and, keyed, reveals nothing about a short password (a plain hash could be brute-forced).
 */
export function secretDigest(values: SecretValues, keys: readonly string[], hmacKey: string): string {
  const mac = createHmac('sha256', hmacKey);
  for (const k of [...keys].sort()) mac.update(`${k}\0${values[k] ?? ''}\0`);
  return mac.digest('hex').slice(0, 32);
}

/** Replaces every secret value that occurs in `text` with ***. */
export function redactor(values: readonly (string | undefined)[]): (text: string) => string {
  const secrets = values.filter((v): v is string => !!v && v.length >= 4).sort((a, b) => b.length - a.length);
  return text => secrets.reduce((t, v) => t.split(v).join('***'), text);
}
