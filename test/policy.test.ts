import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { capacityOf, formatCapacity } from '../lib/capacity';
import { Manifest } from '../lib/manifest';
import { CodeClashersPolicy, ValidationContext, readManifests } from '../policy/plugin';
import { RULES, evaluate } from '../policy/rules';
import { synthBackend } from './util';

const good = synthBackend();

/** A deep copy of the default output with `mutate` applied to object kind/name. */
function breaking(kind: string, name: string, mutate: (o: any) => void): Manifest[] {
  const objects = JSON.parse(JSON.stringify(good));
  const target = objects.find((o: Manifest) => o.kind === kind && o.metadata.name === name);
  if (!target) throw new Error(`${kind}/${name} missing`);
  mutate(target);
  return objects;
}

function failures(objects: Manifest[], env: Record<string, string> = {}): Record<string, string[]> {
  return Object.fromEntries(evaluate(objects, env)
    .filter(r => r.findings.length > 0)
    .map(r => [r.rule.name, r.findings.map(f => `${f.object}: ${f.message}`)]));
}

const container = (o: any) => o.spec.template.spec.containers[0];

test('the default output passes', () => {
  expect(failures(good)).toEqual({});
});

// One object that breaks each rule, and only that rule where possible.
const cases: [string, string, string, (o: any) => void, string][] = [
  ['kubernetes-schema', 'Deployment', 'bots', o => { container(o).resources.limits.cpu = 'lots'; }, 'Deployment/bots'],
  ['kubernetes-schema', 'Service', 'redis', o => { o.spec.ports[0].port = 'six'; }, 'Service/redis'],
  ['image-pinned', 'Deployment', 'bots', o => { container(o).image = 'ghcr.io/acme/bots:latest'; }, 'container bots'],
  ['image-pinned', 'StatefulSet', 'redis', o => { container(o).image = 'redis'; }, 'container redis'],
  ['resources', 'Deployment', 'colyseus', o => { delete container(o).resources.limits; }, 'Deployment/colyseus'],
  ['resources', 'Deployment', 'bots', o => { container(o).resources.requests.cpu = '2'; }, 'Deployment/bots'],
  ['probes', 'StatefulSet', 'mongodb', o => { delete container(o).readinessProbe; }, 'StatefulSet/mongodb'],
  ['probes', 'Deployment', 'judge0-server', o => { delete container(o).livenessProbe; }, 'Deployment/judge0-server'],
  ['selectors', 'Deployment', 'bots', o => { o.spec.selector.matchLabels['app.kubernetes.io/name'] = 'bot'; }, 'Deployment/bots'],
  ['selectors', 'Service', 'colyseus', o => { o.spec.selector = { 'app.kubernetes.io/name': 'colyseus-server' }; }, 'Service/colyseus'],
  ['disruption-budget', 'PodDisruptionBudget', 'colyseus', o => { o.spec.selector.matchLabels['app.kubernetes.io/name'] = 'nothing'; }, 'Deployment/colyseus: 2 replicas and no PodDisruptionBudget'],
  ['disruption-budget', 'PodDisruptionBudget', 'bots', o => { o.spec.maxUnavailable = 0; }, 'PodDisruptionBudget/bots'],
  ['privileged', 'Deployment', 'bots', o => { container(o).securityContext.privileged = true; }, 'container bots'],
  ['privileged', 'Deployment', 'colyseus', o => { delete container(o).securityContext.allowPrivilegeEscalation; }, 'container colyseus'],
  ['non-root', 'StatefulSet', 'redis', o => { o.spec.template.spec.securityContext.runAsUser = 0; }, 'container redis'],
  ['non-root', 'Deployment', 'bots', o => { delete o.spec.template.spec.securityContext.runAsNonRoot; }, 'container bots'],
  ['read-only-root', 'Deployment', 'postgres', o => { container(o).securityContext.readOnlyRootFilesystem = false; }, 'container postgres'],
  ['capabilities', 'Deployment', 'colyseus', o => { container(o).securityContext.capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] }; }, 'container colyseus'],
  ['seccomp', 'Deployment', 'judge0-server', o => { delete o.spec.template.spec.securityContext.seccompProfile; }, 'container judge0-server'],
  ['service-account-token', 'Deployment', 'bots', o => { delete o.spec.template.spec.automountServiceAccountToken; }, 'Deployment/bots'],
  ['network-policy', 'NetworkPolicy', 'default-deny', o => { o.spec.egress = [{}]; }, 'Namespace/codeclashers'],
  ['network-policy', 'NetworkPolicy', 'bots', o => { o.spec.podSelector.matchLabels['app.kubernetes.io/name'] = 'robots'; }, 'Deployment/bots'],
  ['no-secret-data', 'Deployment', 'colyseus', o => { container(o).env.push({ name: 'S3_SECRET', value: 'hunter22' }); }, 'S3_SECRET has a literal value'],
];

