// The deploy's pure decisions (scripts/deploy/*), fast. The scenarios are in test/integ/deploy.test.ts.
import { SECRET_KEYS } from '../lib/app-secrets';
import { FIELD_MANAGER, serverSideApply } from '../scripts/deploy/apply-flags';
import { changedInDiff, changedSecretKeys } from '../scripts/deploy/apply';
import { healthChecks } from '../scripts/deploy/health';
import { hostRefusals, requiredSecretsFor } from '../scripts/deploy/host';
import {
  PRUNABLE_KINDS, RELEASE_SET, RELEASE_SET_LABEL, prepareManifests, pruneCandidates, rolloutCapacityProblems,
} from '../scripts/deploy/manifests';
import { DEFAULT_K3S_VERSION, DeployOptionsError, loadDeployOptions, withRepositoryVariables } from '../scripts/deploy/options';
import { Release, decodeReleases, recordRelease, releasesManifest } from '../scripts/deploy/release';
import { dropSucceeded, podsOnOldSecrets, readersOf, rotationSecrets } from '../scripts/deploy/redis-rotation';
import { restorePlan } from '../scripts/deploy/restore';
import { failedCreate, podsOffRevision, rolloutState } from '../scripts/deploy/rollout';
import { SECRET_DIGEST_ANNOTATION, redactor, secretDigest, secretKeysByWorkload } from '../scripts/deploy/secrets';
import { synthBackend, find } from './util';

const objects = synthBackend();

describe('options', () => {
  const base = { GITHUB_REPOSITORY_OWNER: 'Acme', HOME: '/home/runner' };
  test('defaults: registry from the owner, lower-cased; kubeconfig in HOME; pinned k3s', () => {
    const o = loadDeployOptions(base);
    expect(o.imageRegistry).toBe('ghcr.io/acme');
    expect(o.kubeconfig).toBe('/home/runner/.kube/config');
    expect(o.k3sVersion).toBe(DEFAULT_K3S_VERSION);
    expect(o.rolloutSeconds).toBe(300);
    expect(loadDeployOptions({ ...base, IMAGE_REGISTRY: 'localhost:5000', KUBECONFIG: '/tmp/k' })).toMatchObject({ imageRegistry: 'localhost:5000', kubeconfig: '/tmp/k' });
  });

  test('a typo is one line naming the variable, the value and the accepted form, not NaN', () => {
    const attempt = () => loadDeployOptions({ ...base, DEPLOY_ROLLOUT_TIMEOUT_SECONDS: '5m', K3S_VERSION: '1.33', IMAGE_REGISTRY: 'GHCR.io/Acme' });
    expect(attempt).toThrow(DeployOptionsError);
    try { attempt(); } catch (e) {
      expect((e as DeployOptionsError).problems).toEqual([
        'IMAGE_REGISTRY="GHCR.io/Acme" is invalid; accepted: a lower-case registry path such as ghcr.io/acme or localhost:5000',
        `K3S_VERSION="1.33" is invalid; accepted: a k3s release such as ${DEFAULT_K3S_VERSION}`,
        'DEPLOY_ROLLOUT_TIMEOUT_SECONDS="5m" is invalid; accepted: a whole number from 1 to 86400',
      ]);
    }
    expect(() => loadDeployOptions({ HOME: '/h' })).toThrow(/IMAGE_REGISTRY is unset and so is GITHUB_REPOSITORY_OWNER/);
    expect(() => loadDeployOptions({ ...base, DEPLOY_POLL_SECONDS: '0' })).toThrow('DEPLOY_POLL_SECONDS="0" is invalid; accepted: seconds more than 0 and at most 3600, e.g. 5 or 0.5');
  });

  test('repository variables supply K8S_* knobs; the environment wins; empty means unset', () => {
    const env = withRepositoryVariables({ GITHUB_VARS_JSON: JSON.stringify({ K8S_BOTS_REPLICAS: '1', K8S_MATCH_SECONDS: '600', OTHER: 'x' }), K8S_BOTS_REPLICAS: '3', K3S_VERSION: '' });
    expect(env).toMatchObject({ K8S_BOTS_REPLICAS: '3', K8S_MATCH_SECONDS: '600' });
    expect(env.OTHER).toBeUndefined();
    expect(env.K3S_VERSION).toBeUndefined();
  });
});

test('server-side apply and its dry run share one field manager and flags', () => {
  expect(serverSideApply()).toEqual(['--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts']);
  expect(serverSideApply('dry-run')).toEqual([...serverSideApply(), '--dry-run=server']);
});

