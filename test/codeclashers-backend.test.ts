import { SECRET_KEYS } from '../lib/app-secrets';
import { Manifest, selects, workloadsOf } from '../lib/manifest';
import { evaluate } from '../policy/rules';
import { JUDGE0_MODES, envOf, find, synthBackend, workload } from './util';

const objects = synthBackend();
const workloads = workloadsOf(objects);
const namespaced = objects.filter(o => !['Namespace', 'StorageClass'].includes(o.kind));

test('full synth with the defaults (review manifest changes here)', () => {
  expect(objects).toMatchSnapshot();
});

test.each(['external (private VM)', 'off'])('full synth with Judge0 %s (review manifest changes here)', mode => {
  expect(synthBackend(JUDGE0_MODES[mode])).toMatchSnapshot();
});

test('the objects and names that README, kubectl commands and the services rely on', () => {
  const names = objects.map(o => `${o.kind}/${o.metadata.name}`).sort();
  expect(names).toEqual(expect.arrayContaining([
    'Namespace/codeclashers',
    'Deployment/colyseus', 'Service/colyseus',
    'Deployment/bots',
    'Deployment/judge0-server', 'Service/judge0-server',
    'Deployment/judge0-worker',
    'Deployment/postgres', 'Service/postgres',
    'StatefulSet/mongodb', 'Service/mongodb', 'Service/mongodb-headless', 'Service/mongodb-external',
    'StatefulSet/redis', 'Service/redis',
    'StorageClass/codeclashers-retain',
  ]));
  expect(workloads.map(w => w.id).sort()).toEqual([
    'Deployment/bots', 'Deployment/colyseus', 'Deployment/judge0-server', 'Deployment/judge0-worker', 'Deployment/postgres',
    'StatefulSet/mongodb', 'StatefulSet/redis',
  ]);
});

test('every namespaced object lives in codeclashers; cluster-scoped ones carry no namespace', () => {
  for (const o of namespaced) expect([o.kind, o.metadata.namespace]).toEqual([o.kind, 'codeclashers']);
  for (const o of objects.filter(x => ['Namespace', 'StorageClass'].includes(x.kind))) expect(o.metadata.namespace).toBeUndefined();
});

test('ports and Service types', () => {
  const port = (o: Manifest) => o.spec.ports.map((p: any) => [p.port, p.nodePort].filter(Boolean));
  expect(find(objects, 'Service', 'colyseus').spec.type).toBe('LoadBalancer');
  expect(port(find(objects, 'Service', 'colyseus'))).toEqual([[2567]]);
  expect(find(objects, 'Service', 'judge0-server').spec.type).toBeUndefined(); // ClusterIP
  expect(port(find(objects, 'Service', 'judge0-server'))).toEqual([[2358]]);
  expect(port(find(objects, 'Service', 'postgres'))).toEqual([[5432]]);
  expect(port(find(objects, 'Service', 'redis'))).toEqual([[6379]]);
  expect(port(find(objects, 'Service', 'mongodb'))).toEqual([[27017]]);
  expect(find(objects, 'Service', 'mongodb-external').spec.type).toBe('NodePort');
  expect(port(find(objects, 'Service', 'mongodb-external'))).toEqual([[27017, 32017]]);
  expect(find(objects, 'Service', 'mongodb-headless').spec.clusterIP).toBe('None');
  expect(find(objects, 'StatefulSet', 'mongodb').spec.serviceName).toBe('mongodb-headless');
});

test('every Service selects the pods of a workload, on a port a container exposes', () => {
  for (const service of objects.filter(o => o.kind === 'Service')) {
    const targets = workloads.filter(w => selects({ matchLabels: service.spec.selector }, w.podLabels));
    expect([service.metadata.name, targets.length]).toEqual([service.metadata.name, 1]);
    const containerPorts = targets[0].containers.flatMap(c => (c.ports ?? []).map((p: any) => p.containerPort));
    for (const p of service.spec.ports) expect(containerPorts).toContain(p.targetPort ?? p.port);
  }
});