test.each(cases)('%s fails on %s/%s', (rule, kind, name, mutate, expected) => {
  const found = failures(breaking(kind, name, mutate));
  expect(Object.keys(found)).toContain(rule);
  expect(found[rule].join('\n')).toContain(expected);
});

test('every rule has a breaking case above', () => {
  expect(new Set(cases.map(c => c[0]))).toEqual(new Set(RULES.map(r => r.name)));
});

test('no-secret-data: a Secret with data, and a real secret value from the environment anywhere', () => {
  const withSecret = [...good, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secrets', namespace: 'codeclashers' }, data: { A: 'Yg==' } }];
  expect(failures(withSecret)['no-secret-data']).toEqual(['Secret/app-secrets: Secret objects with data must not be synthesized']);
  const leaked = breaking('Deployment', 'bots', o => { container(o).args = ['--key', 'sk-the-real-openai-key']; });
  const messages = failures(leaked, { OPENAI_API_KEY: 'sk-the-real-openai-key' })['no-secret-data'];
  expect(messages).toEqual(['(output): the value of OPENAI_API_KEY appears in the output (the value is not shown)']);
  expect(messages.join()).not.toContain('sk-the-real');
});

test('no-secret-data: a *_FILE variable may hold the absolute path of a mounted Secret, nothing else', () => {
  const withPath = breaking('Deployment', 'bots', o => { container(o).env.push({ name: 'API_TOKEN_FILE', value: '/etc/bots-secret/token' }); });
  expect(failures(withPath)['no-secret-data']).toBeUndefined();
  const withValue = breaking('Deployment', 'bots', o => { container(o).env.push({ name: 'API_TOKEN_FILE', value: 'hunter22' }); });
  expect(failures(withValue)['no-secret-data']).toEqual([expect.stringContaining('API_TOKEN_FILE has a literal value')]);
});

describe('exemptions', () => {
  test('judge0-worker is exempt from the security rules only through its annotated reason', () => {
    const unannotated = breaking('Deployment', 'judge0-worker', o => { delete o.metadata.annotations; });
    expect(Object.keys(failures(unannotated)).sort()).toEqual(['capabilities', 'non-root', 'privileged', 'read-only-root', 'seccomp']);
  });

  test('an exemption without a reason does not count', () => {
    const lazy = breaking('Deployment', 'judge0-worker', o => { o.metadata.annotations = { 'policy.codeclashers.dev/exempt-privileged': 'yes' }; });
    expect(failures(lazy).privileged[0]).toContain('must say why');
  });

  test('rules without exemptions cannot be exempted', () => {
    const objects = breaking('Deployment', 'judge0-worker', o => {
      delete container(o).readinessProbe;
      o.metadata.annotations['policy.codeclashers.dev/exempt-probes'] = 'a long enough reason that should still not count';
    });
    expect(Object.keys(failures(objects))).toEqual(['probes']);
  });
});

describe('capacity', () => {
  test('counts one surge pod per rolling Deployment and totals the seed defaults (over 4 cores)', () => {
    const report = capacityOf(good, { cpu: '4', memory: '24Gi' });
    const colyseus = report.rows.find(r => r.workload === 'Deployment/colyseus')!;
    expect(colyseus.pods).toBe(3);
    expect(colyseus.cpuRequest).toBeCloseTo(1.5);
    const postgres = report.rows.find(r => r.workload === 'Deployment/postgres')!;
    expect(postgres.pods).toBe(1); // Recreate: no surge
    // 5.5 cores of steady-state requests (the seed's table) + 2.25 for the four surge pods
    expect(report.total.cpuRequest).toBeCloseTo(7.75);
    expect(report.overBudget).toEqual(['CPU requests 7750m > node 4000m']);
    expect(formatCapacity(report)).toContain('| total | 15 | 7750m | 15500m | 9728Mi | 19Gi |');
  });

  test('fits when the node is large enough or the requests are lowered', () => {
    expect(capacityOf(good, { cpu: '8', memory: '24Gi' }).overBudget).toEqual([]);
    expect(capacityOf(good, { cpu: '4', memory: '8Gi' }).overBudget).toEqual([
      'CPU requests 7750m > node 4000m', 'memory requests 9728Mi > node 8Gi',
    ]);
  });
});

describe('plugin', () => {
  function run(objects: Manifest[], env: Record<string, string> = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
    const staged = path.join(dir, 'staging', '1-all.k8s.yaml');
    fs.mkdirSync(path.dirname(staged));
    fs.writeFileSync(staged, objects.map(o => JSON.stringify(o)).join('\n---\n'));
    fs.writeFileSync(path.join(dir, 'staging', 'architecture.md'), '# drawn by the app');
    const architecture = path.join(dir, 'docs', 'architecture.md');
    const dist = path.join(dir, 'dist');
    fs.mkdirSync(dist);
    fs.writeFileSync(path.join(dist, 'previous.k8s.yaml'), 'previous');
    const violations: any[] = [];
    const logs: string[] = [];
    let status = '';
    const context: ValidationContext = {
      manifests: [staged],
      logger: { log: m => logs.push(m) },
      report: { addViolation: v => violations.push(v), submit: s => { status = s; } },
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    return new CodeClashersPolicy({ publishTo: dist, architectureTo: architecture }).validate(context).then(() => {
      process.env = saved;
      const diagram = fs.existsSync(architecture) ? fs.readFileSync(architecture, 'utf8') : undefined;
      return { status, violations, logs, dist: fs.readdirSync(dist), distPath: dist, diagram };
    });
  }

  test('publishes to dist/ only when every rule passes', async () => {
    const passed = await run(good);
    expect(passed.status).toBe('success');
    expect(passed.dist).toEqual(['1-all.k8s.yaml']);
    expect(fs.statSync(passed.distPath).mode & 0o777).toBe(0o755);
    expect(passed.violations.map(v => v.ruleName)).toEqual(['capacity (warning)']);
    expect(passed.logs.join('\n')).toContain('| total |');
    expect(passed.diagram).toBe('# drawn by the app');
  });

  test('a violation fails the report with rule, why and fix, and leaves dist/ as it was', async () => {
    const failed = await run(breaking('Deployment', 'bots', o => { delete container(o).livenessProbe; }));
    expect(failed.status).toBe('failure');
    expect(failed.dist).toEqual(['previous.k8s.yaml']);
    expect(failed.diagram).toBeUndefined();
    const probes = failed.violations.find(v => v.ruleName === 'probes');
    expect(probes.recommendation).toContain('Deployment/bots: container bots: needs a readinessProbe and a livenessProbe');
    expect(probes.fix).toContain('livenessProbe');
    expect(probes.violatingResources[0]).toMatchObject({ resourceName: 'Deployment/bots' });
  });

  test('within the node budget there is no capacity warning', async () => {
    const roomy = await run(good, { K8S_NODE_CPU: '16' });
    expect(roomy.violations).toEqual([]);
  });
});

test('readManifests reads the YAML cdk8s writes back into the objects it synthesized', () => {
  const files = ['1-cluster', '2-stores', '3-apps'].map(f => path.join(__dirname, `../dist/${f}.k8s.yaml`));
  expect(readManifests(files).map(d => d.object)).toEqual(good);
});
