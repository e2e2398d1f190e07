// The deploy against the stand-in VM (test/fakes): the happy paths, then failures that must
// each end with the modelled cluster equal to the last good release.
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_K3S_VERSION } from '../../scripts/deploy';
import { serverSideApply } from '../../scripts/deploy/apply-flags';
import { asInput } from '../../scripts/deploy/context';
import { waitForWorkloads } from '../../scripts/deploy/wait';
import { SECRETS, Vm, kubectlCalls, writes } from '../fakes/deploy-vm';

jest.setTimeout(120_000);

let vm: Vm;
beforeEach(() => { vm = new Vm(); });
afterEach(() => vm.cleanUp());

test('first deploy: installs k3s, waits for the node to exist, kubeconfig for this user, everything ready, release recorded', async () => {
  const run = await vm.deploy();
  expect(run.output).toContain('Deploy succeeded');
  expect(run.status).toBe(0);
  expect(run.calls.filter(c => c[0] === 'sudo' && c[1] === 'env').map(c => c[2])).toEqual([`INSTALL_K3S_VERSION=${DEFAULT_K3S_VERSION}`]);
  const kubeconfig = path.join(vm.home, '.kube/config');
  expect(fs.statSync(kubeconfig).mode & 0o777).toBe(0o600);
  // Every kubectl call names the kubeconfig: the k3s wrapper would read its root-only file.
  expect(kubectlCalls(run).filter(c => c[1] !== `--kubeconfig=${kubeconfig}`)).toEqual([]);
  const waits = kubectlCalls(run).filter(c => c[2] === 'wait').map(c => c[3]);
  expect(waits).toEqual(['--for=create', '--for=condition=Ready']);
  const [release] = vm.releases();
  expect(release.images.colyseus).toMatch(/^ghcr\.io\/acme\/codeclashers-colyseus:[0-9a-f]{20}$/);
  expect(vm.differencesFrom(release)).toEqual([]);
  expect(run.output + run.summary).not.toContain(SECRETS.REDIS_PASSWORD);
});

test('the release records the checked-out commit, never GITHUB_SHA (in a workflow_run job the newest commit on main)', async () => {
  const run = await vm.deploy({ GITHUB_SHA: 'f'.repeat(40) });
  expect(run.status).toBe(0);
  expect(vm.releases()[0].commit).toBe(vm.git('rev-parse', 'HEAD').trim());
});

test('the k3s kubectl without an explicit kubeconfig is refused for the runner user (what the stand-in models)', async () => {
  expect((await vm.deploy()).status).toBe(0);
  const bare = vm.host.handle({ command: 'kubectl', args: ['get', 'nodes'], env: {}, cwd: vm.repo });
  expect(bare.status).toBe(1);
  expect(bare.stderr).toContain('/etc/rancher/k3s/k3s.yaml: permission denied');
});

/** A successful deploy; returns the release it recorded. */
async function good(env: Record<string, string | undefined> = {}) {
  const run = await vm.deploy(env);
  if (run.status !== 0) throw new Error(`deploy failed:\n${run.output}`);
  return vm.releases()[0];
}

const podNames = (kind: string, name: string) => vm.host.podsOf(kind, name).map(p => p.name).sort();

