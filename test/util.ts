import { App, Chart, Testing } from 'cdk8s';
import { CodeClashersBackend } from '../lib/codeclashers-backend';
import { loadConfig } from '../lib/config';
import { Manifest, Workload, workloadsOf } from '../lib/manifest';

/** The objects the full app synthesizes for `env`, in apply order. */
export function synthBackend(env: Record<string, string> = {}): Manifest[] {
  return buildBackend(env).objects;
}

/** The full app for `env`: its objects, its lane table and its configuration. */
export function buildBackend(env: Record<string, string> = {}) {
  const app: App = Testing.app();
  const config = loadConfig(env);
  const backend = new CodeClashersBackend(app, config);
  return { objects: app.charts.flatMap(c => c.toJson()) as Manifest[], lanes: backend.lanes, config };
}

/** Judge0 in each mode: `cluster` (the default), `external` on the internet or on another VM, `off`. */
export const JUDGE0_MODES: Record<string, Record<string, string>> = {
  cluster: {},
  'external (public https)': { K8S_JUDGE0_MODE: 'external', K8S_JUDGE0_URL: 'https://judge0-ce.p.rapidapi.com', K8S_JUDGE0_AUTH_HEADER: 'X-RapidAPI-Key' },
  'external (private VM)': { K8S_JUDGE0_MODE: 'external', K8S_JUDGE0_URL: 'http://10.0.1.17:2358', K8S_JUDGE0_CIDR: '10.0.1.0/24' },
  off: { K8S_JUDGE0_MODE: 'off' },
};

/** A chart to put one construct in. */
export function testChart(): Chart {
  return new Chart(Testing.app(), 'test', { namespace: 'codeclashers' });
}

export function find(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.find(o => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in ${objects.map(o => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

export function workload(objects: Manifest[], name: string): Workload {
  const found = workloadsOf(objects).find(w => w.object.metadata.name === name);
  if (!found) throw new Error(`no workload ${name}`);
  return found;
}

/** Environment variables of a container, as name -> EnvVar. */
export function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e]));
}
