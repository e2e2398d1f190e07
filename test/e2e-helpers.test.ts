// The e2e's other decisions: images pre-pulled and retried, job secrets, the verdict checks,
// the rollback's change, the prune's checks.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { requiredSecrets } from '../lib/app-secrets';
import { Manifest } from '../lib/manifest';
import { judgeFailure } from '../scripts/e2e/duel';
import { baseImagesOf, imagesToPull, retryDelaySeconds } from '../scripts/e2e/prepull';
import { changedBotsCpuLimit } from '../scripts/e2e/scenarios/f-rollback';
import { containersStartedSince } from '../scripts/e2e/scenarios/h-host-restart';
import { pruneProblems } from '../scripts/e2e/scenarios/g-prune';
import { frontendUserOf, generatedSecrets, githubEnvLines, passwordInUri, rotatedMongoSecrets } from '../scripts/e2e/secrets';
import { mongoshTlsArgsOf } from '../scripts/e2e/kube';
import { rotationProblems } from '../scripts/e2e/scenarios/e2-mongodb-rotation';
import { checksFailure } from '../scripts/e2e/scenarios/a2-mongodb-exposure';
import { mongodbPreflight } from '../scripts/mongodb/steps';

const dist = ['2-stores.k8s.yaml', '3-apps.k8s.yaml']
  .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(__dirname, '../dist', f), 'utf8')).map(d => d.toJS() as Manifest));

describe('prepull', () => {
  test('third-party images of the committed manifests; our own images are pushed, not pulled', () => {
    const images = imagesToPull(dist, 'cluster');
    expect(images.some(i => /codeclashers-(colyseus|bots)/.test(i))).toBe(false);
    expect(images.some(i => i.startsWith('judge0/judge0:'))).toBe(true);
  });

  test('Judge0 off: neither Judge0 (amd64 only) nor PostgreSQL is pulled', () => {
    const cluster = imagesToPull(dist, 'cluster');
    const off = imagesToPull(dist, 'off');
    expect(off.some(i => i.startsWith('judge0/') || i.startsWith('postgres'))).toBe(false);
    expect(off.every(i => cluster.includes(i))).toBe(true);
    expect(off.length).toBeGreaterThan(0);
  });

  test('base images of a multi-stage Dockerfile: each once; stages and scratch left out; global ARG defaults resolved', () => {
    const dockerfile = 'ARG V=1\nARG NONE\nFROM node:26-slim AS build\nRUN x\nFROM --platform=$BUILDPLATFORM golang:1.24 as tools\nFROM build AS test\nFROM scratch\nFROM img:${V}\nFROM other:$NONE\nFROM node:26-slim\n';
    expect(baseImagesOf(dockerfile)).toEqual(['node:26-slim', 'golang:1.24', 'img:1']);
    for (const svc of ['colyseus', 'bots']) {
      const dockerfilePath = path.join(__dirname, '../backend', svc, 'Dockerfile');
      expect(baseImagesOf(fs.readFileSync(dockerfilePath, 'utf8'))).toEqual([expect.stringMatching(/^node:26\.\d+\.\d+-bookworm-slim$/)]);
    }
  });

  test('rate limits wait longer each time, then give up; other errors are not retried forever', () => {
    const limited = 'failed to pull: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit';
    expect([1, 2, 3, 4, 5].map(n => retryDelaySeconds(n, limited))).toEqual([30, 60, 90, 120, undefined]);
    expect(retryDelaySeconds(1, 'dial tcp: i/o timeout')).toBe(10);
    expect(retryDelaySeconds(4, 'dial tcp: i/o timeout')).toBeUndefined();
    expect(retryDelaySeconds(1, 'docker.io/judge0/judge0:9: not found')).toBeUndefined();
  });
});

