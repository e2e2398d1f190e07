// Moving MongoDB between TLS modes without cutting off a client that is still on the other side.
import { NAMESPACE } from '../../lib/labels';
import { MongoDbStore } from '../../lib/mongodb-store';
import { MONGODB_TLS_MODES, MongoDbTlsMode } from '../../lib/mongodb-tls';
import { isNotFound } from '../deploy/context';
import { Kubectl, MongoStepError, firstLine } from './kubectl';
import { rotateCertificatesScript, runScript } from './mongosh';

/** The mode a running mongod was started with, from its container args; undefined when there is no StatefulSet yet. */
export function tlsModeOfArgs(args: readonly string[] | undefined): MongoDbTlsMode | undefined {
  if (args === undefined) return undefined;
  const i = args.indexOf('--tlsMode');
  const mode = i >= 0 ? args[i + 1] : undefined;
  return mode === 'requireTLS' ? 'require' : mode === 'preferTLS' || mode === 'allowTLS' ? 'prefer' : 'off';
}

/**
 * `off` <-> `require` in one deploy would cut every client still on the other side: Colyseus pods
 * draining a match (up to K8S_MATCH_SECONDS + 60 s) and the frontend. `prefer` accepts both.
 */
export function tlsTransitionProblem(live: MongoDbTlsMode | undefined, wanted: MongoDbTlsMode): string | undefined {
  if (live === undefined || live === wanted || live === 'prefer' || wanted === 'prefer') return undefined;
  return `K8S_MONGODB_TLS=${wanted} is invalid while the running MongoDB has TLS ${live}; accepted: prefer first (${MONGODB_TLS_MODES.join(', ')}): deploy with K8S_MONGODB_TLS=prefer, move the frontend over, then deploy ${wanted} (README, "MongoDB exposure")`;
}

/** The running mongod's mode: read before applying, to check the transition. */
export async function liveTlsMode(kubectl: Kubectl): Promise<MongoDbTlsMode | undefined> {
  const r = await kubectl(['get', 'statefulset', MongoDbStore.NAME, '-n', NAMESPACE, '-o', 'json']);
  if (r.code !== 0) {
    if (isNotFound(r.stderr)) return undefined;
    throw new MongoStepError(`reading StatefulSet ${MongoDbStore.NAME} failed (exit ${r.code}): ${firstLine(r.stderr)}`);
  }
  const containers = JSON.parse(r.stdout).spec?.template?.spec?.containers ?? [];
  return tlsModeOfArgs(containers.find((c: any) => c.name === 'mongodb')?.args ?? []);
}

/**
 * After ensureCertificates issued a new server certificate: once the mounted file holds it,
 * mongod loads it with rotateCertificates. On failure mongod keeps serving the previous one
 * (still valid: renewal starts 30 days ahead), and its next restart loads the new one.
 */
export async function reloadCertificates(kubectl: Kubectl, opts: { mode: MongoDbTlsMode; certPem: string }): Promise<void> {
  if (opts.mode === 'off') return;
  try {
    await runScript(kubectl, opts.mode, rotateCertificatesScript(opts.certPem), 'rotateCertificates', []);
  } catch (error) {
    if (!(error instanceof MongoStepError)) throw error;
    throw new MongoStepError(`${error.message}; mongod keeps its previous certificate until it restarts (kubectl rollout restart statefulset/${MongoDbStore.NAME} -n ${NAMESPACE})`);
  }
}