describe('host preflight', () => {
  const facts = { arch: 'x86_64', cgroupV2: true, judge0Mode: 'cluster' as const, judge0Limits: 'per-process' as const };
  test('arm64 with Judge0 in the cluster: one line, amd64-only, naming external and off', () => {
    const [line, ...more] = hostRefusals({ ...facts, arch: 'aarch64' });
    expect(more).toEqual([]);
    expect(line).toMatch(/amd64-only/);
    expect(line).toMatch(/=external/);
    expect(line).toMatch(/=off/);
  });
  test('per-process limits need no cgroup check; cgroup limits refuse cgroup v2', () => {
    expect(hostRefusals(facts)).toEqual([]);
    expect(hostRefusals({ ...facts, judge0Limits: 'cgroup' })).toEqual([expect.stringContaining('cgroup v2')]);
    expect(hostRefusals({ ...facts, judge0Limits: 'cgroup', cgroupV2: false })).toEqual([]);
  });
  test('Judge0 external or off: any host', () => {
    expect(hostRefusals({ ...facts, arch: 'aarch64', judge0Mode: 'external', judge0Limits: 'cgroup' })).toEqual([]);
    expect(hostRefusals({ ...facts, arch: 'arm64', judge0Mode: 'off' })).toEqual([]);
  });
  test('Judge0\'s secrets are required only when it runs in the cluster', () => {
    expect(requiredSecretsFor('cluster')).toContain('JUDGE0_POSTGRES_PASSWORD');
    expect(requiredSecretsFor('external')).not.toContain('JUDGE0_POSTGRES_PASSWORD');
  });
});

describe('secrets', () => {
  const values = Object.fromEntries(SECRET_KEYS.map(k => [k, `v-${k}`]));
  test('readers come from the manifests\' secretKeyRefs', () => {
    const readers = secretKeysByWorkload(objects);
    expect(readers.get('StatefulSet/redis')).toEqual(['REDIS_PASSWORD']);
    expect(readers.get('Deployment/bots')).toContain('OPENAI_API_KEY');
    expect(readers.get('Deployment/colyseus')).not.toContain('OPENAI_API_KEY');
  });
  test('the digest changes with exactly the keys read, depends on the key, and is not a plain hash', () => {
    const d = secretDigest(values, ['REDIS_PASSWORD'], 'k1');
    expect(secretDigest({ ...values, OPENAI_API_KEY: 'x' }, ['REDIS_PASSWORD'], 'k1')).toBe(d);
    expect(secretDigest({ ...values, REDIS_PASSWORD: 'x' }, ['REDIS_PASSWORD'], 'k1')).not.toBe(d);
    expect(secretDigest(values, ['REDIS_PASSWORD'], 'k2')).not.toBe(d);
    const { createHash } = require('crypto');
    expect(createHash('sha256').update(`REDIS_PASSWORD\0v-REDIS_PASSWORD\0`).digest('hex')).not.toContain(d);
  });
  test('changed keys by name; redaction longest first', () => {
    expect(changedSecretKeys(values, { ...values, REDIS_PASSWORD: 'n' })).toEqual(['REDIS_PASSWORD']);
    expect(changedSecretKeys(undefined, values)).toEqual([...SECRET_KEYS]);
    expect(redactor(['abcd', 'abcdef', 'x'])('pw=abcdef and abcd, x stays')).toBe('pw=*** and ***, x stays');
  });
});