describe('job secrets', () => {
  test('every key the deploy requires gets a value; passwords random and long; optional keys stay unset', () => {
    let n = 0;
    const secrets = generatedSecrets(bytes => `${'ab'.repeat(bytes)}${n++}`);
    for (const key of requiredSecrets(true)) expect(secrets[key]).toBeTruthy();
    expect(secrets.REDIS_PASSWORD!.length).toBeGreaterThanOrEqual(64);
    expect(new Set(Object.values(secrets)).size).toBe(Object.keys(secrets).length);
    expect(secrets.OPENAI_API_KEY).toBeUndefined();
    expect(secrets.MONGODB_USERNAME).toMatch(/^[a-z_][a-z0-9_]*$/);
    expect(secrets.JUDGE0_POSTGRES_USER).toMatch(/^[a-z_][a-z0-9_]*$/);
    // A frontend login the deploy accepts (not root, URI-parsable), through NodePort 32017 over TLS.
    expect(mongodbPreflight(secrets)).toEqual([]);
    expect(secrets.MONGODB_URI).toMatch(/^mongodb:\/\/frontend_\w+:[0-9a-f]+@127\.0\.0\.1:32017\/codeclashers\?authSource=codeclashers&tls=true$/);
  });

  test('real randomness: two runs share no value', () => {
    const [a, b] = [generatedSecrets(), generatedSecrets()];
    expect(a.REDIS_PASSWORD).not.toBe(b.REDIS_PASSWORD);
    expect(a.REDIS_PASSWORD).toMatch(/^[0-9a-f]{64}$/);
  });

  test('each value is masked before it is written to GITHUB_ENV; a URI\'s password on its own too', () => {
    expect(githubEnvLines({ REDIS_PASSWORD: 'p4ss', EMPTY: '' })).toEqual({ masks: ['::add-mask::p4ss'], env: ['REDIS_PASSWORD=p4ss'] });
    const uri = 'mongodb://frontend_1:s3cr3t@127.0.0.1:32017/codeclashers?authSource=codeclashers&tls=true';
    expect(githubEnvLines({ MONGODB_URI: uri }).masks).toEqual([`::add-mask::${uri}`, '::add-mask::s3cr3t']);
  });

  test('the frontend\'s MONGODB_URI: its own user, NodePort 32017 on the node, TLS', () => {
    const secrets = generatedSecrets();
    expect(secrets.MONGODB_URI).toMatch(/^mongodb:\/\/frontend_[0-9a-f]{8}:[0-9a-f]{64}@127\.0\.0\.1:32017\/codeclashers\?authSource=codeclashers&tls=true$/);
    expect(frontendUserOf(secrets.MONGODB_URI)).not.toBe(secrets.MONGODB_USERNAME);
  });

  test('rotating MongoDB: root, Colyseus\' and the frontend\'s passwords change; the users and the address do not', () => {
    const env = { ...generatedSecrets(), MONGODB_COLYSEUS_PASSWORD: 'c'.repeat(64) } as Record<string, string>;
    const rotated = rotatedMongoSecrets(env);
    expect(Object.keys(rotated).sort()).toEqual(['MONGODB_COLYSEUS_PASSWORD', 'MONGODB_PASSWORD', 'MONGODB_URI']);
    expect(rotated.MONGODB_PASSWORD).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.MONGODB_PASSWORD).not.toBe(env.MONGODB_PASSWORD);
    expect(rotated.MONGODB_COLYSEUS_PASSWORD).not.toBe(env.MONGODB_COLYSEUS_PASSWORD);
    expect(frontendUserOf(rotated.MONGODB_URI)).toBe(frontendUserOf(env.MONGODB_URI));
    expect(passwordInUri(rotated.MONGODB_URI)).not.toBe(passwordInUri(env.MONGODB_URI));
    expect(rotated.MONGODB_URI.replace(passwordInUri(rotated.MONGODB_URI)!, 'x')).toBe(env.MONGODB_URI.replace(passwordInUri(env.MONGODB_URI)!, 'x'));
    expect(() => rotatedMongoSecrets({ MONGODB_URI: '' })).toThrow(/^MONGODB_URI names no frontend user; accepted: /);
  });
});

