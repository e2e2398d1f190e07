// Judge0Database, Judge0Server and Judge0Worker: the three parts of the code-execution service.
import { Testing } from 'cdk8s';
import { loadConfig } from '../lib/config';
import { Judge0Database } from '../lib/judge0-database';
import { Judge0Server } from '../lib/judge0-server';
import { Judge0Worker } from '../lib/judge0-worker';
import { podsOf } from '../lib/network';
import { envOf, find, testChart } from './util';

const sizing = loadConfig({}).sizing;

function synthAll() {
  const chart = testChart();
  new Judge0Database(chart, 'Db', { sizing: sizing.POSTGRES, clients: [podsOf('judge0-server'), podsOf('judge0-worker')] });
  new Judge0Server(chart, 'Server', { sizing: sizing.JUDGE0_SERVER, clients: [podsOf('colyseus')] });
  new Judge0Worker(chart, 'Worker', { sizing: sizing.JUDGE0_WORKER, workersPerPod: 3 });
  return Testing.synth(chart);
}
const objects = synthAll();
const pod = (name: string) => find(objects, 'Deployment', name).spec.template.spec;

describe('Judge0Database', () => {
  test('ephemeral, Recreate, runs as postgres uid with its writable paths', () => {
    const d = find(objects, 'Deployment', 'postgres');
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(pod('postgres').securityContext).toMatchObject({ runAsUser: 999, runAsNonRoot: true });
    expect(pod('postgres').containers[0].image).toMatch(/^postgres:16\./);
    const mounts = pod('postgres').containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp']));
    expect(envOf(pod('postgres').containers[0]).PGDATA.value).toBe('/var/lib/postgresql/data/pgdata');
  });
});

describe('Judge0Server', () => {
  const env = envOf(pod('judge0-server').containers[0]);

  test('locked down: token auth, no network for submissions, no callbacks, no wait', () => {
    expect(env.AUTHN_HEADER.value).toBe('X-Auth-Token');
    expect(env.AUTHN_TOKEN.valueFrom.secretKeyRef.key).toBe('INTERNAL_SERVICE_SECRET');
    expect(env.ALLOW_ENABLE_NETWORK.value).toBe('false');
    expect(env.ENABLE_CALLBACKS.value).toBe('false');
    expect(env.ENABLE_WAIT_RESULT.value).toBe('false');
  });

  test('unprivileged, as the image\'s judge0 user; script passed as args so the entrypoint runs', () => {
    const c = pod('judge0-server').containers[0];
    expect(c.args).toEqual(['./scripts/server']);
    expect(c.command).toBeUndefined();
    expect(c.securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false });
    expect(pod('judge0-server').securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true });
  });

  test('ClusterIP on 2358, reachable only from the listed clients', () => {
    expect(find(objects, 'Service', 'judge0-server').spec.type).toBeUndefined();
    const policy = find(objects, 'NetworkPolicy', 'judge0-server');
    expect(policy.spec.ingress).toEqual([{ from: [podsOf('colyseus')], ports: [{ protocol: 'TCP', port: 2358 }] }]);
  });
});

describe('Judge0Worker', () => {
  test('privileged with the reason recorded on the object', () => {
    const d = find(objects, 'Deployment', 'judge0-worker');
    expect(d.metadata.annotations!['policy.codeclashers.dev/exempt-privileged']).toMatch(/isolate/);
    expect(pod('judge0-worker').containers[0].securityContext).toEqual({ privileged: true, allowPrivilegeEscalation: true });
  });

  test('same image as the server (the queue is named after the version), explicit worker count', () => {
    expect(pod('judge0-worker').containers[0].image).toBe(pod('judge0-server').containers[0].image);
    expect(pod('judge0-worker').containers[0].args).toEqual(['./scripts/workers']);
    expect(envOf(pod('judge0-worker').containers[0]).COUNT.value).toBe('3');
  });

  test('no ingress; egress only to Redis and PostgreSQL (no internet, no metadata service)', () => {
    const policy = find(objects, 'NetworkPolicy', 'judge0-worker');
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress).toEqual([
      { to: [podsOf('redis')], ports: [{ protocol: 'TCP', port: 6379 }] },
      { to: [podsOf('postgres')], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
  });

  test('no Service points at the workers', () => {
    expect(objects.filter((o: any) => o.kind === 'Service' && o.spec.selector['app.kubernetes.io/name'] === 'judge0-worker')).toEqual([]);
  });
});
