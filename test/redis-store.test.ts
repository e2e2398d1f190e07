import { Testing } from 'cdk8s';
import { loadConfig } from '../lib/config';
import { podsOf } from '../lib/network';
import { RedisStore } from '../lib/redis-store';
import { find, testChart } from './util';

function synth(memoryLimit = '1Gi') {
  const chart = testChart();
  const sizing = loadConfig({ K8S_REDIS_MEMORY_LIMIT: memoryLimit }).sizing.REDIS;
  new RedisStore(chart, 'Redis', { sizing, storageClassName: 'fast', storageSize: '3Gi', clients: [podsOf('a'), podsOf('b')] });
  return Testing.synth(chart);
}

test('the password never appears in argv: it is written to a tmpfs config file', () => {
  const pod = find(synth(), 'StatefulSet', 'redis').spec.template.spec;
  const [script] = pod.containers[0].command.slice(2);
  expect(script).toContain('"$REDIS_PASSWORD" > /etc/redis/redis.conf');
  expect(script).toMatch(/exec redis-server \/etc\/redis\/redis.conf/);
  expect(script).not.toMatch(/--requirepass/);
  expect(pod.volumes).toContainEqual({ name: 'config', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } });
});

test('maxmemory follows the memory limit, so Redis refuses writes before the kernel kills it', () => {
  const script = (limit: string) => find(synth(limit), 'StatefulSet', 'redis').spec.template.spec.containers[0].command[2];
  expect(script('1Gi')).toContain(`--maxmemory ${Math.floor(0.8 * 2 ** 30)} --maxmemory-policy noeviction`);
  expect(script('2Gi')).toContain(`--maxmemory ${Math.floor(1.6 * 2 ** 30)} `);
});

test('only the listed clients may connect, on 6379', () => {
  const policy = find(synth(), 'NetworkPolicy', 'redis');
  expect(policy.spec.ingress).toHaveLength(1);
  expect(policy.spec.ingress[0].from.map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['a', 'b']);
  expect(policy.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 6379 }]);
});

test('persistent, retained volume', () => {
  const set = find(synth(), 'StatefulSet', 'redis');
  expect(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('3Gi');
  expect(set.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
});
