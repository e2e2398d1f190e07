// The translation of a synthesized Deployment into `docker run` options (scripts/images/run-args.ts):
// what the image smoke test runs is what the manifests say, and what has no local form is refused.
import * as fs from 'fs';
import * as path from 'path';
import { Manifest } from '../lib/manifest';
import { expand, localRunOf, LocalRunOptions } from '../scripts/images/run-args';
import { REQUIRED_VARIABLE, SERVICES, parseArgs } from '../scripts/images/smoke';
import { find, synthBackend } from './util';

const objects = synthBackend();
const deployment = (name: string): Manifest => JSON.parse(JSON.stringify(find(objects, 'Deployment', name)));
const secretValue = (secret: string, key: string) => `test-${secret}-${key}`;
const base: LocalRunOptions = { image: 'codeclashers-colyseus:test', secretValue };

/** `--flag value` pairs of an options list. */
const values = (options: string[], flag: string) => options.flatMap((o, i) => (o === flag ? [options[i + 1]] : []));

describe('the Colyseus Deployment as docker run', () => {
  const run = localRunOf(deployment('colyseus'), { ...base, listenPort: 40123, endpoints: { 'redis:6379': '127.0.0.1:40999' } });

  test('same uid/gid, fsGroup as a supplementary group, read-only root, no capabilities, no escalation', () => {
    expect(values(run.options, '--user')).toEqual(['1000:1000']);
    expect(values(run.options, '--group-add')).toEqual(['1000']);
    expect(run.options).toContain('--read-only');
    expect(values(run.options, '--cap-drop')).toEqual(['ALL']);
    expect(values(run.options, '--security-opt')).toEqual(['no-new-privileges']);
    expect(run.options).not.toContain('--privileged');
  });

  test('the memory emptyDir at /tmp is a tmpfs of its size limit, group-writable as fsGroup makes it', () => {
    expect(values(run.options, '--tmpfs')).toEqual(['/tmp:rw,exec,nosuid,nodev,size=67108864,mode=2777']);
  });

  test('a Secret volume is a read-only bind mount of test files, one per listed key', () => {
    const withDir = localRunOf(deployment('colyseus'), { ...base, listenPort: 40123, secretDir: '/tmp/smoke/secrets' });
    const pod = deployment('colyseus').spec.template.spec;
    const secretVolumes = pod.volumes.filter((v: any) => v.secret);
    expect(secretVolumes.length).toBeGreaterThan(0);
    for (const volume of secretVolumes) {
      const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === volume.name);
      expect(values(withDir.options, '--volume')).toContain(`/tmp/smoke/secrets/${volume.name}:${mount.mountPath}:ro`);
      for (const item of volume.secret.items) {
        expect(withDir.files[`${volume.name}/${item.path}`]).toBe(secretValue(volume.secret.secretName, item.key));
      }
    }
  });

  test('host networking, the limits, and the image given instead of the manifest\'s', () => {
    expect(values(run.options, '--network')).toEqual(['host']);
    expect(values(run.options, '--memory')).toEqual([String(2 ** 30)]);
    expect(values(run.options, '--cpus')).toEqual(['1']);
    expect(run.image).toBe('codeclashers-colyseus:test');
    expect(run.args).toEqual([]);
  });

  test('the manifest\'s variable names, $(VAR) expanded, secrets as test values, cluster addresses local', () => {
    const names = deployment('colyseus').spec.template.spec.containers[0].env.map((v: any) => v.name);
    expect(Object.keys(run.env)).toEqual(names);
    expect(run.env.REDIS_URL).toBe('redis://:test-app-secrets-REDIS_PASSWORD@127.0.0.1:40999/0');
    expect(run.env.MONGODB_URI).toBe('mongodb://test-mongodb-colyseus-username:test-mongodb-colyseus-password@mongodb:27017/codeclashers?authSource=codeclashers&tls=true&tlsCAFile=/etc/mongodb-tls/ca.crt');
    expect(run.env.JUDGE0_AUTH_TOKEN).toBe(run.env.INTERNAL_SERVICE_SECRET);
    expect(run.env.POD_IP).toBe('127.0.0.1');
  });

  test('on a host port of its own: PORT moves and the probes follow; the grace period is the manifest\'s', () => {
    expect(run.env.PORT).toBe('40123');
    const { periodSeconds, failureThreshold, timeoutSeconds } = deployment('colyseus').spec.template.spec.containers[0].startupProbe;
    expect(run.startupProbe).toEqual({ path: '/healthz', port: 40123, periodSeconds, failureThreshold, timeoutSeconds });
    expect(run.readinessProbe).toMatchObject({ path: '/readyz', port: 40123 });
    expect(run.gracePeriodSeconds).toBe(960);
  });

  test('a variable can be left out, to see the service refuse to start', () => {
    const without = localRunOf(deployment('colyseus'), { ...base, omit: ['COLYSEUS_RESERVATION_SECRET'] });
    expect(without.env).not.toHaveProperty('COLYSEUS_RESERVATION_SECRET');
    expect(without.env.PORT).toBe('2567');
    expect(() => localRunOf(deployment('colyseus'), { ...base, omit: ['NOT_SET'] })).toThrow('cannot leave out NOT_SET: the manifest does not set it');
  });
});

