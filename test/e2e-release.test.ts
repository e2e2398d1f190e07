// "The cluster equals the last good release", and "nothing restarted".
import { PodState, canonicalJson, podStatesOf, releaseDifferences, restartedPods, snapshotOf } from '../scripts/e2e/release';

const deployment = (name: string, image: string, extra: any = {}) => ({
  kind: 'Deployment',
  metadata: { name, generation: 3, resourceVersion: '100' },
  spec: { replicas: 2, template: { metadata: { labels: { 'app.kubernetes.io/name': name } }, spec: { containers: [{ name, image, env: [{ name: 'A', value: '1' }] }] } }, ...extra },
  status: { readyReplicas: 2 },
});
const statefulSet = (name: string, image: string) => ({
  kind: 'StatefulSet', metadata: { name }, spec: { template: { spec: { initContainers: [{ image: 'busybox:1' }], containers: [{ image }] } } },
});
const good = snapshotOf([deployment('colyseus', 'r/colyseus:good'), statefulSet('redis', 'redis:7')], { metadata: { resourceVersion: '42' } });

describe('releaseDifferences', () => {
  test('the same objects, read again (other status, generation), are the same release', () => {
    const again = snapshotOf([statefulSet('redis', 'redis:7'), { ...deployment('colyseus', 'r/colyseus:good'), status: { readyReplicas: 1 }, metadata: { name: 'colyseus', generation: 5 } }], { metadata: { resourceVersion: '42' } });
    expect(releaseDifferences(good, again)).toEqual([]);
  });

  test('a workload left on the broken image', () => {
    const after = snapshotOf([deployment('colyseus', 'r/colyseus:bad'), statefulSet('redis', 'redis:7')], { metadata: { resourceVersion: '42' } });
    expect(releaseDifferences(good, after)).toEqual(['Deployment/colyseus runs r/colyseus:bad instead of r/colyseus:good']);
  });

  test('replicas, another template, a new or missing workload, a written Secret: each named', () => {
    const changedEnv = deployment('colyseus', 'r/colyseus:good', { replicas: 3 });
    changedEnv.spec.template.spec.containers[0].env[0].value = '2';
    const after = snapshotOf([changedEnv, deployment('judge0-server', 'j:1')], { metadata: { resourceVersion: '43' } });
    expect(releaseDifferences(good, after)).toEqual([
      'Deployment/colyseus has 3 replicas instead of 2',
      'Deployment/colyseus has another pod template than the last good release',
      'StatefulSet/redis is gone',
      'Deployment/judge0-server was not in the last good release',
      'Secret app-secrets was written (resourceVersion 42 -> 43)',
    ]);
    expect(releaseDifferences(good, snapshotOf([deployment('colyseus', 'r/colyseus:good'), statefulSet('redis', 'redis:7')])))
      .toEqual(['Secret app-secrets was deleted (resourceVersion 42 -> undefined)']);
  });

  test('init container images count; unset replicas mean 1', () => {
    expect(good.workloads.find(w => w.id === 'StatefulSet/redis')).toMatchObject({ images: ['busybox:1', 'redis:7'], replicas: 1 });
  });

  test('canonicalJson ignores key order, not array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: 0 } })).toBe(canonicalJson({ a: { c: 0, d: [2, 1] }, b: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe('restartedPods', () => {
  const pod = (name: string, uid: string, restartCount = 0, extra: any = {}) => ({
    metadata: { name, uid, labels: { 'app.kubernetes.io/name': 'colyseus' }, ...extra },
    spec: { containers: [{ image: 'c:1' }] },
    status: { conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ restartCount }] },
  });
  const before = podStatesOf([pod('colyseus-1', 'u1'), pod('redis-0', 'u2', 1)]);

  test('the same pods with the same restart counts: nothing restarted', () => {
    expect(restartedPods(before, podStatesOf([pod('redis-0', 'u2', 1), pod('colyseus-1', 'u1')]))).toEqual([]);
  });

  test('a replaced pod (same name, new uid), a container restart, a new pod', () => {
    expect(restartedPods(before, podStatesOf([pod('colyseus-1', 'u1', 1), pod('redis-0', 'u3'), pod('colyseus-2', 'u4')]))).toEqual([
      'pod colyseus-1 restarted (0 -> 1 container restarts)',
      'pod redis-0 was replaced',
      'pod colyseus-2 is new',
      'pod redis-0 is new',
    ]);
  });

  test('podStatesOf reads readiness, restarts summed over containers, termination', () => {
    const [state] = podStatesOf([{ ...pod('x', 'u', 0, { deletionTimestamp: '2026-12-01T00:00:00Z' }), status: { containerStatuses: [{ restartCount: 2 }, { restartCount: 1 }] } }]);
    expect(state).toEqual<PodState>({ name: 'x', uid: 'u', restarts: 3, ready: false, images: ['c:1'], workload: 'colyseus', terminating: true });
  });
});
