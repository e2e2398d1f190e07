import { Testing } from 'cdk8s';
import { loadConfig } from '../lib/config';
import { RedisStore } from '../lib/redis-store';
import { find, testChart } from './util';

function synth(memoryLimit = '1Gi') {
  const chart = testChart();
  const sizing = loadConfig({ K8S_REDIS_MEMORY_LIMIT: memoryLimit }).sizing.REDIS;
  new RedisStore(chart, 'Redis', { sizing, storageClassName: 'fast', storageSize: '3Gi' });
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

test('exposes its Service name and port, which the Service has', () => {
  const chart = testChart();
  const redis = new RedisStore(chart, 'Redis', { sizing: loadConfig({}).sizing.REDIS, storageClassName: 'fast', storageSize: '3Gi' });
  expect([redis.service, redis.port]).toEqual(['redis', 6379]);
  const service = find(Testing.synth(chart), 'Service', redis.service);
  expect(service.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379 }]);
});

test('persistent, retained volume', () => {
  const set = find(synth(), 'StatefulSet', 'redis');
  expect(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('3Gi');
  expect(set.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
});
