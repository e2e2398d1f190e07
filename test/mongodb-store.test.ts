import { Testing } from 'cdk8s';
import { loadConfig } from '../lib/config';
import { MongoDbStore } from '../lib/mongodb-store';
import { envOf, find, testChart } from './util';

function synth() {
  const chart = testChart();
  new MongoDbStore(chart, 'MongoDb', { sizing: loadConfig({}).sizing.MONGODB, storageClassName: 'fast', storageSize: '20Gi' });
  return Testing.synth(chart);
}

test('StatefulSet with its volume from a claim template on the given class', () => {
  const set = find(synth(), 'StatefulSet', 'mongodb');
  expect(set.spec.volumeClaimTemplates[0].spec).toEqual({
    accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '20Gi' } },
  });
  expect(set.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data/db' });
});

test('runs as the image\'s mongodb uid with writable paths for a read-only image', () => {
  const pod = find(synth(), 'StatefulSet', 'mongodb').spec.template.spec;
  expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
  const mounts = pod.containers[0].volumeMounts.map((m: any) => m.mountPath);
  expect(mounts).toEqual(expect.arrayContaining(['/data/db', '/data/configdb', '/tmp']));
});

test('root user from app-secrets as mounted files, which the image reads on first start', () => {
  const pod = find(synth(), 'StatefulSet', 'mongodb').spec.template.spec;
  const env = envOf(pod.containers[0]);
  // docker-library/mongo docker-entrypoint.sh: file_env reads MONGO_INITDB_ROOT_*_FILE.
  expect(env.MONGO_INITDB_ROOT_USERNAME_FILE.value).toBe('/etc/mongodb-root/username');
  expect(env.MONGO_INITDB_ROOT_PASSWORD_FILE.value).toBe('/etc/mongodb-root/password');
  // Both forms at once make the entrypoint exit ("both ... are set (but are exclusive)").
  expect(env.MONGO_INITDB_ROOT_PASSWORD).toBeUndefined();
  const volume = pod.volumes.find((v: any) => v.name === 'root-credentials');
  expect(volume.secret).toMatchObject({ secretName: 'app-secrets', items: [{ key: 'MONGODB_USERNAME', path: 'username' }, { key: 'MONGODB_PASSWORD', path: 'password' }] });
  expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'root-credentials', mountPath: '/etc/mongodb-root', readOnly: true });
});

test('NodePort 32017 keeps client addresses (the lane table then allows by CIDR)', () => {
  const external = find(synth(), 'Service', 'mongodb-external');
  expect(external.spec).toMatchObject({ type: 'NodePort', externalTrafficPolicy: 'Local' });
  expect(external.spec.ports[0]).toMatchObject({ port: 27017, nodePort: 32017 });
});

test('a headless governing Service (serviceName is immutable: it stays mongodb-headless)', () => {
  const objects = synth();
  expect(find(objects, 'StatefulSet', 'mongodb').spec.serviceName).toBe('mongodb-headless');
  expect(find(objects, 'Service', 'mongodb-headless').spec.clusterIP).toBe('None');
});
