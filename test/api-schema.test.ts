// Strict field check against the Kubernetes 1.27 OpenAPI definitions the API classes were
// generated from (../shared/k8s-schemas), like `kubectl apply --validate=strict`: unknown or
// misspelt fields and wrong types fail here instead of on the cluster.
import * as fs from 'fs';
import * as path from 'path';
import { synthBackend } from './util';

const SCHEMA = path.resolve(__dirname, '../../shared/k8s-schemas/v1.27.0/_definitions.json');
const definitions: Record<string, any> = JSON.parse(fs.readFileSync(SCHEMA, 'utf8')).definitions;

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

test.each([
  ['defaults', {}],
  ['without Judge0', { K8S_JUDGE0_ENABLED: 'false' }],
])('every object is valid Kubernetes 1.27, strictly (%s)', (_, env) => {
  for (const o of synthBackend(env)) {
    const schema = definitionFor(o.apiVersion, o.kind);
    expect([o.kind, schema ? 'known' : 'unknown']).toEqual([o.kind, 'known']);
    expect([`${o.kind}/${o.metadata.name}`, violations(o, schema)]).toEqual([`${o.kind}/${o.metadata.name}`, []]);
  }
});

test('the checker itself catches misspelt fields and wrong types', () => {
  const deployment = definitionFor('apps/v1', 'Deployment');
  expect(violations({ metadata: { name: 'x' }, spec: { replica: 2 } }, deployment)).toContain('.spec.replica: unknown field');
  expect(violations({ spec: { replicas: '2' } }, deployment).join()).toContain('.spec.replicas: expected integer');
  expect(violations({ spec: { strategy: { rollingUpdate: { maxSurge: true } } } }, deployment).join()).toContain('maxSurge');
});
