// The synthesized manifests, as the deploy reads and applies them. dist/ is never written here:
// what the deploy adds (release label, secret digests) is added in memory.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { parseQuantity, formatCpu, formatMemory } from '../../lib/quantity';
import { Manifest, idOf, workloadsOf } from '../../lib/manifest';
import { SECRET_DIGEST_ANNOTATION } from './secrets';

/** Label the deploy puts on every object it applies from dist/ (top-level metadata only, so PVCs never inherit it). */
export const RELEASE_SET_LABEL = 'deploy.codeclashers.dev/release-set';
export const RELEASE_SET = 'codeclashers';

/** Kinds the deploy may prune: what dist/ defines, never a PVC, PV, Namespace or Secret. */
export const PRUNABLE_KINDS = ['Deployment', 'StatefulSet', 'Service', 'NetworkPolicy', 'PodDisruptionBudget', 'ConfigMap'] as const;

/** Every dist/*.k8s.yaml, in file order (the chart order main.ts writes). */
export function readDist(root: string): Manifest[] {
  const dir = path.join(root, 'dist');
  return fs.readdirSync(dir).filter(f => f.endsWith('.k8s.yaml')).sort()
    .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map(d => d.toJS() as Manifest).filter(Boolean));
}

/** `Kind/namespace/name`: unique across the cluster. */
export function keyOf(o: Manifest): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/**
 * How long one workload's rollout may take: every pod starts (`startupSeconds` each) and every
 * old pod drains (terminationGracePeriodSeconds). Deployments carry their own progress
 * deadline from lib/stateless-deployment.ts.
 */
export function rolloutTimeoutFor(workload: Manifest, startupSeconds: number): number {
  const replicas = workload.spec?.replicas ?? 1;
  const grace = workload.spec?.template?.spec?.terminationGracePeriodSeconds ?? 30;
  return replicas * (startupSeconds + grace);
}

/**
 * The objects to apply: dist/'s, plus the release label and each workload's secret digest in
 * its pod template (so a changed key restarts its readers, durably, with the apply).
 */
export function prepareManifests(objects: readonly Manifest[], digests: ReadonlyMap<string, string>): Manifest[] {
  return objects.map(original => {
    const o = structuredClone(original) as any;
    o.metadata.labels = { ...o.metadata.labels, [RELEASE_SET_LABEL]: RELEASE_SET };
    const digest = digests.get(idOf(original));
    if (digest !== undefined) {
      o.spec.template.metadata = o.spec.template.metadata ?? {};
      o.spec.template.metadata.annotations = { ...o.spec.template.metadata.annotations, [SECRET_DIGEST_ANNOTATION]: digest };
    }
    return o as Manifest;
  });
}

export interface LiveRef { readonly kind: string; readonly namespace?: string; readonly name: string; readonly labels?: Record<string, string> }

/**
 * Objects to prune: labelled by the deploy, of an allowed kind, no longer in the manifests.
 * The kind allow-list keeps PVCs (which inherit template labels), PVs, Namespaces and Secrets out.
 */
export function pruneCandidates(live: readonly LiveRef[], wanted: readonly Manifest[]): LiveRef[] {
  const keep = new Set(wanted.map(keyOf));
  return live.filter(o => (PRUNABLE_KINDS as readonly string[]).includes(o.kind)
    && o.labels?.[RELEASE_SET_LABEL] === RELEASE_SET
    && !keep.has(`${o.kind}/${o.namespace ?? ''}/${o.name}`));
}

/**
 * Requests at the worst moment of a rollout. A rolling Deployment (maxSurge 1, maxUnavailable 0)
 * starts draining each old pod as soon as its replacement is ready, and a draining pod keeps
 * its requests: up to `replicas` old and `replicas` new pods at once.
 */
export function rolloutCapacityProblems(objects: readonly Manifest[], allocatable: { cpu: string; memory: string }): string[] {
  let cpu = 0;
  let memory = 0;
  for (const w of workloadsOf(objects)) {
    const pods = w.surges ? 2 * w.replicas : w.replicas;
    for (const c of w.podSpec.containers ?? []) {
      cpu += pods * parseQuantity(String(c.resources?.requests?.cpu ?? '0'));
      memory += pods * parseQuantity(String(c.resources?.requests?.memory ?? '0'));
    }
  }
  const problems: string[] = [];
  const node = { cpu: parseQuantity(allocatable.cpu), memory: parseQuantity(allocatable.memory) };
  if (cpu > node.cpu) problems.push(`CPU requests ${formatCpu(cpu)} > allocatable ${formatCpu(node.cpu)}`);
  if (memory > node.memory) problems.push(`memory requests ${formatMemory(memory)} > allocatable ${formatMemory(node.memory)}`);
  return problems;
}
