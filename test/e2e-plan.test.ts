// Which scenarios run against which cluster, and when the e2e refuses a namespace.
import { E2E_OWNER_LABEL, NamespaceFacts, Target, isLocalRegistry, isThisHost, judge0ModeOf, ownershipOf, parseScenarioList, planScenarios } from '../scripts/e2e/plan';

const ci: Target = { nodeIsThisHost: true, localRegistry: true, judge0Mode: 'cluster', frontendMongoUri: true };
const skipped = (target: Target) => planScenarios(target).filter(s => s.skip).map(s => s.id);

describe('planScenarios', () => {
  test('the CI cluster (k3s here, local registry, Judge0 in the cluster) runs every scenario, in order', () => {
    expect(planScenarios(ci)).toEqual(['a', 'a2', 'b', 'c', 'd', 'e', 'e2', 'f', 'g', 'h', 'i'].map(id => ({ id })));
  });

  test('a user\'s own cluster skips the host restart (h) and the broken release (d), with the reason', () => {
    const plan = planScenarios({ ...ci, nodeIsThisHost: false, localRegistry: false });
    expect(plan.filter(s => s.skip).map(s => s.id)).toEqual(['a2', 'd', 'h']);
    expect(plan.find(s => s.id === 'a2')!.skip).toMatch(/NodePort 32017 on 127\.0\.0\.1/);
    expect(plan.find(s => s.id === 'h')!.skip).toMatch(/needs the node itself/);
    expect(plan.find(s => s.id === 'd')!.skip).toMatch(/registry on this machine/);
  });

  test('k3s here but images pushed to a shared registry: the broken release is not pushed there', () => {
    expect(skipped({ ...ci, localRegistry: false })).toEqual(['d']);
  });

  test('Judge0 off (the arm64 leg) or external: nothing to prune, so (g) is skipped; (b) still runs', () => {
    expect(skipped({ ...ci, judge0Mode: 'off' })).toEqual(['g']);
    expect(skipped({ ...ci, judge0Mode: 'external' })).toEqual(['g']);
  });

  test('the MongoDB checks (a2) are skipped, saying why, without a frontend URI; the rotation (e2) needs that URI', () => {
    const noUri = planScenarios({ ...ci, frontendMongoUri: false });
    expect(noUri.filter(s => s.skip).map(s => [s.id, s.skip])).toEqual([
      ['a2', expect.stringMatching(/MONGODB_URI .* is not set/)], ['e2', expect.stringMatching(/MONGODB_URI .* is not set/)],
    ]);
  });

  test('E2E_SCENARIOS restricts the run and keeps the order', () => {
    expect(planScenarios(ci, parseScenarioList('i, a'))).toEqual([{ id: 'a' }, { id: 'i' }]);
    expect(parseScenarioList('')).toBeUndefined();
    expect(() => parseScenarioList('a,z')).toThrow('E2E_SCENARIOS="a,z" is invalid; accepted: a comma-separated list of a, a2, b, c, d, e, e2, f, g, h, i');
  });
});

describe('cluster facts', () => {
  test('the node is this host only for a loopback API server with k3s-killall.sh installed', () => {
    expect(isThisHost('https://127.0.0.1:6443', true)).toBe(true);
    expect(isThisHost('https://localhost:6443', true)).toBe(true);
    expect(isThisHost('https://127.0.0.1:6443', false)).toBe(false);
    expect(isThisHost('https://10.0.0.5:6443', true)).toBe(false);
    expect(isThisHost('https://k8s.example.com', true)).toBe(false);
    expect(isThisHost('not a url', true)).toBe(false);
  });

  test('a local registry is one on a loopback address, for a node on this host', () => {
    expect(isLocalRegistry('localhost:5000', true)).toBe(true);
    expect(isLocalRegistry('127.0.0.1:5000/e2e', true)).toBe(true);
    expect(isLocalRegistry('localhost:5000', false)).toBe(false);
    expect(isLocalRegistry('ghcr.io/acme', true)).toBe(false);
    expect(isLocalRegistry('localhost.example.com:5000', true)).toBe(false);
    expect(isLocalRegistry(undefined, true)).toBe(false);
  });

  test('K8S_JUDGE0_MODE: unset is cluster; a bad value names the variable and the accepted values', () => {
    expect(judge0ModeOf(undefined)).toBe('cluster');
    expect(judge0ModeOf('off')).toBe('off');
    expect(() => judge0ModeOf('false')).toThrow('K8S_JUDGE0_MODE="false" is invalid; accepted: cluster, external, off');
  });
});

describe('ownershipOf', () => {
  const facts = (f: Partial<NamespaceFacts>): NamespaceFacts => ({ exists: true, labels: {}, workloads: 0, hasAppSecrets: false, ...f });

  test('no namespace: create it', () => {
    expect(ownershipOf('codeclashers', facts({ exists: false }))).toEqual({ action: 'create' });
  });

  test('a release the e2e did not create is refused, whatever it holds', () => {
    const refused = ownershipOf('codeclashers', facts({ workloads: 7, labels: { 'app.kubernetes.io/part-of': 'codeclashers' } }));
    expect(refused).toEqual({ action: 'refuse', reason: expect.stringContaining('namespace codeclashers holds a release the e2e did not create (7 workload(s), no codeclashers.dev/e2e label)') });
    expect(ownershipOf('codeclashers', facts({ hasAppSecrets: true })).action).toBe('refuse');
  });

  test('an earlier e2e run\'s namespace is replaced', () => {
    expect(ownershipOf('codeclashers', facts({ workloads: 7, hasAppSecrets: true, labels: { [E2E_OWNER_LABEL]: '123' } })))
      .toEqual({ action: 'replace', reason: expect.stringContaining('created by an earlier e2e run') });
  });

  test('an empty namespace without a release is adopted', () => {
    expect(ownershipOf('codeclashers', facts({}))).toEqual({ action: 'create' });
  });
});
