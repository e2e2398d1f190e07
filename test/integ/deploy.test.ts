// scripts/deploy.ts against the scripted stand-in for kubectl, docker and sudo
// (test/fakes/fake-cluster.js): no cluster or Docker engine can run on these machines.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SECRET_KEYS } from '../../lib/app-secrets';
import {
  appSecretsManifest, capacityProblems, changedSecretKeys, changedWorkloads, judge0Blockers, missingSecrets, redactor,
  secretKeysByWorkload, summaryTable, withRepositoryVariables,
} from '../../scripts/deploy';
import { synthBackend } from '../util';

const ROOT = path.resolve(__dirname, '../..');
const SECRETS = Object.fromEntries(SECRET_KEYS.map((k, i) => [k, `value-of-${k.toLowerCase()}-${i}x`]));

describe('decisions', () => {
  test('missing secrets are listed by name; optional ones and Judge0\'s when disabled are not required', () => {
    expect(missingSecrets({ ...SECRETS, REDIS_PASSWORD: '', BOT_SERVICE_SECRET: undefined }, true)).toEqual(['REDIS_PASSWORD', 'BOT_SERVICE_SECRET']);
    expect(missingSecrets({ ...SECRETS, OPENAI_API_KEY: '', AWS_REGION: '' }, true)).toEqual([]);
    expect(missingSecrets({ ...SECRETS, JUDGE0_POSTGRES_DB: '' }, true)).toEqual(['JUDGE0_POSTGRES_DB']);
    expect(missingSecrets({ ...SECRETS, JUDGE0_POSTGRES_DB: '' }, false)).toEqual([]);
  });

  test('Judge0 needs amd64 and cgroup v1', () => {
    expect(judge0Blockers('x86_64', false)).toEqual([]);
    expect(judge0Blockers('aarch64', false)[0]).toContain('amd64 only');
    expect(judge0Blockers('x86_64', true)[0]).toContain('cgroup v1');
    expect(judge0Blockers('aarch64', true)).toHaveLength(2);
  });

  test('capacity counts surge pods against allocatable', () => {
    const objects = synthBackend();
    expect(capacityProblems(objects, { cpu: '4', memory: '24Gi' })).toEqual(['CPU requests 7750m > allocatable 4000m']);
    expect(capacityProblems(objects, { cpu: '7.75', memory: '24Gi' })).toEqual([]);
    expect(capacityProblems(synthBackend({ K8S_JUDGE0_ENABLED: 'false' }), { cpu: '3900m', memory: '23Gi' })).toEqual([]);
  });

  test('changed workloads: generation moved or created', () => {
    const before = [{ kind: 'Deployment', name: 'a', generation: 3 }, { kind: 'Deployment', name: 'b', generation: 1 }];
    const after = [{ kind: 'Deployment', name: 'a', generation: 4 }, { kind: 'Deployment', name: 'b', generation: 1 }, { kind: 'StatefulSet', name: 'c', generation: 1 }];
    expect(changedWorkloads(before, after)).toEqual([
      { kind: 'Deployment', name: 'a', created: false }, { kind: 'StatefulSet', name: 'c', created: true },
    ]);
  });

  test('which workloads read which secret keys', () => {
    const readers = secretKeysByWorkload(synthBackend());
    expect([...readers.get('StatefulSet/mongodb')!].sort()).toEqual(['MONGODB_PASSWORD', 'MONGODB_USERNAME']);
    expect(readers.get('Deployment/bots')!.has('OPENAI_API_KEY')).toBe(true);
    expect(readers.get('Deployment/colyseus')!.has('OPENAI_API_KEY')).toBe(false);
  });

  test('changed secret keys compare live base64 data with the environment', () => {
    const live = JSON.parse(appSecretsManifest(SECRETS)).data;
    expect(changedSecretKeys(live, SECRETS)).toEqual([]);
    expect(changedSecretKeys(live, { ...SECRETS, REDIS_PASSWORD: 'new' })).toEqual(['REDIS_PASSWORD']);
    expect(changedSecretKeys(undefined, SECRETS)).toEqual([...SECRET_KEYS]);
  });

  test('redaction hides every secret value, longest first', () => {
    const redact = redactor({ REDIS_PASSWORD: 'abcd', MONGODB_PASSWORD: 'abcdef', OPENAI_API_KEY: 'x' });
    expect(redact('pw=abcdef and abcd, x stays')).toBe('pw=*** and ***, x stays');
  });

  test('repository variables (GITHUB_VARS_JSON) supply the K8S_* knobs; the environment wins; other variables stay out', () => {
    const env = withRepositoryVariables({
      GITHUB_VARS_JSON: JSON.stringify({ K8S_JUDGE0_ENABLED: 'false', K8S_BOTS_REPLICAS: '1', OTHER: 'x' }),
      K8S_BOTS_REPLICAS: '3', K3S_VERSION: '',
    });
    expect(env.K8S_JUDGE0_ENABLED).toBe('false');
    expect(env.K8S_BOTS_REPLICAS).toBe('3');
    expect(env.OTHER).toBeUndefined();
    expect(env.K3S_VERSION).toBeUndefined(); // empty means unset: the default
    expect(withRepositoryVariables({})).toEqual({});
  });

  test('summary table', () => {
    expect(summaryTable([{ workload: 'Deployment/bots', image: 'b:1', result: 'updated, ready', seconds: 12.4 }])).toBe(
      '| workload | image | result | duration |\n| --- | --- | --- | ---: |\n| Deployment/bots | `b:1` | updated, ready | 12 s |');
  });
});