test('stateless Deployments roll one surge pod at a time and have a PodDisruptionBudget that selects them', () => {
  for (const name of ['colyseus', 'bots', 'judge0-server', 'judge0-worker']) {
    const w = workload(objects, name);
    expect(w.object.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const pdb = find(objects, 'PodDisruptionBudget', name);
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(selects(pdb.spec.selector, w.podLabels)).toBe(true);
    // and no other workload's pods
    expect(workloads.filter(x => selects(pdb.spec.selector, x.podLabels)).map(x => x.id)).toEqual([w.id]);
  }
});

test('single-instance stores: no PDB that would block a drain; postgres never runs two pods', () => {
  const budgets = objects.filter(o => o.kind === 'PodDisruptionBudget');
  for (const name of ['mongodb', 'redis', 'postgres']) {
    const w = workload(objects, name);
    expect(w.replicas).toBe(1);
    expect(budgets.filter(b => selects(b.spec.selector, w.podLabels))).toEqual([]);
  }
  expect(workload(objects, 'postgres').object.spec.strategy).toEqual({ type: 'Recreate' });
  expect(workload(objects, 'postgres').podSpec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
});

test('every container has readiness and liveness probes; slow starters a startup probe', () => {
  for (const w of workloads) {
    for (const c of w.containers) {
      expect([w.id, !!c.readinessProbe, !!c.livenessProbe]).toEqual([w.id, true, true]);
    }
  }
  const startupBudgetSeconds = (name: string) => {
    const p = workload(objects, name).containers[0].startupProbe;
    return p.periodSeconds * p.failureThreshold;
  };
  expect(startupBudgetSeconds('mongodb')).toBeGreaterThanOrEqual(120);
  expect(startupBudgetSeconds('judge0-server')).toBeGreaterThanOrEqual(120);
});

test('probes test the real service', () => {
  const probe = (name: string) => JSON.stringify(workload(objects, name).containers[0].readinessProbe);
  expect(probe('mongodb')).toContain('mongosh');
  expect(probe('mongodb')).toContain('ping');
  expect(probe('redis')).toContain('redis-cli ping');
  expect(envOf(workload(objects, 'redis').containers[0]).REDISCLI_AUTH.valueFrom.secretKeyRef.key).toBe('REDIS_PASSWORD');
  expect(probe('postgres')).toContain('pg_isready');
  expect(workload(objects, 'judge0-server').containers[0].readinessProbe.httpGet).toEqual({ path: '/', port: 2358 });
  expect(workload(objects, 'colyseus').containers[0].readinessProbe.httpGet).toEqual({ path: '/readyz', port: 2567 });
  expect(workload(objects, 'colyseus').containers[0].livenessProbe.httpGet).toEqual({ path: '/healthz', port: 2567 });
  expect(workload(objects, 'bots').containers[0].readinessProbe.httpGet).toEqual({ path: '/readyz', port: 3000 });
});

test('graceful shutdown: Colyseus drains a whole match, others drain in-flight work', () => {
  const colyseus = workload(objects, 'colyseus');
  expect(colyseus.podSpec.terminationGracePeriodSeconds).toBe(900 + 60);
  expect(envOf(colyseus.containers[0]).MATCH_SECONDS.value).toBe('900');
  expect(colyseus.containers[0].lifecycle.preStop).toBeDefined();
  const longer = workload(synthBackend({ K8S_MATCH_SECONDS: '1800' }), 'colyseus');
  expect(longer.podSpec.terminationGracePeriodSeconds).toBe(1860);
  for (const w of workloads) expect(w.podSpec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
});

test('stores persist: volumeClaimTemplates on the retained class, kept when the StatefulSet goes', () => {
  for (const [name, size] of [['mongodb', '10Gi'], ['redis', '2Gi']]) {
    const set = find(objects, 'StatefulSet', name);
    expect(set.spec.volumeClaimTemplates).toHaveLength(1);
    expect(set.spec.volumeClaimTemplates[0].spec).toMatchObject({
      storageClassName: 'codeclashers-retain', resources: { requests: { storage: size } },
    });
    expect(set.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  }
  expect(find(objects, 'StorageClass', 'codeclashers-retain')).toMatchObject({ reclaimPolicy: 'Retain', provisioner: 'rancher.io/local-path' });
});

test('redis: append-only, password, noeviction', () => {
  const script = workload(objects, 'redis').containers[0].command.join(' ');
  expect(script).toContain('--appendonly yes');
  expect(script).toContain('--maxmemory-policy noeviction');
  expect(script).toContain('user default on resetpass');
  // 80% of the 1Gi limit
  expect(script).toContain(`--maxmemory ${Math.floor(2 ** 30 * 0.8)}`);
});

test('images: official ones pinned, app images from the environment', () => {
  const images = Object.fromEntries(workloads.map(w => [w.object.metadata.name, w.containers[0].image]));
  expect(images).toMatchObject({
    mongodb: expect.stringMatching(/^mongo:\d+\.\d+\.\d+$/),
    redis: expect.stringMatching(/^redis:\d+\.\d+\.\d+$/),
    postgres: expect.stringMatching(/^postgres:16\.\d+$/),
    'judge0-server': 'judge0/judge0:1.13.1',
    'judge0-worker': 'judge0/judge0:1.13.1',
  });
  const custom = synthBackend({ COLYSEUS_IMAGE: 'ghcr.io/acme/codeclashers-colyseus:abc123', BOTS_IMAGE: 'ghcr.io/acme/codeclashers-bots:abc123' });
  expect(workload(custom, 'colyseus').containers[0].image).toBe('ghcr.io/acme/codeclashers-colyseus:abc123');
  expect(workload(custom, 'bots').containers[0].image).toBe('ghcr.io/acme/codeclashers-bots:abc123');
});

test('judge0-worker is the only privileged container', () => {
  const privileged = workloads.flatMap(w => w.containers.filter(c => c.securityContext?.privileged).map(() => w.id));
  expect(privileged).toEqual(['Deployment/judge0-worker']);
});

test('each workload reads only the secret keys it needs', () => {
  const keysOf = (name: string) => [...new Set(workload(objects, name).containers
    .flatMap(c => (c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.key).filter(Boolean)))].sort();
  // Root's login is mounted as files (lib/mongodb-users.ts): no environment variable, so a root rotation restarts nothing.
  expect(keysOf('mongodb')).toEqual([]);
  expect(keysOf('redis')).toEqual(['REDIS_PASSWORD', 'REDIS_PASSWORD_PREVIOUS']); // the previous one from the deploy's own Secret
  expect(keysOf('postgres')).toEqual(['JUDGE0_POSTGRES_DB', 'JUDGE0_POSTGRES_PASSWORD', 'JUDGE0_POSTGRES_USER']);
  const judge0 = ['INTERNAL_SERVICE_SECRET', 'JUDGE0_POSTGRES_DB', 'JUDGE0_POSTGRES_PASSWORD', 'JUDGE0_POSTGRES_USER', 'REDIS_PASSWORD'];
  expect(keysOf('judge0-server')).toEqual(judge0);
  expect(keysOf('judge0-worker')).toEqual(judge0);
  expect(keysOf('colyseus')).toEqual([
    'AWS_ACCESS_KEY_ID', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'BOT_SERVICE_SECRET', 'COLYSEUS_RESERVATION_SECRET',
    'INTERNAL_SERVICE_SECRET', 'REDIS_PASSWORD', 'S3_BUCKET_NAME', 'password', 'username',
  ]);
  expect(keysOf('bots')).toEqual(['BOT_SERVICE_SECRET', 'OPENAI_API_KEY', 'REDIS_PASSWORD']);
  for (const w of workloads) {
    for (const c of w.containers) {
      // app-secrets, except: Redis also reads the deploy's optional Secret with the password it rotates out;
      // Colyseus' MongoDB login comes from the Secret the deploy switches only once MongoDB has it (lib/mongodb-users.ts).
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) {
        const ref = e.valueFrom.secretKeyRef;
        if (ref.name === 'redis-password-previous') expect([w.object.metadata.name, ref.optional]).toEqual(['redis', true]);
        else expect(ref.name).toBe(ref.key === 'username' || ref.key === 'password' ? 'mongodb-colyseus' : 'app-secrets');
      }
    }
  }
});

test('service wiring: URLs point at the right Services', () => {
  const colyseus = envOf(workload(objects, 'colyseus').containers[0]);
  expect(colyseus.REDIS_URL.value).toBe('redis://:$(REDIS_PASSWORD)@redis:6379/0');
  expect(colyseus.MONGODB_URI.value).toBe('mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@mongodb:27017/codeclashers?authSource=codeclashers&tls=true&tlsCAFile=/etc/mongodb-tls/ca.crt');
  expect(colyseus.JUDGE0_URL.value).toBe('http://judge0-server:2358');
  expect(colyseus.JUDGE0_AUTH_TOKEN.valueFrom.secretKeyRef.key).toBe('INTERNAL_SERVICE_SECRET');
  expect(colyseus.POD_IP.valueFrom.fieldRef.fieldPath).toBe('status.podIP');
  // $(VAR) only expands variables defined earlier in the list
  const order = workload(objects, 'colyseus').containers[0].env.map((e: any) => e.name);
  expect(order.indexOf('REDIS_PASSWORD')).toBeLessThan(order.indexOf('REDIS_URL'));
  expect(order.indexOf('MONGODB_PASSWORD')).toBeLessThan(order.indexOf('MONGODB_URI'));
  const bots = envOf(workload(objects, 'bots').containers[0]);
  expect(bots.COLYSEUS_URL.value).toBe('ws://colyseus:2567');
  const judge0 = envOf(workload(objects, 'judge0-server').containers[0]);
  expect([judge0.REDIS_HOST.value, judge0.POSTGRES_HOST.value]).toEqual(['redis', 'postgres']);
});

test('no secret value reaches the output, even when the synth environment holds them', () => {
  const env = Object.fromEntries(SECRET_KEYS.map((k, i) => [k, `s3cr3t-value-${i}-${k.toLowerCase()}`]));
  const text = JSON.stringify(synthBackend(env));
  for (const value of Object.values(env)) expect(text).not.toContain(value);
  expect(objects.filter(o => o.kind === 'Secret')).toEqual([]);
});

test('the default output passes every policy rule', () => {
  const failing = evaluate(objects).filter(r => r.findings.length > 0).map(r => [r.rule.name, r.findings]);
  expect(failing).toEqual([]);
});

test.each(Object.keys(JUDGE0_MODES))('Judge0 %s: what is deployed, what Pod Security the namespace enforces, every rule passes', mode => {
  const out = synthBackend(JUDGE0_MODES[mode]);
  const names = workloadsOf(out).map(w => w.object.metadata.name).sort();
  const inCluster = mode === 'cluster';
  expect(names).toEqual(inCluster
    ? ['bots', 'colyseus', 'judge0-server', 'judge0-worker', 'mongodb', 'postgres', 'redis']
    : ['bots', 'colyseus', 'mongodb', 'redis']);
  // Only the Judge0 worker needs a privileged namespace.
  expect(find(out, 'Namespace', 'codeclashers').metadata.labels!['pod-security.kubernetes.io/enforce']).toBe(inCluster ? 'privileged' : 'restricted');
  expect(evaluate(out).filter(r => r.findings.length > 0)).toEqual([]);
});

test('another storage class is used as is, not created', () => {
  const other = synthBackend({ K8S_STORAGE_CLASS: 'longhorn' });
  expect(other.filter(o => o.kind === 'StorageClass')).toEqual([]);
  expect(find(other, 'StatefulSet', 'mongodb').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('longhorn');
});