describe('judgeFailure', () => {
  test('the expected verdicts pass', () => {
    expect(judgeFailure({ kind: 'rejected', status: 'Wrong Answer', passed: 0, total: 3 }, 'Wrong Answer')).toBeUndefined();
    expect(judgeFailure({ kind: 'accepted', passed: 3, total: 3 }, 'accepted')).toBeUndefined();
  });

  test('the game server\'s judge-error for Internal Error / Exec Format Error carries the sandbox reason', () => {
    expect(judgeFailure({ kind: 'judge-error', message: 'Judge0 could not run the submission (Internal Error)' }, 'accepted'))
      .toMatch(/^Judge0 could not judge: Judge0 could not run the submission \(Internal Error\)\. Judge0's isolate sandbox .*judge0#543/);
    expect(judgeFailure({ kind: 'judge-error', message: 'Judge0 could not run the submission (Exec Format Error)' }, 'Wrong Answer')).toMatch(/cgroup v2 kernel/);
    expect(judgeFailure({ kind: 'judge-busy', message: 'Judge0 answered 503' }, 'accepted')).toBe('Judge0 was busy: Judge0 answered 503');
  });

  test('isolate failing on cgroup v2 (Internal Error) fails with the reason, never passes', () => {
    expect(judgeFailure({ kind: 'rejected', status: 'Internal Error', passed: 0, total: 3 }, 'Wrong Answer'))
      .toMatch(/^expected Wrong Answer, Judge0 returned "Internal Error"\. .*cgroup v2 kernel.*judge0#543/);
    expect(judgeFailure({ kind: 'rejected', status: 'Internal Error', passed: 0, total: 3 }, 'accepted')).toMatch(/^expected Accepted/);
  });

  test('Judge0 unreachable, a submission ignored, a wrong answer where Accepted was due', () => {
    expect(judgeFailure({ kind: 'judge-error', message: 'Judge0 answered 502 to POST /submissions' }, 'accepted')).toBe('Judge0 could not judge: Judge0 answered 502 to POST /submissions.');
    expect(judgeFailure({ kind: 'ignored', reason: 'no match in play' }, 'accepted')).toBe('the room ignored the submission: no match in play');
    expect(judgeFailure({ kind: 'rejected', status: 'Wrong Answer' }, 'accepted')).toBe('expected Accepted, Judge0 returned "Wrong Answer".');
    expect(judgeFailure({ kind: 'accepted' }, 'Wrong Answer')).toBe('expected Wrong Answer, Judge0 returned accepted.');
  });
});

test('the rollback scenario\'s release changes the bots\' CPU limit by 100m', () => {
  expect(changedBotsCpuLimit({})).toEqual({ K8S_BOTS_CPU_LIMIT: '600m' });
  expect(changedBotsCpuLimit({ K8S_BOTS_CPU_LIMIT: '1' })).toEqual({ K8S_BOTS_CPU_LIMIT: '1100m' });
});

test('prune: a deleted PVC, a Judge0 object left behind, a removal the summary does not list', () => {
  const ok = { pvcsBefore: ['data-redis-0 (u1)', 'postgres-data (u2)'], pvcsAfter: ['data-redis-0 (u1)', 'postgres-data (u2)'], workloadsAfter: ['Deployment/colyseus', 'StatefulSet/redis'], summary: 'pruned: Deployment/judge0-server, Deployment/judge0-worker, Deployment/postgres' };
  expect(pruneProblems(ok)).toEqual([]);
  expect(pruneProblems({ ...ok, pvcsAfter: ['data-redis-0 (u1)'], workloadsAfter: ['Deployment/colyseus', 'Deployment/postgres'], summary: 'pruned: judge0-server, judge0-worker' })).toEqual([
    'PersistentVolumeClaim postgres-data (u2) was deleted',
    'Deployment/postgres is still there',
    'the deploy summary does not list the removal of postgres',
  ]);
});

test('after the host restart, stale Ready pods do not count: every container must have started since the kill', () => {
  const kill = Date.parse('2026-12-01T10:00:00.400Z');
  const pod = (...startedAt: (string | undefined)[]) => ({ status: { containerStatuses: startedAt.map(s => ({ state: s ? { running: { startedAt: s } } : { waiting: { reason: 'ContainerCreating' } } })) } });
  expect(containersStartedSince([pod('2026-12-01T10:00:05Z'), pod('2026-12-01T10:00:00Z')], kill)).toBe(true);
  expect(containersStartedSince([pod('2026-12-01T10:00:05Z'), pod('2026-12-01T09:58:00Z')], kill)).toBe(false);
  expect(containersStartedSince([pod('2026-12-01T10:00:05Z', undefined)], kill)).toBe(false);
  expect(containersStartedSince([{ status: {} }], kill)).toBe(false);
  expect(containersStartedSince([], kill)).toBe(false);
});

test('mongosh inside the MongoDB pod: TLS with the mounted CA unless K8S_MONGODB_TLS=off; E2E_MONGOSH_TLS_ARGS overrides', () => {
  const tls = '--tls --tlsCAFile /etc/mongodb-tls/ca.crt --host 127.0.0.1';
  expect(mongoshTlsArgsOf({})).toBe(tls);
  expect(mongoshTlsArgsOf({ K8S_MONGODB_TLS: 'prefer' })).toBe(tls);
  expect(mongoshTlsArgsOf({ K8S_MONGODB_TLS: 'off' })).toBe('--host 127.0.0.1');
  expect(mongoshTlsArgsOf({ K8S_MONGODB_TLS: 'off', E2E_MONGOSH_TLS_ARGS: '--tls' })).toBe('--tls');
  expect(mongoshTlsArgsOf({ E2E_MONGOSH_TLS_ARGS: '' })).toBe('');
});

test('the MongoDB checks\' failure names the failed checks (never values), or the error line', () => {
  expect(checksFailure(0, 'ok   TLS with the CA works: ping ok\n7 passed, 0 failed')).toBeUndefined();
  expect(checksFailure(1, 'ok   TLS with the CA works: ping ok\nFAIL a plain connection is refused before any login: a plain connection was accepted\nFAIL reading admin.system.users is Unauthorized: allowed\n5 passed, 2 failed'))
    .toBe('scripts/mongodb/checks.ts exited 1: FAIL a plain connection is refused before any login: a plain connection was accepted; FAIL reading admin.system.users is Unauthorized: allowed');
  expect(checksFailure(2, 'error: set MONGODB_URI (the frontend\'s), ...\n')).toBe('scripts/mongodb/checks.ts exited 2: error: set MONGODB_URI (the frontend\'s), ...');
  expect(checksFailure(1, '')).toBe('scripts/mongodb/checks.ts exited 1: no output');
});

describe('MongoDB password rotation (e2)', () => {
  const good = { deployCode: 0, duelLiveWhenPodsChanged: true, declaredWinner: 'b', stored: { winner: 'b' }, dropped: [], crashed: [] };
  test('no problem when the live duel\'s result landed and nothing broke', () => {
    expect(rotationProblems(good)).toEqual([]);
  });
  test('a lost result, a wrong winner, a failed deploy, a duel that was not live, drops and crashes are each named', () => {
    expect(rotationProblems({ ...good, stored: undefined })).toEqual(['the live duel\'s result is not in MongoDB: it was lost in the rotation']);
    expect(rotationProblems({ ...good, stored: { winner: 'a' } })).toEqual(['MongoDB holds winner "a" for the live duel, the room declared "b"']);
    expect(rotationProblems({ ...good, deployCode: 1, duelLiveWhenPodsChanged: false, dropped: ['a (code 1006, while playing)'], crashed: ['colyseus-x (1 container restarts)'] })).toEqual([
      'the deploy rotating the MongoDB passwords exited 1',
      'the duel had ended before the game server pods changed: a live duel across the rotation was not exercised',
      'a (code 1006, while playing) was disconnected mid-match',
      'colyseus-x (1 container restarts) restarted during the rotation',
    ]);
  });
});
