// Judge0Database, Judge0Server and Judge0Worker: the three parts of the code-execution service.
import { Testing } from 'cdk8s';
import { loadConfig } from '../lib/config';
import { Judge0Database } from '../lib/judge0-database';
import { Judge0Server } from '../lib/judge0-server';
import { Judge0Worker } from '../lib/judge0-worker';
import { Judge0Limits } from '../lib/config';
import { JUDGE0_MAX_MEMORY_LIMIT_KB } from '../lib/judge0-settings';
import { envOf, find, testChart } from './util';

const sizing = loadConfig({}).sizing;

function synthAll(limits: Judge0Limits = 'per-process') {
  const chart = testChart();
  const postgres = new Judge0Database(chart, 'Db', { sizing: sizing.POSTGRES });
  // Store endpoints under other names than the defaults: the settings must follow them.
  const settings = { redis: { service: 'queue', port: 6380 }, postgres, limits };
  new Judge0Server(chart, 'Server', { sizing: sizing.JUDGE0_SERVER, ...settings });
  new Judge0Worker(chart, 'Worker', { sizing: sizing.JUDGE0_WORKER, workersPerPod: 3, ...settings });
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

  test('ClusterIP on 2358', () => {
    expect(find(objects, 'Service', 'judge0-server').spec.type).toBeUndefined();
    expect(find(objects, 'Service', 'judge0-server').spec.ports).toEqual([{ name: 'http', port: 2358, targetPort: 2358 }]);
  });

  test('reaches the stores by the names and ports they expose', () => {
    expect([env.REDIS_HOST.value, env.REDIS_PORT.value, env.POSTGRES_HOST.value, env.POSTGRES_PORT.value]).toEqual(['queue', '6380', 'postgres', '5432']);
  });
});

describe('isolate limits (K8S_JUDGE0_LIMITS)', () => {
  const limits = (objects: any[], name: string) => {
    const env = envOf(find(objects, 'Deployment', name).spec.template.spec.containers[0]);
    return ['ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT', 'ENABLE_PER_PROCESS_AND_THREAD_MEMORY_LIMIT', 'MAX_MEMORY_LIMIT']
      .map(k => env[k]?.value)
      .concat(['ALLOW_ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT', 'ALLOW_ENABLE_PER_PROCESS_AND_THREAD_MEMORY_LIMIT'].map(k => env[k]?.value ?? 'upstream default'));
  };

  test.each(['judge0-server', 'judge0-worker'])('per-process (the default) on %s: isolate runs without cgroups', name => {
    expect(limits(objects, name)).toEqual(['true', 'true', String(JUDGE0_MAX_MEMORY_LIMIT_KB), 'upstream default', 'upstream default']);
  });

  test.each(['judge0-server', 'judge0-worker'])('cgroup on %s: both off, so isolate gets --cg', name => {
    expect(limits(synthAll('cgroup'), name)).toEqual(['false', 'false', String(JUDGE0_MAX_MEMORY_LIMIT_KB), 'upstream default', 'upstream default']);
  });

  test('the worker stays privileged in either mode', () => {
    for (const l of ['per-process', 'cgroup'] as const) {
      expect(find(synthAll(l), 'Deployment', 'judge0-worker').spec.template.spec.containers[0].securityContext.privileged).toBe(true);
    }
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

  test('no Service points at the workers', () => {
    expect(objects.filter((o: any) => o.kind === 'Service' && o.spec.selector['app.kubernetes.io/name'] === 'judge0-worker')).toEqual([]);
  });
});

test('every language the game server offers asks for a memory_limit both our Judge0 and an external one with the upstream default accept', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LANGUAGES, JUDGE0_DEFAULT_MAX_MEMORY_LIMIT_KB } = require('../backend/colyseus/src/languages');
  expect(LANGUAGES.length).toBeGreaterThan(0);
  for (const language of LANGUAGES) {
    expect([language.name, language.memoryLimitKb <= Math.min(JUDGE0_MAX_MEMORY_LIMIT_KB, JUDGE0_DEFAULT_MAX_MEMORY_LIMIT_KB)]).toEqual([language.name, true]);
  }
});
