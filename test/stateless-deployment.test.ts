import { Testing } from 'cdk8s';
import { StatelessDeployment } from '../lib/stateless-deployment';
import { testChart } from './util';

function synth(replicas: number) {
  const chart = testChart();
  new StatelessDeployment(chart, 'Web', {
    name: 'web', component: 'frontend', replicas,
    podSpec: { containers: [{ name: 'web', image: 'nginx:1.27.0' }] },
    annotations: { note: 'kept' },
  });
  return Testing.synth(chart);
}

test('zero-downtime rolling update and a budget of one pod', () => {
  const [deployment, budget] = synth(3);
  expect(deployment.kind).toBe('Deployment');
  expect(deployment.metadata.annotations).toEqual({ note: 'kept' });
  expect(deployment.spec.replicas).toBe(3);
  expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  expect(budget.kind).toBe('PodDisruptionBudget');
  expect(budget.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } });
});

test('selector is the explicit name label, not derived from the construct path', () => {
  const [deployment] = synth(1);
  expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web' });
  expect(deployment.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/component': 'frontend' });
});

test('pods get no service-account token unless the spec asks', () => {
  const [deployment] = synth(1);
  expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
  expect(deployment.spec.template.spec.enableServiceLinks).toBe(false);
});

test('with one replica the budget still lets a drain evict it', () => {
  const [, budget] = synth(1);
  expect(budget.spec.maxUnavailable).toBe(1);
});

describe('progress deadline', () => {
  const deadline = (podSpec: any) => {
    const chart = testChart();
    new StatelessDeployment(chart, 'Web', { name: 'web', component: 'frontend', replicas: 1, podSpec });
    return Testing.synth(chart)[0].spec.progressDeadlineSeconds;
  };
  const probe = { httpGet: { path: '/readyz', port: 80 } };
  test('covers a pull, the start-up probe\'s whole budget and the old pod\'s drain', () => {
    // 120 s pull + 5 s x 48 start-up + 960 s drain (Colyseus: a 900 s match + 60 s).
    expect(deadline({ terminationGracePeriodSeconds: 960, containers: [{ name: 'a', image: 'a:1', startupProbe: { ...probe, periodSeconds: 5, failureThreshold: 48 } }] })).toBe(120 + 240 + 960);
    // Without a start-up probe, the readiness probe's budget; the longest container counts.
    expect(deadline({ terminationGracePeriodSeconds: 600, containers: [
      { name: 'a', image: 'a:1', readinessProbe: { ...probe, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 6 } },
      { name: 'b', image: 'b:1', readinessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 } },
    ] })).toBe(120 + 90 + 600);
  });
  test('never below Kubernetes\' default of 600 s', () => {
    expect(deadline({ containers: [{ name: 'a', image: 'a:1' }] })).toBe(600);
  });
});