describe('manifests as applied', () => {
  const digests = new Map([['Deployment/colyseus', 'd1']]);
  const prepared = prepareManifests(objects, digests);
  test('release label on every object (top level only: PVCs must not inherit it), digest in the pod template, dist/ untouched', () => {
    expect(prepared.every(o => o.metadata.labels?.[RELEASE_SET_LABEL] === RELEASE_SET)).toBe(true);
    const mongo = find(prepared, 'StatefulSet', 'mongodb');
    expect(JSON.stringify(mongo.spec.volumeClaimTemplates)).not.toContain(RELEASE_SET_LABEL);
    expect(find(prepared, 'Deployment', 'colyseus').spec.template.metadata.annotations[SECRET_DIGEST_ANNOTATION]).toBe('d1');
    expect(find(objects, 'Deployment', 'colyseus').metadata.labels![RELEASE_SET_LABEL]).toBeUndefined();
  });
  test('progress deadlines come from dist/ as they are: the deploy patches none', () => {
    for (const d of objects.filter(o => o.kind === 'Deployment')) {
      expect(find(prepared, 'Deployment', d.metadata.name).spec.progressDeadlineSeconds).toBe(d.spec.progressDeadlineSeconds);
    }
  });
  test('capacity counts replicas old (draining) and replicas new pods of each rolling Deployment', () => {
    const small = synthBackend({ K8S_JUDGE0_MODE: 'off' });
    // mongodb 500m + redis 250m + colyseus 2x2x500m + bots 2x2x250m = 3750m
    expect(rolloutCapacityProblems(small, { cpu: '3750m', memory: '64Gi' })).toEqual([]);
    expect(rolloutCapacityProblems(small, { cpu: '3700m', memory: '64Gi' })).toEqual(['CPU requests 3750m > allocatable 3700m']);
  });
  test('prune: labelled, allow-listed kinds not in the code; never a PVC, Secret or Namespace', () => {
    const labels = { [RELEASE_SET_LABEL]: RELEASE_SET };
    const live = [
      { kind: 'Deployment', namespace: 'codeclashers', name: 'judge0-server', labels },
      { kind: 'Deployment', namespace: 'codeclashers', name: 'colyseus', labels },
      { kind: 'Service', namespace: 'codeclashers', name: 'old-name', labels },
      { kind: 'PersistentVolumeClaim', namespace: 'codeclashers', name: 'data-mongodb-0', labels },
      { kind: 'Secret', namespace: 'codeclashers', name: 'old', labels },
      { kind: 'ConfigMap', namespace: 'codeclashers', name: 'someone-elses' },
    ];
    const wanted = prepareManifests(synthBackend({ K8S_JUDGE0_MODE: 'off' }), new Map());
    expect(pruneCandidates(live, wanted).map(o => `${o.kind}/${o.name}`)).toEqual(['Deployment/judge0-server', 'Service/old-name']);
    expect(PRUNABLE_KINDS).not.toContain('PersistentVolumeClaim');
  });
  test('health checks come from readiness probes: HTTP through the Service, exec probes by exec', () => {
    const checks = healthChecks(objects);
    expect(checks.find(c => c.name.startsWith('Deployment/colyseus'))!.args).toEqual(['get', '--raw', '/api/v1/namespaces/codeclashers/services/colyseus:2567/proxy/readyz']);
    expect(checks.find(c => c.name.startsWith('StatefulSet/redis'))!.args.slice(0, 7)).toEqual(['exec', '-n', 'codeclashers', 'statefulset/redis', '-c', 'redis', '--']);
  });
});

describe('rollout state (kubectl\'s status viewer rules)', () => {
  const deployment = (status: any, generation = 2) => ({ kind: 'Deployment', metadata: { name: 'bots', generation }, spec: { replicas: 2 }, status });
  test('deployment', () => {
    expect(rolloutState(deployment({ observedGeneration: 1 })).message).toContain('spec update to be observed');
    expect(rolloutState(deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 3, availableReplicas: 2 })).done).toBe(false);
    expect(rolloutState(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 2 })).message).toContain('1 old replicas are pending termination');
    expect(rolloutState(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 })).done).toBe(true);
    expect(rolloutState(deployment({ observedGeneration: 2, conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] })).failed)
      .toBe('deployment "bots" exceeded its progress deadline');
  });
  test('statefulset: done only on one revision, all ready, once observed', () => {
    const sts = (status: any) => ({ kind: 'StatefulSet', metadata: { name: 'redis', generation: 3 }, spec: { replicas: 1 }, status });
    expect(rolloutState(sts({ observedGeneration: 2, readyReplicas: 1, currentRevision: 'a', updateRevision: 'a' })).done).toBe(false);
    expect(rolloutState(sts({ observedGeneration: 3, readyReplicas: 1, currentRevision: 'a', updateRevision: 'b' })).done).toBe(false);
    expect(rolloutState(sts({ observedGeneration: 3, readyReplicas: 1, currentRevision: 'b', updateRevision: 'b' })).done).toBe(true);
  });
  test('FailedCreate of the workload\'s ReplicaSet or StatefulSet since the run started', () => {
    const at = (t: string) => ({ reason: 'FailedCreate', message: 'forbidden: violates PodSecurity', involvedObject: { kind: 'ReplicaSet', name: 'bots-abc' }, lastTimestamp: t });
    expect(failedCreate([at('2026-12-01T00:10:00Z')], 'Deployment', 'bots', Date.parse('2026-12-01T00:05:00Z'))).toContain('ReplicaSet/bots-abc');
    expect(failedCreate([at('2026-12-01T00:01:00Z')], 'Deployment', 'bots', Date.parse('2026-12-01T00:05:00Z'))).toBeUndefined();
    expect(failedCreate([at('2026-12-01T00:10:00Z')], 'Deployment', 'colyseus', 0)).toBeUndefined();
  });
  test('pods off the update revision', () => {
    const pod = (name: string, rev: string) => ({ metadata: { name, labels: { 'controller-revision-hash': rev } } });
    expect(podsOffRevision([pod('redis-0', 'redis-bad'), pod('redis-1', 'redis-good')], 'redis-good')).toEqual(['redis-0']);
  });
});