test('the bot service: its own port, probes and grace period', () => {
  const run = localRunOf(deployment('bots'), { ...base, listenPort: 40124 });
  expect(run.env.PORT).toBe('40124');
  expect(run.readinessProbe).toMatchObject({ path: '/readyz', port: 40124 });
  expect(run.gracePeriodSeconds).toBe(60);
  expect(values(run.options, '--memory')).toEqual([String(512 * 2 ** 20)]);
});

describe('it follows the manifest', () => {
  test('a writable root, added capabilities, a command and a disk emptyDir', () => {
    const d = deployment('bots');
    const pod = d.spec.template.spec;
    const container = pod.containers[0];
    container.securityContext.readOnlyRootFilesystem = false;
    container.securityContext.capabilities.add = ['NET_BIND_SERVICE'];
    container.command = ['/usr/local/bin/node'];
    container.args = ['other.js'];
    delete pod.securityContext.fsGroup;
    pod.volumes = [{ name: 'tmp', emptyDir: {} }];
    const run = localRunOf(d, base);
    expect(run.options).not.toContain('--read-only');
    expect(values(run.options, '--cap-add')).toEqual(['NET_BIND_SERVICE']);
    expect(values(run.options, '--entrypoint')).toEqual(['/usr/local/bin/node']);
    expect(run.args).toEqual(['other.js']);
    expect(values(run.options, '--group-add')).toEqual([]);
    expect(values(run.options, '--tmpfs')).toEqual(['/tmp:rw,exec,nosuid,nodev,mode=0777']);
  });

  test('what has no local form is refused, naming the field', () => {
    const hostPath = deployment('bots');
    hostPath.spec.template.spec.volumes = [{ name: 'tmp', hostPath: { path: '/var/run' } }];
    expect(() => localRunOf(hostPath, base)).toThrow('Deployment/bots: volumeMounts[tmp]=["hostPath"] has no local translation; supported: emptyDir, secret');
    const configMap = deployment('bots');
    configMap.spec.template.spec.containers[0].env.push({ name: 'X', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } });
    expect(() => localRunOf(configMap, base)).toThrow('Deployment/bots: env X valueFrom=');
    const noPort = deployment('bots');
    noPort.spec.template.spec.containers[0].env = noPort.spec.template.spec.containers[0].env.filter((v: any) => v.name !== 'PORT');
    expect(() => localRunOf(noPort, { ...base, listenPort: 1234 })).toThrow('no variable is set to the container port 3000');
  });
});

test('$(VAR) expansion as Kubernetes does it', () => {
  const defined = { A: 'a', EMPTY: '' };
  expect(expand('x$(A)y', defined)).toBe('xay');
  expect(expand('$(EMPTY)-$(UNDEFINED)', defined)).toBe('-$(UNDEFINED)');
  expect(expand('$$(A) costs $5 $', defined)).toBe('$(A) costs $5 $');
  expect(expand('$(A', defined)).toBe('$(A');
});

test('the smoke test covers every service the deploy builds (the workspaces), each with a variable its settings require', () => {
  for (const service of SERVICES) {
    expect(REQUIRED_VARIABLE[service]).toBeDefined();
    expect(fs.readFileSync(path.join(__dirname, '../backend', service, 'src/settings.ts'), 'utf8')).toContain(REQUIRED_VARIABLE[service]);
  }
  expect(() => parseArgs(['--service', 'judge0', '--image', 'x'])).toThrow('--service="judge0" is invalid; expected one of colyseus, bots');
});
