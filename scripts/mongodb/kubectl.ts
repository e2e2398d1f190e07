// The one door to the cluster the MongoDB steps use: injected, so the deploy wires its own
// kubectl (with its redaction and logging) and tests wire a stand-in.
import { NAMESPACE, PART_OF } from '../../lib/labels';
import { serverSideApply } from '../deploy/apply-flags';
import { isNotFound } from '../deploy/context';
import { decodeSecret, redactor } from '../deploy/secrets';

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
/** Runs `kubectl <args>`; `stdin` is the only way a secret value may reach it. */
export type Kubectl = (args: string[], opts?: { stdin?: string }) => Promise<KubectlResult>;

/** A step that failed, already phrased for the log and the summary (never holds a secret value). */
export class MongoStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MongoStepError';
  }
}

/** A Secret's data, decoded; undefined when it does not exist. Any other failure throws. */
export async function readSecret(kubectl: Kubectl, name: string): Promise<{ data: Record<string, string>; annotations: Record<string, string> } | undefined> {
  const r = await kubectl(['get', 'secret', name, '-n', NAMESPACE, '-o', 'json']);
  if (r.code !== 0) {
    // kubectl get: exit 1 with `Error from server (NotFound): secrets "x" not found` (kubectl get docs).
    if (isNotFound(r.stderr)) return undefined;
    throw new MongoStepError(`reading Secret ${name} failed (exit ${r.code}): ${firstLine(r.stderr)}`);
  }
  const secret = JSON.parse(r.stdout);
  return { data: { ...decodeSecret(secret.data) }, annotations: secret.metadata?.annotations ?? {} };
}

/** Creates or replaces a Secret, the values only on kubectl's stdin (server-side apply copies nothing into annotations). */
export async function applySecret(kubectl: Kubectl, name: string, data: Record<string, string>, annotations: Record<string, string> = {}): Promise<void> {
  const manifest = {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name, namespace: NAMESPACE, labels: { 'app.kubernetes.io/part-of': PART_OF }, annotations },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
  const r = await kubectl(['apply', ...serverSideApply(), '-f', '-'], { stdin: JSON.stringify(manifest) });
  if (r.code !== 0) {
    // An apply error can quote the input it could not read: never let a value through.
    const hidden = Object.values(data).flatMap(v => [v, Buffer.from(v).toString('base64')]);
    throw new MongoStepError(`applying Secret ${name} failed (exit ${r.code}): ${redactor(hidden)(firstLine(r.stderr))}`);
  }
}

export function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

