// Strict field check against the Kubernetes OpenAPI definitions in imports/k8s-schemas (1.27, which
// the API classes were generated from, and the minor version of the pinned k3s), like `kubectl apply --validate=strict`: unknown or
// misspelt fields and wrong types fail here instead of on the cluster.
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_K3S_VERSION } from '../scripts/deploy';
import { JUDGE0_MODES, synthBackend } from './util';

const SCHEMAS = path.resolve(__dirname, '../imports/k8s-schemas');
const VERSIONS = fs.readdirSync(SCHEMAS).filter(v => v.startsWith('v')).sort();
const load = (version: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(SCHEMAS, version, '_definitions.json'), 'utf8')).definitions;
let definitions: Record<string, any> = load(VERSIONS[0]);

function definitionFor(apiVersion: string, kind: string): any {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return Object.values(definitions).find(d => (d['x-kubernetes-group-version-kind'] ?? [])
    .some((g: any) => g.group === group && g.version === version && g.kind === kind));
}

function resolve(schema: any): any {
  return schema?.$ref ? resolve(definitions[schema.$ref.replace('#/definitions/', '')]) : schema;
}

/** Problems of `value` against `schema`, with JSON paths. */
export function violations(value: any, schema: any, at = ''): string[] {
  schema = resolve(schema);
  if (!schema) return [`${at}: no schema`];
  if (schema.oneOf) { // IntOrString
    return schema.oneOf.some((s: any) => violations(value, s, at).length === 0) ? [] : [`${at}: ${JSON.stringify(value)} matches no alternative`];
  }
  if (schema.format === 'int-or-string') return ['string', 'number'].includes(typeof value) ? [] : [`${at}: not int-or-string`];
  switch (schema.type) {
    case 'string': return typeof value === 'string' ? [] : [`${at}: expected string, got ${JSON.stringify(value)}`];
    case 'integer': return Number.isInteger(value) ? [] : [`${at}: expected integer, got ${JSON.stringify(value)}`];
    case 'number': return typeof value === 'number' ? [] : [`${at}: expected number`];
    case 'boolean': return typeof value === 'boolean' ? [] : [`${at}: expected boolean, got ${JSON.stringify(value)}`];
    case 'array':
      return Array.isArray(value) ? value.flatMap((v, i) => violations(v, schema.items, `${at}[${i}]`)) : [`${at}: expected array`];
    default:
      break;
  }
  if (schema.properties || schema.additionalProperties || schema.type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected object`];
    const problems = (schema.required ?? []).filter((r: string) => !(r in value)).map((r: string) => `${at}.${r}: required`);
    for (const [key, v] of Object.entries(value)) {
      const sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (!sub) problems.push(`${at}.${key}: unknown field`);
      else problems.push(...violations(v, sub, `${at}.${key}`));
    }
    return problems;
  }
  return []; // free-form (e.g. Quantity is a string, RawExtension)
}

test('the schemas of the imports and of the pinned k3s are both committed', () => {
  const minor = DEFAULT_K3S_VERSION.match(/^v1\.(\d+)\.\d+\+k3s\d+$/)![1];
  expect(VERSIONS).toEqual(expect.arrayContaining(['v1.27.0', `v1.${minor}.0`]));
});

describe.each(VERSIONS)('Kubernetes %s', version => {
  beforeAll(() => { definitions = load(version); });

  test.each(Object.entries(JUDGE0_MODES))('every object is valid, strictly (Judge0 %s)', (_, env) => {
    for (const o of synthBackend(env)) {
      const schema = definitionFor(o.apiVersion, o.kind);
      expect([o.kind, schema ? 'known' : 'unknown']).toEqual([o.kind, 'known']);
      expect([`${o.kind}/${o.metadata.name}`, violations(o, schema)]).toEqual([`${o.kind}/${o.metadata.name}`, []]);
    }
  });
});

test('the checker itself catches misspelt fields and wrong types', () => {
  const deployment = definitionFor('apps/v1', 'Deployment');
  expect(violations({ metadata: { name: 'x' }, spec: { replica: 2 } }, deployment)).toContain('.spec.replica: unknown field');
  expect(violations({ spec: { replicas: '2' } }, deployment).join()).toContain('.spec.replicas: expected integer');
  expect(violations({ spec: { strategy: { rollingUpdate: { maxSurge: true } } } }, deployment).join()).toContain('maxSurge');
});