// ---------------------------------------------------------------------------------------------

interface Run { status: number; output: string; calls: string[][]; summary: string; state: any }

class Vm {
  readonly repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-repo-'));
  readonly host = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-host-'));
  readonly bin = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-bin-'));
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-home-'));
  readonly stateFile = path.join(this.bin, 'state.json');

  constructor() {
    for (const entry of ['main.ts', 'lib', 'imports', 'policy', 'scripts', 'cdk8s.yaml', 'package.json', 'tsconfig.json']) {
      fs.cpSync(path.join(ROOT, entry), path.join(this.repo, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(this.repo, 'node_modules'));
    for (const svc of ['colyseus', 'bots']) {
      fs.mkdirSync(path.join(this.repo, 'backend', svc), { recursive: true });
      fs.writeFileSync(path.join(this.repo, 'backend', svc, 'Dockerfile'), 'FROM node:22-slim\n');
    }
    this.git('init', '-q');
    this.commit('initial');
    for (const tool of ['kubectl', 'docker', 'sudo', 'uname', 'id']) {
      fs.symlinkSync(path.join(ROOT, 'test/fakes/fake-cluster.js'), path.join(this.bin, tool));
    }
  }

  git(...args: string[]): void {
    const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: this.repo, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  }

  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-qm', message);
  }

  cgroupV2(): void {
    fs.mkdirSync(path.join(this.host, 'sys/fs/cgroup'), { recursive: true });
    fs.writeFileSync(path.join(this.host, 'sys/fs/cgroup/cgroup.controllers'), 'cpu memory\n');
  }

  deploy(env: Record<string, string | undefined> = {}): Run {
    fs.rmSync(`${this.stateFile}.calls`, { force: true });
    const summaryFile = path.join(this.bin, 'summary.md');
    fs.rmSync(summaryFile, { force: true });
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('K8S_') && !k.startsWith('GITHUB_')));
    const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', 'scripts/deploy.ts'], {
      cwd: this.repo,
      encoding: 'utf8',
      env: {
        ...base, ...SECRETS,
        PATH: `${this.bin}:${process.env.PATH}`,
        HOME: this.home,
        DEPLOY_HOST_ROOT: this.host,
        FAKE_STATE: this.stateFile,
        FAKE_NODE_CPU: '16',
        GITHUB_REPOSITORY_OWNER: 'Acme',
        GITHUB_STEP_SUMMARY: summaryFile,
        DEPLOY_HEALTH_ATTEMPTS: '1',
        ...env,
      } as NodeJS.ProcessEnv,
    });
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
    return {
      status: r.status ?? -1,
      output: r.stdout + r.stderr,
      calls: read(`${this.stateFile}.calls`).split('\n').filter(Boolean).map(l => JSON.parse(l)),
      summary: read(summaryFile),
      state: JSON.parse(read(this.stateFile) || '{"objects":{},"images":[]}'),
    };
  }

  cleanUp(): void {
    for (const dir of [this.repo, this.host, this.bin, this.home]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

const called = (run: Run, ...prefix: string[]) => run.calls.filter(c => prefix.every((p, i) => c[i] === p));
const rolloutStatus = (run: Run) => called(run, 'kubectl', 'rollout', 'status').map(c => c[3]).sort();
const noSecretIn = (run: Run) => {
  const everything = run.output + run.summary + JSON.stringify(run.calls);
  return Object.values(SECRETS).filter(v => everything.includes(v));
};

describe('deploy against the stand-in', () => {
  let vm: Vm;
  beforeEach(() => { vm = new Vm(); });
  afterEach(() => vm.cleanUp());

  test('clean first deploy: installs k3s, builds both images, creates everything, checks health', () => {
    const run = vm.deploy();
    expect(run.output).toContain('Deploy finished');
    expect(run.status).toBe(0);
    expect(called(run, 'sudo', 'env').map(c => c[2])).toEqual(['INSTALL_K3S_VERSION=v1.33.13+k3s1']);
    expect(fs.statSync(path.join(vm.home, '.kube/config')).mode & 0o777).toBe(0o600);
    expect(called(run, 'docker', 'buildx', 'build').map(c => c[5])).toEqual([
      expect.stringMatching(/^ghcr\.io\/acme\/codeclashers-colyseus:[0-9a-f]{40}$/),
      expect.stringMatching(/^ghcr\.io\/acme\/codeclashers-bots:[0-9a-f]{40}$/),
    ]);
    const timeouts = Object.fromEntries(called(run, 'kubectl', 'rollout', 'status').map(c => [c[3], c[6]]));
    expect(timeouts).toMatchObject({
      'deployment/bots': '--timeout=360s', // 300 + its 60 s grace period
      'deployment/colyseus': '--timeout=1260s', // 300 + a whole match of drain (900 + 60)
      'statefulset/mongodb': '--timeout=660s', // a store: 600 + 60
    });
    expect(rolloutStatus(run)).toEqual([
      'deployment/bots', 'deployment/colyseus', 'deployment/judge0-server', 'deployment/judge0-worker', 'deployment/postgres',
      'statefulset/mongodb', 'statefulset/redis',
    ]);
    // apply order: cluster (namespace) first, then secrets, stores, apps
    const applied = called(run, 'kubectl', 'apply').map(c => c[c.length - 1]);
    expect(applied).toEqual(['dist/1-cluster.k8s.yaml', '-', 'dist/2-stores.k8s.yaml', 'dist/3-apps.k8s.yaml']);
    const secret = run.state.objects['Secret/codeclashers/app-secrets'].object;
    expect(Buffer.from(secret.data.REDIS_PASSWORD, 'base64').toString()).toBe(SECRETS.REDIS_PASSWORD);
    const colyseus = run.state.objects['Deployment/codeclashers/colyseus'].object;
    expect(colyseus.spec.template.spec.containers[0].image).toMatch(/^ghcr\.io\/acme\/codeclashers-colyseus:[0-9a-f]{40}$/);
    expect(called(run, 'kubectl', 'get', '--raw')).toHaveLength(2); // Colyseus and Judge0 through their Services
    expect(run.summary).toContain('## Deploy succeeded');
    expect(run.summary).toContain('| Deployment/colyseus |');
    expect(run.summary).toContain('created, ready');
    expect(run.summary).toContain('kubectl diff');
    expect(noSecretIn(run)).toEqual([]);
  });

  test('no-op redeploy: nothing installed, built, restarted or waited for', () => {
    expect(vm.deploy().status).toBe(0);
    const again = vm.deploy();
    expect(again.status).toBe(0);
    expect(again.output).toContain('k3s is installed: skipping the installer.');
    expect(called(again, 'sudo', 'env')).toEqual([]);
    expect(called(again, 'docker', 'buildx', 'build')).toEqual([]);
    expect(called(again, 'kubectl', 'rollout')).toEqual([]);
    expect(again.output).toContain('Nothing changed: no rollout needed.');
    expect(again.summary).not.toContain('ready');
  });

  test('one service changed: only it is built and rolled', () => {
    expect(vm.deploy().status).toBe(0);
    fs.writeFileSync(path.join(vm.repo, 'backend/bots/bot.js'), 'console.log("smarter")\n');
    vm.commit('bots: smarter');
    const run = vm.deploy();
    expect(run.status).toBe(0);
    expect(called(run, 'docker', 'buildx', 'build').map(c => c[5])).toEqual([expect.stringContaining('codeclashers-bots:')]);
    expect(rolloutStatus(run)).toEqual(['deployment/bots']);
    expect(run.summary).toMatch(/\| Deployment\/bots \| .* \| updated, ready \|/);
    expect(run.summary).toMatch(/\| Deployment\/colyseus \| .* \| unchanged \|/);
  });

  test('failed rollout: only the changed workloads are undone, exit non-zero, summary says why', () => {
    const first = vm.deploy();
    expect(first.status).toBe(0);
    const imageOf = (run: Run) => run.state.objects['Deployment/codeclashers/bots'].object.spec.template.spec.containers[0].image;
    fs.writeFileSync(path.join(vm.repo, 'backend/bots/bot.js'), 'crash()\n');
    vm.commit('bots: broken');
    const run = vm.deploy({ FAKE_FAIL_ROLLOUT: 'bots', FAKE_POD_LOG: `boom, REDIS_PASSWORD=${SECRETS.REDIS_PASSWORD}` });
    expect(run.status).toBe(1);
    expect(called(run, 'kubectl', 'rollout', 'undo').map(c => c[3])).toEqual(['deployment/bots']);
    expect(imageOf(run)).toBe(imageOf(first)); // back on the previous release
    expect(run.output).toContain('Back-off restarting failed container'); // events
    expect(run.output).toContain('boom, REDIS_PASSWORD=***'); // last log lines, redacted
    expect(run.output).toContain('error: Deployment/bots did not become ready');
    expect(run.summary).toContain('## Deploy failed');
    expect(run.summary).toMatch(/\| Deployment\/bots \| .* \| \*\*failed\*\*: .*timed out.*; rolled back \| \d+ s \|/);
    expect(run.summary).toMatch(/\| Deployment\/colyseus \| .* \| unchanged \|/);
    expect(noSecretIn(run)).toEqual([]);
  });

  test('failed first rollout: workloads this run created are removed (nothing to undo to)', () => {
    const run = vm.deploy({ FAKE_FAIL_ROLLOUT: 'colyseus' });
    expect(run.status).toBe(1);
    expect(called(run, 'kubectl', 'rollout', 'undo')).toEqual([]);
    expect(called(run, 'kubectl', 'delete').map(c => c[2]).sort()).toContain('deployment/colyseus');
  });

  test('a changed secret restarts exactly the workloads that read it', () => {
    expect(vm.deploy().status).toBe(0);
    const run = vm.deploy({ MONGODB_PASSWORD: 'rotated-password-123' });
    expect(run.status).toBe(0);
    expect(run.output).toContain('changed keys MONGODB_PASSWORD');
    // Colyseus logs in as its own user (Secret mongodb-colyseus), not root: root's password is not its concern.
    expect(called(run, 'kubectl', 'rollout', 'restart').map(c => c[3]).sort()).toEqual(['statefulset/mongodb']);
    expect(rolloutStatus(run)).toEqual(['statefulset/mongodb']);
    expect(run.output).not.toContain('rotated-password-123');
  });

  test('missing secrets: names listed, no value printed, nothing touched', () => {
    const run = vm.deploy({ REDIS_PASSWORD: '', BOT_SERVICE_SECRET: undefined });
    expect(run.status).toBe(1);
    expect(run.output).toContain('missing secrets');
    expect(run.output).toMatch(/REDIS_PASSWORD, BOT_SERVICE_SECRET/);
    expect(run.calls.filter(c => c[0] !== 'uname')).toEqual([]);
    expect(noSecretIn(run)).toEqual([]);
  });

  test('bad configuration stops the preflight with the config error, nothing touched', () => {
    const run = vm.deploy({ K8S_REDIS_REPLICAS: '2' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('K8S_REDIS_REPLICAS=2 is invalid');
    expect(run.calls.filter(c => c[0] !== 'uname')).toEqual([]);
  });

  test('Judge0 impossible on an arm64, cgroup v2 node: reasons and ways out, nothing touched', () => {
    vm.cgroupV2();
    const run = vm.deploy({ FAKE_MACHINE: 'aarch64' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('Judge0 cannot run on this node');
    expect(run.output).toContain('amd64 only');
    expect(run.output).toContain('cgroup v1');
    expect(run.output).toContain('K8S_JUDGE0_ENABLED=false');
    expect(run.calls.filter(c => c[0] !== 'uname')).toEqual([]);
  });

  test('the fallback: with K8S_JUDGE0_ENABLED=false everything else deploys on that node', () => {
    vm.cgroupV2();
    const run = vm.deploy({ FAKE_MACHINE: 'aarch64', K8S_JUDGE0_ENABLED: 'false', JUDGE0_POSTGRES_DB: '', FAKE_NODE_CPU: '4' });
    expect(run.status).toBe(0);
    expect(run.output).toContain('Judge0 is disabled');
    expect(rolloutStatus(run)).toEqual(['deployment/bots', 'deployment/colyseus', 'statefulset/mongodb', 'statefulset/redis']);
    expect(called(run, 'kubectl', 'get', '--raw')).toHaveLength(1);
  });

  test('requests over the node\'s allocatable stop the deploy before anything is applied', () => {
    const run = vm.deploy({ FAKE_NODE_CPU: '4' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('do not fit the node');
    expect(run.output).toContain('CPU requests 7750m > allocatable 4000m');
    expect(called(run, 'kubectl', 'apply')).toEqual([]);
    expect(called(run, 'docker', 'buildx', 'build')).toEqual([]);
  });

  test('a failed health check rolls back what this run changed', () => {
    expect(vm.deploy().status).toBe(0);
    fs.writeFileSync(path.join(vm.repo, 'backend/colyseus/room.js'), 'broken()\n');
    vm.commit('colyseus: broken readiness');
    const run = vm.deploy({ FAKE_FAIL_HEALTH: 'colyseus' });
    expect(run.status).toBe(1);
    expect(run.output).toContain('Colyseus /readyz: FAILED');
    expect(called(run, 'kubectl', 'rollout', 'undo').map(c => c[3])).toEqual(['deployment/colyseus']);
    expect(run.summary).toContain('health checks failed');
  });
});
