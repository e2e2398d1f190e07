import { App, Chart, Testing } from 'cdk8s';
import { CodeClashersBackend } from '../lib/codeclashers-backend';
import { loadConfig } from '../lib/config';
import { Manifest, Workload, workloadsOf } from '../lib/manifest';

/** The objects the full app synthesizes for `env`, in apply order. */
export function synthBackend(env: Record<string, string> = {}): Manifest[] {
  const app: App = Testing.app();
  new CodeClashersBackend(app, loadConfig(env));
  return app.charts.flatMap(c => c.toJson());
}

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
