// Which scenarios run against which cluster, and whether this cluster may be used at all.
// Pure decisions (unit-tested in test/e2e-plan.test.ts); index.ts gathers the facts.
import { type Judge0Mode, JUDGE0_MODES } from '../../lib/config';
import { APP_SECRETS } from '../../lib/app-secrets';

/** Scenario ids, in the order they run: each builds on the state the previous ones left. */
// a2: MongoDB's public port as a frontend meets it, after (a); e2: MongoDB password rotation, after (e).
export const SCENARIO_IDS = ['a', 'a2', 'b', 'c', 'd', 'e', 'e2', 'f', 'g', 'h', 'i'] as const;
export type ScenarioId = typeof SCENARIO_IDS[number];

/** What the cluster behind KUBECONFIG offers, as far as the scenarios care. */
export interface Target {
  /** The node is this machine and k3s-killall.sh is installed: (h) may kill it. */
  readonly nodeIsThisHost: boolean;
  /** Images go to a registry on this machine that the node pulls from: (d) may push a broken image there. */
  readonly localRegistry: boolean;
  readonly judge0Mode: Judge0Mode;
  /** MONGODB_URI (the frontend's) is set. @default false */
  readonly frontendMongoUri?: boolean;
}

export interface PlannedScenario {
  readonly id: ScenarioId;
  /** Set when the scenario is skipped: why, in one sentence. */
  readonly skip?: string;
}

/** Label the e2e puts on the namespace it creates; a namespace without it is someone's release. */
export const E2E_OWNER_LABEL = 'codeclashers.dev/e2e';

/**
 * The scenarios in order, each with the reason it cannot run here (if any). `only` restricts
 * the run (E2E_SCENARIOS); the scenarios a later one depends on are the caller's business.
 */
export function planScenarios(target: Target, only?: readonly ScenarioId[]): PlannedScenario[] {
  const reasons: Partial<Record<ScenarioId, string | undefined>> = {
    a2: !target.nodeIsThisHost ? 'needs the node itself: it connects to MongoDB\'s NodePort 32017 on 127.0.0.1 as a frontend would'
      : !target.frontendMongoUri ? 'MONGODB_URI (the frontend\'s) is not set: no frontend user to check with'
        : undefined,
    e2: target.frontendMongoUri ? undefined : 'MONGODB_URI (the frontend\'s) is not set: its password cannot be rotated',
    d: target.localRegistry ? undefined
      : 'needs a registry on this machine that the node pulls from (IMAGE_REGISTRY=localhost:<port>): the broken release it pushes must never reach a shared registry',
    g: target.judge0Mode === 'cluster' ? undefined
      : `K8S_JUDGE0_MODE is ${target.judge0Mode}: no Judge0 or PostgreSQL objects in the cluster to prune`,
    h: target.nodeIsThisHost ? undefined
      : 'needs the node itself (KUBECONFIG pointing at a k3s on this machine, k3s-killall.sh installed): it kills every container on it',
  };
  return SCENARIO_IDS
    .filter(id => !only || only.includes(id))
    .map(id => (reasons[id] ? { id, skip: reasons[id] } : { id }));
}

/** Parses E2E_SCENARIOS ("a,b,c" or empty for all); throws one line on a bad value. */
export function parseScenarioList(raw: string | undefined): ScenarioId[] | undefined {
  if (!raw?.trim()) return undefined;
  const ids = raw.split(',').map(s => s.trim()).filter(Boolean);
  const bad = ids.filter(id => !(SCENARIO_IDS as readonly string[]).includes(id));
  if (bad.length) throw new Error(`E2E_SCENARIOS=${JSON.stringify(raw)} is invalid; accepted: a comma-separated list of ${SCENARIO_IDS.join(', ')}`);
  return ids as ScenarioId[];
}

/** Parses K8S_JUDGE0_MODE as lib/config.ts does (unset: cluster). */
export function judge0ModeOf(raw: string | undefined): Judge0Mode {
  const value = raw?.trim() || 'cluster';
  if (!(JUDGE0_MODES as readonly string[]).includes(value)) {
    throw new Error(`K8S_JUDGE0_MODE=${JSON.stringify(raw)} is invalid; accepted: ${JUDGE0_MODES.join(', ')}`);
  }
  return value as Judge0Mode;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/;

/**
 * Whether the API server is this machine: the kubeconfig's server host is a loopback address
 * and k3s-killall.sh is installed (k3s's installer writes it to /usr/local/bin).
 */
export function isThisHost(server: string, killallInstalled: boolean): boolean {
  let host: string;
  try {
    host = new URL(server).hostname;
  } catch {
    return false;
  }
  return killallInstalled && LOOPBACK.test(host);
}

/** Whether IMAGE_REGISTRY is a registry on this machine (what k3s's registries.yaml mirrors in CI). */
export function isLocalRegistry(imageRegistry: string | undefined, nodeIsThisHost: boolean): boolean {
  if (!imageRegistry) return false;
  const host = imageRegistry.split('/')[0].replace(/:\d+$/, '');
  return nodeIsThisHost && LOOPBACK.test(host);
}

/** What index.ts found in the namespace before touching anything. */
export interface NamespaceFacts {
  readonly exists: boolean;
  readonly labels: Readonly<Record<string, string>>;
  /** Deployments and StatefulSets in it. */
  readonly workloads: number;
  /** Whether Secret app-secrets (lib/app-secrets.ts APP_SECRETS) exists in it. */
  readonly hasAppSecrets: boolean;
}

export type Ownership =
  | { readonly action: 'create' }
  | { readonly action: 'replace'; readonly reason: string }
  | { readonly action: 'refuse'; readonly reason: string };

/**
 * Whether the e2e may use namespace `namespace`: absent or empty, it creates (or adopts) it;
 * labelled by an earlier e2e run, it deletes and recreates it; holding anyone else's release,
 * it refuses and touches nothing.
 */
export function ownershipOf(namespace: string, facts: NamespaceFacts): Ownership {
  if (!facts.exists) return { action: 'create' };
  if (facts.labels[E2E_OWNER_LABEL]) {
    return { action: 'replace', reason: `namespace ${namespace} was created by an earlier e2e run (${E2E_OWNER_LABEL}=${facts.labels[E2E_OWNER_LABEL]}): deleting it to start from an empty cluster` };
  }
  if (facts.workloads > 0 || facts.hasAppSecrets) {
    return {
      action: 'refuse',
      reason: `namespace ${namespace} holds a release the e2e did not create (${facts.workloads} workload(s)${facts.hasAppSecrets ? `, Secret ${APP_SECRETS}` : ''}, no ${E2E_OWNER_LABEL} label): `
        + 'refusing to touch it. Point KUBECONFIG at a cluster without that release.',
    };
  }
  return { action: 'create' };
}
