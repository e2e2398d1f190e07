// Strict field check (policy/schema.ts) against the Kubernetes OpenAPI definitions in
// imports/k8s-schemas: 1.27, which the API classes were generated from, and the minor version of
// the pinned k3s. Unknown or misspelt fields and wrong types fail here instead of on the cluster.
import { DEFAULT_K3S_VERSION } from '../scripts/deploy';
import { kubernetesSchema, schemaVersions } from '../policy/schema';
import { JUDGE0_MODES, synthBackend } from './util';

const VERSIONS = schemaVersions();

test('the schemas of the imports and of the pinned k3s are both committed; the pinned one is the newest', () => {
  const minor = DEFAULT_K3S_VERSION.match(/^v1\.(\d+)\.\d+\+k3s\d+$/)![1];
  expect(VERSIONS[0]).toBe('v1.27.0');
  expect(VERSIONS.at(-1)).toBe(`v1.${minor}.0`);
});

describe.each(VERSIONS)('Kubernetes %s', version => {
  test.each(Object.entries(JUDGE0_MODES))('every object is valid, strictly (Judge0 %s)', (_, env) => {
    const schema = kubernetesSchema(version);
    for (const o of synthBackend(env)) {
      expect([`${o.kind}/${o.metadata.name}`, schema.check(o)]).toEqual([`${o.kind}/${o.metadata.name}`, []]);
    }
  });
});

test('the checker itself catches misspelt fields, wrong types, bad quantities and unknown kinds', () => {
  const schema = kubernetesSchema(VERSIONS[0]);
  const deployment = schema.definitionFor('apps/v1', 'Deployment');
  expect(schema.violations({ metadata: { name: 'x' }, spec: { replica: 2 } }, deployment)).toContain('.spec.replica: unknown field');
  expect(schema.violations({ spec: { replicas: '2' } }, deployment).join()).toContain('.spec.replicas: expected integer');
  expect(schema.violations({ spec: { strategy: { rollingUpdate: { maxSurge: true } } } }, deployment).join()).toContain('maxSurge');
  const limits = { spec: { template: { spec: { containers: [{ name: 'a', resources: { limits: { cpu: 'lots' } } }] } } } };
  expect(schema.violations(limits, deployment).join()).toContain('.spec.template.spec.containers[0].resources.limits.cpu: "lots" is not a quantity');
  expect(schema.check({ apiVersion: 'apps/v1', kind: 'Deploymnet' })).toEqual(['unknown apiVersion/kind apps/v1 Deploymnet in Kubernetes v1.27.0']);
});