describe('releases and restore', () => {
  const release = (commit: string, manifests = objects): Release => ({ commit, images: {}, manifests, pruned: [], deployedAt: '' });
  test('the record round-trips through its ConfigMap and stays bounded', () => {
    const history = [release('c'), release('b'), release('a')];
    expect(decodeReleases(releasesManifest(history)).map(r => r.commit)).toEqual(['c', 'b', 'a']);
    expect(recordRelease(history, release('d'), 3).map(r => r.commit)).toEqual(['d', 'c', 'b']);
    expect(decodeReleases(undefined)).toEqual([]);
  });
  test('restore applies the release and deletes what this run created, never a PVC or the Namespace', () => {
    const withoutJudge0 = synthBackend({ K8S_JUDGE0_MODE: 'off' });
    const plan = restorePlan(release('a', withoutJudge0), objects, new Set());
    expect(plan.apply).toBe(withoutJudge0);
    expect(plan.remove).toContain('Deployment/codeclashers/judge0-server');
    expect(plan.remove).not.toContain('Deployment/codeclashers/colyseus');
    const first = restorePlan(undefined, objects, new Set());
    expect(first.remove.some(k => k.startsWith('Namespace/') || k.startsWith('StorageClass/'))).toBe(false);
    expect(first.remove).toContain('StatefulSet/codeclashers/mongodb');
    // Objects that existed before this run (a cancelled run's) are not this run's to delete.
    expect(restorePlan(undefined, objects, new Set(['StatefulSet/codeclashers/mongodb'])).remove).not.toContain('StatefulSet/codeclashers/mongodb');
  });
  test('changed objects from kubectl diff headers', () => {
    expect(changedInDiff('diff -u -N /tmp/LIVE-1/apps.v1.Deployment.codeclashers.colyseus /tmp/MERGED-2/apps.v1.Deployment.codeclashers.colyseus\n+x\ndiff -u -N /tmp/LIVE-1/v1.Namespace.codeclashers /tmp/MERGED-2/v1.Namespace.codeclashers'))
      .toEqual(['Deployment/colyseus', 'Namespace/codeclashers']);
  });
});

describe('Redis password rotation', () => {
  const values = Object.fromEntries(SECRET_KEYS.map(k => [k, `v-${k}`]));
  test('the live password is kept as the previous one only when this run changes it', () => {
    const [secret] = rotationSecrets(values, { ...values, REDIS_PASSWORD: 'new' });
    expect(secret.metadata.name).toBe('redis-password-previous');
    expect(Buffer.from(secret.data.REDIS_PASSWORD_PREVIOUS, 'base64').toString()).toBe('v-REDIS_PASSWORD');
    expect(rotationSecrets(values, values)).toEqual([]);
    expect(rotationSecrets(undefined, values)).toEqual([]); // first deploy: nothing to keep
  });

  test('pods on the old password: every reader\'s pod (draining ones too) whose digest is not the new one; never Redis\'', () => {
    const digests = new Map([...secretKeysByWorkload(objects)].map(([id]) => [id, `new-${id}`]));
    const readers = readersOf(prepareManifests(objects, digests));
    expect(readers.map(r => r.id).sort()).toEqual(['Deployment/bots', 'Deployment/colyseus', 'Deployment/judge0-server', 'Deployment/judge0-worker']);
    const pod = (name: string, app: string, digest?: string, terminating = false) => ({
      metadata: { name, labels: { 'app.kubernetes.io/name': app }, annotations: digest ? { [SECRET_DIGEST_ANNOTATION]: digest } : {}, deletionTimestamp: terminating ? 'now' : undefined },
    });
    expect(podsOnOldSecrets([
      pod('colyseus-new', 'colyseus', 'new-Deployment/colyseus'),
      pod('colyseus-draining', 'colyseus', 'old', true),
      pod('bots-unannotated', 'bots'),
      pod('redis-0', 'redis', 'old'),
      pod('mongodb-0', 'mongodb', 'old'),
    ], readers)).toEqual(['colyseus-draining', 'bots-unannotated']);
  });

  test('redis-cli exits 0 whatever the reply: the reply decides whether the password was dropped', () => {
    expect(dropSucceeded('OK\n')).toBe(true);
    expect(dropSucceeded("ERR Error in ACL SETUSER modifier '!ab': The password you are trying to remove from the user does not exist\n")).toBe(true);
    expect(dropSucceeded('')).toBe(false);
    expect(dropSucceeded('NOAUTH Authentication required.\n')).toBe(false);
  });
});
