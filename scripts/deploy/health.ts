// Step 8: each workload answers the way its own readiness probe asks, reached the way clients
// reach it: HTTP probes through the Service (API-server proxy), exec probes with kubectl exec.
import { NAMESPACE } from '../../lib/labels';
import { Manifest, selects, workloadsOf } from '../../lib/manifest';
import { Context, kubectl } from './context';

export interface HealthCheck { readonly name: string; readonly args: string[] }

/** The checks, derived from the manifests' readiness probes and Services. */
export function healthChecks(objects: readonly Manifest[]): HealthCheck[] {
  const services = objects.filter(o => o.kind === 'Service');
  return workloadsOf(objects).flatMap(w => (w.podSpec.containers ?? []).flatMap((c: any): HealthCheck[] => {
    const probe = c.readinessProbe;
    if (probe?.httpGet) {
      const port = (c.ports ?? []).find((p: any) => p.containerPort === probe.httpGet.port || p.name === probe.httpGet.port);
      const service = services.find(s => selects({ matchLabels: s.spec?.selector }, w.podLabels)
        && (s.spec.ports ?? []).some((sp: any) => [port?.containerPort, port?.name].includes(sp.targetPort ?? sp.port)));
      if (!service) return [];
      const servicePort = service.spec.ports.find((sp: any) => [port?.containerPort, port?.name].includes(sp.targetPort ?? sp.port)).port;
      return [{ name: `${w.id} GET ${probe.httpGet.path} via Service ${service.metadata.name}`,
        args: ['get', '--raw', `/api/v1/namespaces/${NAMESPACE}/services/${service.metadata.name}:${servicePort}/proxy${probe.httpGet.path}`] }];
    }
    if (probe?.exec) {
      return [{ name: `${w.id} ${c.name} readiness command`,
        args: ['exec', '-n', NAMESPACE, `${w.object.kind.toLowerCase()}/${w.object.metadata.name}`, '-c', c.name, '--', ...probe.exec.command] }];
    }
    return [];
  }));
}

/** Names of the checks that never passed. */
export async function checkHealth(ctx: Context, objects: readonly Manifest[]): Promise<string[]> {
  ctx.log('\n==> Health');
  const failed: string[] = [];
  for (const check of healthChecks(objects)) {
    let ok = false;
    for (let i = 0; i < ctx.opts.healthAttempts && !ok; i++) {
      if (i > 0) await ctx.clock.sleep(ctx.opts.healthIntervalSeconds * 1000);
      ok = (await kubectl(ctx, check.args)).status === 0;
    }
    ctx.log(`${check.name}: ${ok ? 'ok' : 'FAILED'}`);
    if (!ok) failed.push(check.name);
  }
  return failed;
}
