// Strict field check against the Kubernetes OpenAPI definitions committed in imports/k8s-schemas,
// like `kubectl apply --validate=strict`: unknown or misspelt fields, wrong types, missing
// required fields and malformed quantities fail here instead of halfway through an apply.
import * as fs from 'fs';
import * as path from 'path';
import { isQuantity } from '../lib/quantity';

export const SCHEMAS = path.resolve(__dirname, '../imports/k8s-schemas');

/** The committed versions, oldest first (`v1.27.0`: the imports; the newest: the k3s the deploy pins). */
export function schemaVersions(): string[] {
  return fs.readdirSync(SCHEMAS).filter(v => v.startsWith('v')).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

const loaded = new Map<string, KubernetesSchema>();

/** The schema of `version`, read once per process. */
export function kubernetesSchema(version: string): KubernetesSchema {
  if (!loaded.has(version)) loaded.set(version, new KubernetesSchema(version));
  return loaded.get(version)!;
}

/** The OpenAPI definitions of one Kubernetes version. */
export class KubernetesSchema {
  private readonly definitions: Record<string, any>;

  constructor(readonly version: string) {
    this.definitions = JSON.parse(fs.readFileSync(path.join(SCHEMAS, version, '_definitions.json'), 'utf8')).definitions;
  }

  /** The definition of an object kind, or undefined when this version has no such kind. */
  definitionFor(apiVersion: string, kind: string): any {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return Object.values(this.definitions).find(d => (d['x-kubernetes-group-version-kind'] ?? [])
      .some((g: any) => g.group === group && g.version === version && g.kind === kind));
  }

  /** Problems of `value` against `schema`, with JSON paths. */
  violations(value: any, schema: any, at = ''): string[] {
    const ref: string | undefined = schema?.$ref;
    if (ref) {
      if (ref.endsWith('.api.resource.Quantity')) {
        const text = String(value);
        return ['string', 'number'].includes(typeof value) && isQuantity(text) ? [] : [`${at}: ${JSON.stringify(value)} is not a quantity`];
      }
      return this.violations(value, this.definitions[ref.replace('#/definitions/', '')], at);
    }
    if (!schema) return [`${at}: no schema`];
    if (schema.oneOf) return schema.oneOf.some((s: any) => this.violations(value, s, at).length === 0) ? [] : [`${at}: ${JSON.stringify(value)} matches no alternative`];
    if (schema.format === 'int-or-string') return ['string', 'number'].includes(typeof value) ? [] : [`${at}: not int-or-string`];
    switch (schema.type) {
      case 'string': return typeof value === 'string' ? [] : [`${at}: expected string, got ${JSON.stringify(value)}`];
      case 'integer': return Number.isInteger(value) ? [] : [`${at}: expected integer, got ${JSON.stringify(value)}`];
      case 'number': return typeof value === 'number' ? [] : [`${at}: expected number`];
      case 'boolean': return typeof value === 'boolean' ? [] : [`${at}: expected boolean, got ${JSON.stringify(value)}`];
      case 'array':
        return Array.isArray(value) ? value.flatMap((v, i) => this.violations(v, schema.items, `${at}[${i}]`)) : [`${at}: expected array`];
      default:
        break;
    }
    if (schema.properties || schema.additionalProperties || schema.type === 'object') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected object`];
      const problems = (schema.required ?? []).filter((r: string) => !(r in value)).map((r: string) => `${at}.${r}: required`);
      for (const [key, v] of Object.entries(value)) {
        const sub = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        if (!sub) problems.push(`${at}.${key}: unknown field`);
        else problems.push(...this.violations(v, sub, `${at}.${key}`));
      }
      return problems;
    }
    return []; // free-form (RawExtension)
  }

  /** Problems of one whole object; an unknown kind is one. */
  check(object: { apiVersion: string; kind: string }): string[] {
    const definition = this.definitionFor(object.apiVersion, object.kind);
    if (!definition) return [`unknown apiVersion/kind ${object.apiVersion} ${object.kind} in Kubernetes ${this.version}`];
    return this.violations(object, definition);
  }
}