describe('happy paths', () => {
  test('an unchanged redeploy builds nothing, replaces no pod, still waits for every workload', async () => {
    await good();
    const pods = podNames('Deployment', 'colyseus');
    const run = await vm.deploy();
    expect(run.status).toBe(0);
    expect(run.calls.filter(c => c[0] === 'docker' && c[2] === 'build')).toEqual([]);
    expect(run.output).toContain('workloads whose pods are replaced: none');
    expect(run.output).toMatch(/Deployment\/bots: deployment "bots" successfully rolled out/);
    expect(podNames('Deployment', 'colyseus')).toEqual(pods);
  });

  test('a changed service is rebuilt (smoke-tested, pushed) and only its pods replaced', async () => {
    const first = await good();
    const colyseus = podNames('Deployment', 'colyseus');
    vm.edit('backend/bots/src/smarter.ts', () => 'export const smarter = true;\n');
    const run = await vm.deploy();
    expect(run.status).toBe(0);
    const built = run.calls.filter(c => c[0] === 'docker' && c[2] === 'build').map(c => c[c.indexOf('--tag') + 1]);
    expect(built).toEqual([expect.stringContaining('codeclashers-bots:')]);
    expect(run.calls.findIndex(c => c[0] === 'node')).toBeLessThan(run.calls.findIndex(c => c[0] === 'docker' && c[1] === 'push'));
    expect(vm.releases()[0].images.colyseus).toBe(first.images.colyseus);
    expect(vm.releases()[0].images.bots).not.toBe(first.images.bots);
    expect(podNames('Deployment', 'colyseus')).toEqual(colyseus);
  });

  test('a rotated secret replaces exactly the pods of the workloads that read it, through the digest applied with the manifests', async () => {
    await good();
    const redis = podNames('StatefulSet', 'redis');
    const mongodb = podNames('StatefulSet', 'mongodb');
    const before = vm.host.podsOf('Deployment', 'bots')[0].secrets;
    const run = await vm.deploy({ BOT_SERVICE_SECRET: 'rotated-secret-123' });
    expect(run.status).toBe(0);
    expect(run.output).toContain('secret keys that change: BOT_SERVICE_SECRET');
    expect(run.output).toContain('workloads whose pods are replaced: Deployment/colyseus, Deployment/bots');
    expect(vm.host.podsOf('Deployment', 'bots')[0].secrets.BOT_SERVICE_SECRET).toBe('rotated-secret-123');
    expect(before.BOT_SERVICE_SECRET).toBe(SECRETS.BOT_SERVICE_SECRET);
    expect(podNames('StatefulSet', 'redis')).toEqual(redis);
    expect(podNames('StatefulSet', 'mongodb')).toEqual(mongodb);
    expect(run.output).not.toContain('rotated-secret-123');
    const annotations = JSON.stringify(vm.host.live('Deployment', 'bots').spec.template.metadata.annotations);
    expect(annotations).not.toContain('rotated');
  });

  test('a root password change is made in MongoDB before the Secret and restarts no pod, not mongod, not Colyseus', async () => {
    await good();
    const pods = [...podNames('StatefulSet', 'mongodb'), ...podNames('Deployment', 'colyseus')];
    const run = await vm.deploy({ MONGODB_PASSWORD: 'rotated-password-123' });
    expect(run.status).toBe(0);
    expect(run.output).toContain('secret keys that change: MONGODB_PASSWORD');
    expect(run.output).toContain('workloads whose pods are replaced: none');
    expect(run.output).toContain('root password: changed in MongoDB');
    // MongoDB took it before Secret app-secrets did (the change ran logged in with the old one).
    expect(run.output.indexOf('root password: changed in MongoDB')).toBeLessThan(run.output.indexOf('secret/app-secrets serverside-applied'));
    expect(vm.host.mongodData()!.users[`admin.${SECRETS.MONGODB_USERNAME}`].pwd).toBe('rotated-password-123');
    expect([...podNames('StatefulSet', 'mongodb'), ...podNames('Deployment', 'colyseus')]).toEqual(pods);
    expect(run.output + run.summary).not.toContain('rotated-password-123');
    // The password never reached kubectl's argv (only stdin).
    expect(run.calls.flat().join(' ')).not.toContain('rotated-password-123');
  });

  test('a Redis password rotation during a live, draining match: old pods keep working on the old password until they are gone, then Redis refuses it', async () => {
    await good();
    // Colyseus pods drain their match for 90 s after their replacement is ready.
    vm.host.state.behaviour.drainSeconds = { colyseus: 90 };
    const old = new Set(podNames('Deployment', 'colyseus'));
    const rotated = 'rotated-redis-password-1';
    const seen: { oldPodRunning: boolean; newRedis: boolean; oldAccepted: boolean }[] = [];
    const run = await vm.deploy({ REDIS_PASSWORD: rotated }, [], () => {
      const oldPodRunning = Object.keys(vm.host.state.pods).some(name => old.has(name));
      seen.push({ oldPodRunning, newRedis: vm.host.redisAccepts(rotated), oldAccepted: vm.host.redisAccepts(SECRETS.REDIS_PASSWORD) });
      return false;
    });
    expect(run.status).toBe(0);
    // The restarted Redis ran while old pods were still draining, and accepted their password.
    expect(seen.some(s => s.oldPodRunning && s.newRedis)).toBe(true);
    expect(seen.filter(s => s.oldPodRunning && s.newRedis && !s.oldAccepted)).toEqual([]);
    expect(vm.host.state.redisRefused).toEqual([]);
    // Then, with no pod left on it, the old password is dropped, and the Secret holding it deleted.
    expect(Object.keys(vm.host.state.pods).filter(name => old.has(name))).toEqual([]);
    expect(vm.host.redisAccepts(rotated)).toBe(true);
    expect(vm.host.redisAccepts(SECRETS.REDIS_PASSWORD)).toBe(false);
    expect(vm.host.live('Secret', 'redis-password-previous')).toBeUndefined();
    expect(run.summary).toContain('Redis password rotation: Redis also accepts the current password until no pod holds it');
    expect(run.summary).toContain('previous Redis password: dropped');
    // Neither value on any command line or in the output.
    expect(JSON.stringify(run.calls) + run.output + run.summary).not.toContain(rotated);
    expect(JSON.stringify(run.calls) + run.output + run.summary).not.toContain(SECRETS.REDIS_PASSWORD);
    // A later Redis restart accepts only the new password.
    vm.host.handle({ command: 'kubectl', args: ['--kubeconfig', path.join(vm.home, '.kube/config'), 'delete', 'pod', 'redis-0', '-n', 'codeclashers'], env: {}, cwd: vm.repo });
    vm.host.advance(60_000);
    expect([vm.host.redisAccepts(rotated), vm.host.redisAccepts(SECRETS.REDIS_PASSWORD)]).toEqual([true, false]);
  });

  test('without the previous password, a rotation cuts the draining pods off (what the stand-in models)', async () => {
    await good();
    vm.host.state.behaviour.drainSeconds = { colyseus: 90 };
    // The deploy's Secret with the previous password disappears as soon as it is written: Redis starts with the new one only.
    const run = await vm.deploy({ REDIS_PASSWORD: 'rotated-redis-password-2' }, [], () => {
      delete vm.host.state.objects['Secret/codeclashers/redis-password-previous'];
      return false;
    });
    expect(run.status).toBe(0);
    expect(vm.host.state.redisRefused.length).toBeGreaterThan(0);
  });

  test('a rotation left half-done (a cancelled run) is finished by the next run: the leftover previous password is dropped', async () => {
    await good();
    vm.host.state.behaviour.drainSeconds = { colyseus: 90 };
    const rotated = 'rotated-redis-password-3';
    // Cancelled right after the apply: Redis accepts both, the Secret with the old one stays.
    let applied = false;
    const cancelled = await vm.deploy({ REDIS_PASSWORD: rotated }, [], (cmd, args) => {
      if (applied) return true;
      applied = cmd === 'kubectl' && args.includes('apply') && !args.includes('--dry-run=server') && !!vm.host.live('Secret', 'redis-password-previous');
      return false;
    });
    expect(cancelled.status).toBe(-1);
    const next = await vm.deploy({ REDIS_PASSWORD: rotated });
    expect(next.status).toBe(0);
    expect(vm.host.state.redisRefused).toEqual([]);
    expect([vm.host.redisAccepts(rotated), vm.host.redisAccepts(SECRETS.REDIS_PASSWORD)]).toEqual([true, false]);
    expect(vm.host.live('Secret', 'redis-password-previous')).toBeUndefined();
  });

  test('--plan changes nothing and says what would: images, objects, replaced pods', async () => {
    await good();
    vm.edit('backend/colyseus/src/faster.ts', () => 'export const faster = true;\n');
    const before = JSON.stringify(vm.host.state.objects);
    const run = await vm.deploy({}, ['--plan']);
    expect(run.status).toBe(0);
    expect(writes(run)).toEqual([]);
    expect(run.calls.filter(c => c[0] === 'docker' && ['build', 'push'].includes(c[1] === 'buildx' ? c[2] : c[1]))).toEqual([]);
    expect(JSON.stringify(vm.host.state.objects)).toBe(before);
    expect(run.output).toMatch(/images to build: ghcr\.io\/acme\/codeclashers-colyseus:[0-9a-f]{20}$/m);
    expect(run.output).toContain('objects that change: Deployment/colyseus');
    expect(run.output).toContain('workloads whose pods are replaced: Deployment/colyseus');
    expect(run.output).toContain('Deploy plan (nothing changed)');
  });

  test('prune after a healthy rollout (Judge0 switched off), listed, PVCs kept; --rollback restores the pruned objects', async () => {
    const withJudge0 = await good();
    const run = await vm.deploy({ K8S_JUDGE0_MODE: 'off' });
    expect(run.status).toBe(0);
    expect(run.output).toMatch(/pruned: .*Deployment\/judge0-server/);
    expect(vm.labelled().filter(id => /judge0|postgres/.test(id))).toEqual([]);
    expect(Object.keys(vm.host.state.pvcs)).toEqual(expect.arrayContaining(['data-mongodb-0']));
    const back = await vm.deploy({ K8S_JUDGE0_MODE: 'off' }, ['--rollback']);
    expect(back.status).toBe(0);
    expect(vm.differencesFrom(withJudge0)).toEqual([]);
  });

  test('--rollback returns the previous release whole: replicas too, which rollout undo never restores', async () => {
    const a = await good();
    await good({ K8S_BOTS_REPLICAS: '3' });
    expect(vm.host.podsOf('Deployment', 'bots')).toHaveLength(3);
    const run = await vm.deploy({}, ['--rollback']);
    expect(run.status).toBe(0);
    expect(vm.differencesFrom(a)).toEqual([]);
    expect(kubectlCalls(run).filter(c => c.includes('undo'))).toEqual([]);
  });
});

