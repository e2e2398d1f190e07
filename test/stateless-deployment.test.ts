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