describe('failures end on the last good release', () => {
  test('first deploy with an image that crash-loops: what the run created is removed (never the Namespace or data)', async () => {
    const { bots } = await vm.plannedImages();
    vm.host.state.behaviour.crashInCluster = [bots];
    const run = await vm.deploy();
    expect(run.status).toBe(1);
    expect(run.output).toContain('error: Deployment/bots: deployment "bots" exceeded its progress deadline');
    expect(run.output).toContain('what this run created was removed');
    expect(vm.labelled()).toEqual(['Namespace/codeclashers', 'StorageClass/codeclashers-retain']);
    expect(vm.releases()).toEqual([]);
    expect(Object.values(vm.host.state.pods).filter(p => !p.terminatingUntil)).toEqual([]);
  });

  test('an image that crash-loops in the cluster: back on the release, diagnostics include the previous container\'s log and events', async () => {
    const release = await good();
    vm.edit('backend/bots/src/broken.ts', () => 'throw new Error("boom");\n');
    const { bots } = await vm.plannedImages();
    vm.host.state.behaviour.crashInCluster = [bots];
    const run = await vm.deploy();
    expect(run.status).toBe(1);
    expect(run.output).toContain('(previous container)');
    expect(run.output).toContain('Back-off restarting failed container');
    expect(run.output).toContain(`the cluster is back on the last good release (${release.commit.slice(0, 12)})`);
    expect(vm.differencesFrom(release)).toEqual([]);
    expect(run.summary).toContain('## Deploy failed');
  });

  test('a bad Secret value (Redis refuses its config): previous values back, the StatefulSet pod stuck on the bad revision replaced', async () => {
    const release = await good();
    const run = await vm.deploy({ REDIS_PASSWORD: 'has"quote' });
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/StatefulSet\/redis: deleting pod redis-0, left on another revision/);
    expect(vm.differencesFrom(release)).toEqual([]);
    expect(run.output).not.toContain('has"quote');
  });

  test('a failing run with a new pull token and a rotated Redis password: every Secret it wrote is back as it was', async () => {
    const release = await good();
    const pullBefore = vm.host.live('Secret', 'ghcr-pull').data;
    const newToken = 'ghp_new0pull0token0with0read0packages';
    vm.host.state.behaviour.tokens[newToken] = ['read:packages'];
    vm.edit('backend/bots/src/broken.ts', () => 'throw new Error("boom");\n');
    const { bots } = await vm.plannedImages();
    vm.host.state.behaviour.crashInCluster = [bots];
    const run = await vm.deploy({ GHCR_PULL_TOKEN: newToken, REDIS_PASSWORD: 'rotated-in-a-failing-run' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('the cluster is back on the last good release');
    expect(vm.host.live('Secret', 'ghcr-pull').data).toEqual(pullBefore);
    // The rotated-out password's Secret did not exist before: the rollback removes it.
    expect(vm.host.live('Secret', 'redis-password-previous')).toBeUndefined();
    expect(vm.differencesFrom(release)).toEqual([]);
    expect(run.output).not.toContain(newToken);
  });

  test('a replicas-only change in a failing run: back to the last release (its image and its replicas), not one release further', async () => {
    await good();
    vm.edit('backend/colyseus/src/v2.ts', () => 'export const v = 2;\n');
    const b = await good();
    vm.edit('backend/bots/src/broken.ts', () => 'throw new Error("boom");\n');
    vm.host.state.behaviour.crashInCluster = [(await vm.plannedImages()).bots];
    const run = await vm.deploy({ K8S_COLYSEUS_REPLICAS: '3' });
    expect(run.status).toBe(1);
    expect(vm.differencesFrom(b)).toEqual([]);
    expect(vm.host.live('Deployment', 'colyseus').spec.replicas).toBe(2);
  });

  test('a run cancelled mid-rollout leaves a stuck StatefulSet; the next run waits for every workload and recovers it', async () => {
    const release = await good();
    // Cancelled while waiting, once the new Redis pod is broken.
    const cancelled = await vm.deploy({ REDIS_PASSWORD: 'has"quote' }, [], (cmd, args) => cmd === 'kubectl' && args.includes('events')
      && vm.host.podsOf('StatefulSet', 'redis').some(p => p.reason === 'CrashLoopBackOff'));
    expect(cancelled.status).toBe(-1);
    expect(vm.host.podsOf('StatefulSet', 'redis')[0]?.ready).not.toBe(true);
    const next = await vm.deploy();
    expect(next.status).toBe(0);
    expect(vm.differencesFrom({ ...release, manifests: vm.releases()[0].manifests })).toEqual([]);
    expect(vm.releases()[0].manifests).toEqual(release.manifests);
  });

  test.each([
    ['K8S_REDIS_STORAGE_SIZE', '5Gi', 'Forbidden: updates to statefulset spec'],
    ['K8S_STORAGE_PROVISIONER', 'example.com/other', 'provisioner: Forbidden'],
  ])('an immutable field (%s) is refused by the server-side dry run before any write but the Namespace', async (knob, value, message) => {
    const release = await good();
    const run = await vm.deploy({ [knob]: value });
    expect(run.status).toBe(1);
    expect(run.output).toContain(message);
    expect(run.output).toContain('cannot change after the first deploy');
    // The Namespace apply, and putting the release's Namespace back: nothing else was written.
    expect(writes(run)).toHaveLength(2);
    expect(run.output).toContain('only the Namespace had been applied, and it is back on the last good release');
    expect(vm.differencesFrom(release)).toEqual([]);
  });

  test('kubectl diff failing (exit > 1: the API server restarting) stops the deploy with nothing written but the Namespace', async () => {
    const release = await good();
    vm.edit('backend/bots/src/smarter.ts', () => 'export const smarter = true;\n');
    vm.host.state.behaviour.apiDownAtVerb = 'diff';
    const run = await vm.deploy();
    expect(run.status).toBe(1);
    expect(run.output).toContain('kubectl diff failed (exit 2), nothing was applied: The connection to the server 127.0.0.1:6443 was refused');
    // The Namespace apply, and putting the release's Namespace back: nothing else was written.
    expect(writes(run).map(c => c.includes('apply'))).toEqual([true, true]);
    expect(run.output).toContain('only the Namespace had been applied, and it is back on the last good release');
    expect(vm.differencesFrom(release)).toEqual([]);
    expect(vm.releases()).toHaveLength(1);
  });

  test('a `kubectl get` failing (API server briefly down) is not "absent": the deploy stops before any write and app-secrets stays', async () => {
    const release = await good();
    vm.edit('backend/bots/src/broken.ts', () => 'throw new Error("boom");\n');
    // Were the failed get read as "app-secrets absent", the rollback after this crash would delete it.
    vm.host.state.behaviour.crashInCluster = [(await vm.plannedImages()).bots];
    // The second get of app-secrets: the one that records the Secrets to put back on failure.
    vm.host.state.behaviour.apiDownAtVerb = 'get secret app-secrets';
    vm.host.state.behaviour.apiDownSkip = 1;
    const run = await vm.deploy();
    expect(run.status).toBe(1);
    expect(run.output).toContain('kubectl get secret app-secrets failed (exit 1), cannot tell whether it exists: The connection to the server 127.0.0.1:6443 was refused');
    expect(vm.host.state.behaviour.apiDownAtVerb).toBeUndefined();
    expect(writes(run)).toEqual([]);
    expect(vm.secretValues()).toEqual(SECRETS);
    expect(vm.differencesFrom(release)).toEqual([]);
    expect(vm.releases()).toHaveLength(1);
  });

  test('a Pod Security violation is only a warning on a Deployment: the dry run\'s warning refuses it', async () => {
    const release = await good({ K8S_JUDGE0_MODE: 'off' });
    vm.edit('lib/colyseus-game-server.ts', t => t.replace("ports: [{ name: 'http', containerPort: COLYSEUS_PORT }]", "ports: [{ name: 'http', containerPort: COLYSEUS_PORT, hostPort: COLYSEUS_PORT }]"));
    const run = await vm.deploy({ K8S_JUDGE0_MODE: 'off' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('would violate PodSecurity "restricted:latest": hostPort');
    expect(writes(run)).toHaveLength(2);
    expect(vm.differencesFrom(release)).toEqual([]);
  });

  test('an apply cut short by an API server restart (partial apply) is rolled back', async () => {
    const release = await good();
    vm.edit('backend/colyseus/src/v2.ts', () => 'export const v = 2;\n');
    vm.host.state.behaviour.apiRestartAfterWrites = 25;
    const run = await vm.deploy({ MONGODB_PASSWORD: 'new-password-456' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('kubectl apply failed part-way');
    // MongoDB already has root's new password: the Secret keeps it (the old one would no longer log in).
    expect(vm.differencesFrom(release, { ...SECRETS, MONGODB_PASSWORD: 'new-password-456' })).toEqual([]);
    expect(vm.host.mongodData()!.users[`admin.${SECRETS.MONGODB_USERNAME}`].pwd).toBe('new-password-456');
  });

  test('nothing is pruned when the rollout fails: Judge0 stays with the release', async () => {
    const release = await good();
    vm.edit('backend/bots/src/broken.ts', () => 'throw new Error("boom");\n');
    vm.host.state.behaviour.crashInCluster = [(await vm.plannedImages()).bots];
    const run = await vm.deploy({ K8S_JUDGE0_MODE: 'off' });
    expect(run.status).toBe(1);
    expect(kubectlCalls(run).filter(c => c.includes('delete') && c.some(a => a.includes('judge0')))).toEqual([]);
    expect(vm.differencesFrom(release)).toEqual([]);
  });

  test.each([
    ['no pull token (new GHCR packages are private)', { GHCR_PULL_TOKEN: undefined }, 'cannot be pulled anonymously'],
    ['a token without read:packages', { GHCR_PULL_TOKEN: 'github_pat_finegrained' }, 'classic token with read:packages'],
  ])('an image the cluster could not pull (%s) stops the deploy before the cluster is touched', async (_, env, message) => {
    const release = await good();
    vm.host.state.behaviour.tokens.github_pat_finegrained = [];
    vm.edit('backend/colyseus/src/v2.ts', () => 'export const v = 2;\n');
    const run = await vm.deploy(env);
    expect(run.status).toBe(1);
    expect(run.output).toContain(message);
    expect(writes(run)).toEqual([]);
    expect(vm.differencesFrom(release)).toEqual([]);
  });

  test('an image that fails its smoke test is neither pushed nor applied', async () => {
    const release = await good();
    vm.edit('backend/colyseus/src/v2.ts', () => 'export const v = 2;\n');
    const { colyseus } = await vm.plannedImages();
    vm.host.state.behaviour.smokeFails = [colyseus];
    const run = await vm.deploy();
    expect(run.status).toBe(1);
    expect(run.output).toContain(`${colyseus} failed its smoke test, nothing was pushed or applied: smoke: ${colyseus}: /readyz did not answer 200 within 30 s`);
    expect(run.calls.filter(c => c[0] === 'docker' && c[1] === 'push')).toEqual([]);
    expect(writes(run)).toEqual([]);
    expect(vm.differencesFrom(release)).toEqual([]);
  });

  test('requests that do not fit while old pods drain stop the deploy before anything is applied', async () => {
    const release = await good();
    vm.host.state.behaviour.allocatable.cpu = 8;
    const run = await vm.deploy();
    expect(run.status).toBe(1);
    expect(run.output).toContain('CPU requests 10000m > allocatable 8000m');
    expect(writes(run)).toEqual([]);
    expect(vm.differencesFrom(release)).toEqual([]);
  });
});

test('pods refused at creation (FailedCreate) fail the wait at once, not at the progress deadline', async () => {
  const release = await good({ K8S_JUDGE0_MODE: 'off' }); // namespace enforces restricted
  const ctx = vm.context({ K8S_JUDGE0_MODE: 'off' });
  const bots = structuredClone(release.manifests.find(m => m.kind === 'Deployment' && m.metadata.name === 'bots')!) as any;
  bots.spec.template.spec.containers[0].securityContext.privileged = true;
  // Applied past the deploy's dry run (as by hand): the Deployment is accepted with a warning.
  const applied = vm.host.handle({ command: 'kubectl', args: [`--kubeconfig=${ctx.opts.kubeconfig}`, 'apply', ...serverSideApply(), '-f', '-'], input: asInput([bots]), env: {}, cwd: vm.repo });
  expect(applied.status).toBe(0);
  expect(applied.stderr).toContain('Warning: would violate PodSecurity "restricted:latest": privileged');
  const started = vm.host.now();
  await expect(waitForWorkloads(ctx, [bots], started, 'forward')).rejects.toThrow(/pods refused: ReplicaSet\/bots-[0-9a-f]+: Error creating: .*violates PodSecurity "restricted:latest"/);
  expect(vm.host.now() - started).toBeLessThan(60_000);
});
