// The deploy, as one script that runs the same on the VM by hand and in GitHub Actions
// (.github/workflows/deploy.yml): `npm run deploy`. Steps, in order:
//   1. preflight: configuration, secrets, tools, Judge0 on this host, synth (nothing touched yet)
//   2. k3s: install on the first run only; kubeconfig for this user; node Ready
//   3. capacity: the manifests' requests (with surge pods) fit the node's allocatable
//   4. images: build and push what changed to GHCR, tagged with the commit SHA
//   5. namespace and Secret app-secrets (values only ever on kubectl's stdin)
//   6. kubectl diff into the summary, apply in order: cluster, stores, apps
//   7. rollout status for what this run changed; on failure undo exactly that
//   8. health checks through the Services; on failure undo as well
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { SECRET_KEYS, requiredSecrets } from '../lib/app-secrets';
import { ConfigError, loadConfig } from '../lib/config';
import { NAMESPACE, NAME_LABEL } from '../lib/labels';
import { parseQuantity, formatCpu, formatMemory } from '../lib/quantity';
import { capacityOf } from '../lib/capacity';
import { Manifest, workloadsOf } from '../lib/manifest';

export type Env = Readonly<Record<string, string | undefined>>;

/** k3s release installed on the first run; <= 1.34 so cgroup v1 hosts (Judge0) still work. */
export const DEFAULT_K3S_VERSION = 'v1.33.13+k3s1';
export const SERVICES_BUILT = ['colyseus', 'bots'] as const;
const PULL_SECRET = 'ghcr-pull';
const MANIFESTS = ['1-cluster.k8s.yaml', '2-stores.k8s.yaml', '3-apps.k8s.yaml'];

export class DeployError extends Error {}

// ---------------------------------------------------------------------------------------------
// Decisions, as pure functions (unit-tested in test/deploy.test.ts).

/** Required secrets that are unset or empty, by name. */
export function missingSecrets(env: Env, judge0Enabled: boolean): string[] {
  return requiredSecrets(judge0Enabled).filter(k => !env[k]?.trim());
}

/** Why Judge0 cannot run on this host (empty: it can). */
export function judge0Blockers(machine: string, cgroupV2: boolean): string[] {
  const reasons: string[] = [];
  if (!['x86_64', 'amd64'].includes(machine)) {
    reasons.push(`this host is ${machine}, and judge0/judge0:1.13.1 is built for amd64 only (judge0#361, #485): its pods would fail with "exec format error"`);
  }
  if (cgroupV2) {
    reasons.push('this host uses cgroup v2, and Judge0\'s isolate sandbox needs cgroup v1 (judge0#543, #597): every submission would fail');
  }
  return reasons;
}

/** What exceeds the node: requests of all workloads, with one surge pod per rolling Deployment. */
export function capacityProblems(objects: readonly Manifest[], allocatable: { cpu: string; memory: string }): string[] {
  return capacityOf(objects, allocatable).overBudget.map(p => p.replace('node', 'allocatable'));
}

export interface Generation { readonly kind: string; readonly name: string; readonly generation: number }
export interface Change { readonly kind: string; readonly name: string; readonly created: boolean }

/** Workloads whose spec this run changed (their generation moved) or created. */
export function changedWorkloads(before: readonly Generation[], after: readonly Generation[]): Change[] {
  return after.flatMap((a): Change[] => {
    const b = before.find(x => x.kind === a.kind && x.name === a.name);
    if (!b) return [{ kind: a.kind, name: a.name, created: true }];
    return a.generation !== b.generation ? [{ kind: a.kind, name: a.name, created: false }] : [];
  });
}

/** Keys of app-secrets each workload reads, by `Kind/name`. */
export function secretKeysByWorkload(objects: readonly Manifest[]): Map<string, Set<string>> {
  return new Map(workloadsOf(objects).map(w => [w.id, new Set(w.containers
    .flatMap(c => (c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.key))
    .filter(Boolean))]));
}

/** Keys whose value differs between the cluster's app-secrets (base64 data) and `env`. */
export function changedSecretKeys(current: Record<string, string> | undefined, env: Env): string[] {
  return SECRET_KEYS.filter(k => {
    const live = current?.[k] === undefined ? undefined : Buffer.from(current[k], 'base64').toString('utf8');
    return live !== (env[k] ?? '');
  });
}

/** The Secret object, built in memory and handed to kubectl on stdin. */
export function appSecretsManifest(env: Env): string {
  const data = Object.fromEntries(SECRET_KEYS.map(k => [k, Buffer.from(env[k] ?? '').toString('base64')]));
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: 'app-secrets', namespace: NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'codeclashers' } },
    data,
  });
}

function pullSecretManifest(registry: string, user: string, token: string): string {
  const auth = Buffer.from(`${user}:${token}`).toString('base64');
  const config = JSON.stringify({ auths: { [registry]: { username: user, password: token, auth } } });
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson',
    metadata: { name: PULL_SECRET, namespace: NAMESPACE },
    data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
  });
}

/** Replaces every secret value that occurs in `text` with ***. */
export function redactor(env: Env): (text: string) => string {
  const values = [...SECRET_KEYS, 'GHCR_PULL_TOKEN']
    .map(k => env[k])
    .filter((v): v is string => !!v && v.length >= 4)
    .sort((a, b) => b.length - a.length);
  return text => values.reduce((t, v) => t.split(v).join('***'), text);
}

export interface SummaryRow { workload: string; image: string; result: string; seconds?: number }

export function summaryTable(rows: readonly SummaryRow[]): string {
  return [
    '| workload | image | result | duration |',
    '| --- | --- | --- | ---: |',
    ...rows.map(r => `| ${r.workload} | \`${r.image}\` | ${r.result} | ${r.seconds === undefined ? '' : `${r.seconds.toFixed(0)} s`} |`),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The run.

interface Result { status: number; stdout: string; stderr: string }

export class Deploy {
  private readonly redact: (text: string) => string;
  private readonly rows = new Map<string, SummaryRow>();
  private readonly summary: string[] = [];
  private objects: Manifest[] = [];
  /** Whether Judge0 is deployed (K8S_JUDGE0_ENABLED), known once the preflight read the configuration. */
  private judge0 = true;
  private readonly hostRoot: string;
  /** Keys of app-secrets whose value this run changes. */
  private changedKeys: string[] = [];

  constructor(private readonly root: string, private readonly env: Env) {
    this.redact = redactor(env);
    this.hostRoot = env.DEPLOY_HOST_ROOT ?? '/';
  }

  log(message: string): void {
    console.log(this.redact(message));
  }

  private step(title: string): void {
    this.log(`\n==> ${title}`);
  }

  /** Runs a command; its output passes through redaction before anyone sees it. */
  private run(command: string, args: string[], options: { input?: string; check?: boolean; quiet?: boolean } = {}): Result {
    if (!options.quiet) this.log(`$ ${command} ${args.join(' ')}`);
    const r = spawnSync(command, args, {
      cwd: this.root, env: { ...process.env, ...this.env } as NodeJS.ProcessEnv, input: options.input, encoding: 'utf8', maxBuffer: 64 * 2 ** 20,
    });
    const result = { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error.message) : '') };
    if (options.check !== false && result.status !== 0) {
      throw new DeployError(`${command} ${args[0]} failed (exit ${result.status}): ${this.redact(result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join(' | ')}`);
    }
    return result;
  }

  private kubectl(args: string[], options: { input?: string; check?: boolean; quiet?: boolean } = {}): Result {
    return this.run('kubectl', args, options);
  }

  private has(command: string): boolean {
    return spawnSync('sh', ['-c', `command -v ${command}`], { env: { ...process.env, ...this.env } as NodeJS.ProcessEnv }).status === 0;
  }

  private hostPath(p: string): string {
    return path.join(this.hostRoot, p);
  }

  main(): number {
    const started = Date.now();
    try {
      const images = this.preflight();
      this.ensureK3s();
      this.checkCapacity();
      this.buildImages(images);
      this.applySecrets();
      const changed = this.apply();
      this.waitForRollouts(changed);
      this.checkHealth(changed);
      this.log(`\nDeploy finished in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
      this.writeSummary('succeeded');
      return 0;
    } catch (error) {
      if (!(error instanceof DeployError)) throw error;
      this.log(`\nerror: ${error.message}`);
      this.writeSummary(`failed: ${error.message}`);
      return 1;
    }
  }

  /** 1. Everything that can be checked without touching the cluster. */
  preflight(): Record<string, string> {
    this.step('Preflight');
    const problems: string[] = [];
    try {
      this.judge0 = loadConfig(this.env).judge0.enabled;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
    const missing = missingSecrets(this.env, this.judge0);
    if (missing.length) problems.push(`missing secrets (set them in GitHub: Settings > Secrets and variables > Actions): ${missing.join(', ')}`);
    const k3sInstalled = fs.existsSync(this.hostPath('etc/rancher/k3s/k3s.yaml'));
    for (const tool of ['docker', 'node', 'git', ...(k3sInstalled ? ['kubectl'] : [])]) {
      if (!this.has(tool)) problems.push(`${tool} is not installed on this runner`);
    }
    const machine = this.run('uname', ['-m'], { quiet: true }).stdout.trim();
    const cgroupV2 = fs.existsSync(this.hostPath('sys/fs/cgroup/cgroup.controllers'));
    const blockers = judge0Blockers(machine, cgroupV2);
    if (blockers.length && this.judge0) {
      problems.push(`Judge0 cannot run on this node: ${blockers.join('; ')}. Ways out: set the repository variable `
        + 'K8S_JUDGE0_ENABLED=false to deploy everything else now (matches then cannot be judged), or run the VM on an amd64 '
        + 'shape booted with systemd.unified_cgroup_hierarchy=0 (README.md, "Judge0").');
    } else if (blockers.length) {
      this.log(`Judge0 is disabled (K8S_JUDGE0_ENABLED=false), as this host needs: ${blockers.join('; ')}`);
    }
    const registry = this.env.IMAGE_REGISTRY ?? (this.env.GITHUB_REPOSITORY_OWNER ? `ghcr.io/${this.env.GITHUB_REPOSITORY_OWNER.toLowerCase()}` : undefined);
    if (!registry) problems.push('GITHUB_REPOSITORY_OWNER (set by GitHub Actions) or IMAGE_REGISTRY must name where images go, e.g. ghcr.io/acme');
    if (problems.length) throw new DeployError(`preflight failed, nothing was changed:\n  - ${problems.join('\n  - ')}`);

    const images: Record<string, string> = {};
    for (const svc of SERVICES_BUILT) {
      const sha = this.run('git', ['log', '-1', '--format=%H', '--', `backend/${svc}`], { quiet: true }).stdout.trim();
      if (!sha) throw new DeployError(`backend/${svc} has no commit to build from`);
      images[svc] = `${registry}/codeclashers-${svc}:${sha}`;
    }
    this.synth(images);
    this.log('Preflight passed.');
    return images;
  }

  private synth(images: Record<string, string>): void {
    this.log('Synthesizing manifests with the image tags of this commit');
    const r = spawnSync(process.execPath, [path.join(this.root, 'node_modules/cdk8s-cli/bin/cdk8s'), 'synth', '--no-check-upgrade'], {
      cwd: this.root, encoding: 'utf8',
      env: { ...process.env, ...this.env, COLYSEUS_IMAGE: images.colyseus, BOTS_IMAGE: images.bots } as NodeJS.ProcessEnv,
    });
    if (r.status !== 0) throw new DeployError(`cdk8s synth failed, nothing was changed:\n${this.redact(`${r.stdout}\n${r.stderr}`.trim())}`);
    this.objects = MANIFESTS.flatMap(f => parseAllDocuments(fs.readFileSync(path.join(this.root, 'dist', f), 'utf8')).map(d => d.toJS() as Manifest));
    for (const w of workloadsOf(this.objects)) {
      this.rows.set(w.id, { workload: w.id, image: w.containers.map(c => c.image).join(', '), result: 'unchanged' });
    }
  }

  /** 2. k3s on the first run; this user's kubeconfig on every run (k3s rotates its certificates). */
  ensureK3s(): void {
    this.step('k3s');
    if (fs.existsSync(this.hostPath('etc/rancher/k3s/k3s.yaml'))) {
      this.log('k3s is installed: skipping the installer.');
    } else {
      const version = this.env.K3S_VERSION || DEFAULT_K3S_VERSION;
      this.log(`Installing k3s ${version} (first run)`);
      this.run('sudo', ['env', `INSTALL_K3S_VERSION=${version}`, 'bash', path.join(this.root, 'scripts/install-k3s.sh')]);
    }
    const home = this.env.HOME ?? '';
    const user = this.run('id', ['-un'], { quiet: true }).stdout.trim();
    fs.mkdirSync(path.join(home, '.kube'), { recursive: true, mode: 0o700 });
    // Mode 600 and owned by this user: readable by the runner, by nobody else.
    this.run('sudo', ['install', '-m', '600', '-o', user, '/etc/rancher/k3s/k3s.yaml', path.join(home, '.kube', 'config')]);
    if (!this.has('kubectl')) throw new DeployError('kubectl is not installed (k3s installs it as /usr/local/bin/kubectl)');
    this.kubectl(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=300s']);
  }

  /** 3. Requests, surge pods included, against the node's allocatable. */
  checkCapacity(): void {
    this.step('Capacity');
    const nodes = JSON.parse(this.kubectl(['get', 'nodes', '-o', 'json'], { quiet: true }).stdout).items as any[];
    const cpu = nodes.reduce((t, n) => t + parseQuantity(String(n.status.allocatable.cpu)), 0);
    const memory = nodes.reduce((t, n) => t + parseQuantity(String(n.status.allocatable.memory)), 0);
    const problems = capacityProblems(this.objects, { cpu: String(cpu), memory: String(memory) });
    if (problems.length) {
      throw new DeployError(`the manifests do not fit the node, nothing was changed: ${problems.join('; ')}. `
        + 'Lower K8S_<SVC>_REPLICAS or K8S_<SVC>_{CPU,MEMORY}_REQUEST (repository variables); `npm run synth` prints the table.');
    }
    this.log(`Requests fit the node's allocatable (${formatCpu(cpu)} CPU, ${formatMemory(memory)}).`);
  }

  /** 4. Only services whose directory changed since their image was pushed are built. */
  buildImages(images: Record<string, string>): void {
    this.step('Images');
    for (const svc of SERVICES_BUILT) {
      const image = images[svc];
      if (this.run('docker', ['buildx', 'imagetools', 'inspect', image], { check: false, quiet: true }).status === 0) {
        this.log(`${image} exists: backend/${svc} unchanged, not rebuilt.`);
        continue;
      }
      const started = Date.now();
      // The source label links the package to the repository (and its visibility settings) on GHCR.
      const label = this.env.GITHUB_REPOSITORY ? ['--label', `org.opencontainers.image.source=https://github.com/${this.env.GITHUB_REPOSITORY}`] : [];
      this.run('docker', ['buildx', 'build', '--push', '--tag', image, ...label, path.join('backend', svc)]);
      this.log(`Built and pushed ${image} in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
    }
  }

  /** 5. Namespace (with the rest of the cluster chart) and the Secrets; restarts follow in apply(). */
  applySecrets(): void {
    this.step('Namespace and secrets');
    this.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=codeclashers-deploy', '-f', 'dist/1-cluster.k8s.yaml']);
    const live = this.kubectl(['get', 'secret', 'app-secrets', '-n', NAMESPACE, '-o', 'json'], { check: false, quiet: true });
    const current = live.status === 0 ? JSON.parse(live.stdout).data ?? {} : undefined;
    this.changedKeys = changedSecretKeys(current, this.env);
    this.log(current === undefined ? 'Creating Secret app-secrets.' : `Secret app-secrets: ${this.changedKeys.length ? `changed keys ${this.changedKeys.join(', ')}` : 'unchanged'}.`);
    if (this.changedKeys.length) {
      // Server-side apply: unlike client-side apply it copies no data into an annotation.
      this.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=codeclashers-deploy', '-f', '-'], { input: appSecretsManifest(this.env) });
    }
    const token = this.env.GHCR_PULL_TOKEN;
    if (token) {
      const owner = this.env.GHCR_PULL_USER || this.env.GITHUB_REPOSITORY_OWNER || 'token';
      this.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=codeclashers-deploy', '-f', '-'], { input: pullSecretManifest('ghcr.io', owner, token) });
    } else {
      this.log('No GHCR_PULL_TOKEN: the cluster pulls images anonymously, so the GHCR packages must be public.');
    }
  }

  private generations(): Generation[] {
    const r = this.kubectl(['get', 'deployments,statefulsets', '-n', NAMESPACE, '-o', 'json'], { quiet: true });
    return (JSON.parse(r.stdout).items as any[]).map(o => ({ kind: o.kind, name: o.metadata.name, generation: o.metadata.generation ?? 0 }));
  }

  /** 6. Diff, apply in order, and work out what this run changed. */
  apply(): Change[] {
    this.step('Apply');
    const files = MANIFESTS.slice(1).map(f => `dist/${f}`);
    const diff = this.kubectl(['diff', '--server-side', '--force-conflicts', ...files.flatMap(f => ['-f', f])], { check: false, quiet: true });
    // kubectl diff: 0 = no differences, 1 = differences, more = it could not diff.
    const diffText = diff.status <= 1 ? diff.stdout.trim() || '(no differences)' : `(diff unavailable: ${diff.stderr.trim()})`;
    this.summary.push('<details><summary>kubectl diff</summary>\n\n```diff\n' + this.redact(diffText).slice(0, 60_000) + '\n```\n</details>');
    this.log(diffText.split('\n').filter(l => /^diff |^[+-]\s/.test(l)).slice(0, 200).join('\n'));

    const before = this.generations();
    for (const file of files) {
      this.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=codeclashers-deploy', '-f', file]);
    }
    const changed = changedWorkloads(before, this.generations());
    for (const c of changed) this.row(c).result = c.created ? 'created' : 'updated';

    // Pods read secrets only at start: restart the workloads that read a changed key, unless
    // this apply already replaces their pods.
    const readers = secretKeysByWorkload(this.objects);
    for (const [id, keys] of readers) {
      const [kind, name] = id.split('/');
      if (!this.changedKeys.some(k => keys.has(k))) continue;
      if (changed.some(c => c.kind === kind && c.name === name)) continue;
      if (!before.some(b => b.kind === kind && b.name === name)) continue;
      this.kubectl(['rollout', 'restart', `${kind.toLowerCase()}/${name}`, '-n', NAMESPACE]);
      changed.push({ kind, name, created: false });
      this.row({ kind, name }).result = 'restarted (secret changed)';
    }
    this.log(changed.length ? `Changed by this run: ${changed.map(c => `${c.kind}/${c.name}`).join(', ')}` : 'Nothing changed: no rollout needed.');
    return changed;
  }

  private row(w: { kind: string; name: string }): SummaryRow {
    const id = `${w.kind}/${w.name}`;
    if (!this.rows.has(id)) this.rows.set(id, { workload: id, image: '', result: '' });
    return this.rows.get(id)!;
  }

  private timeoutFor(kind: string, name: string): number {
    const base = Number(this.env.DEPLOY_ROLLOUT_TIMEOUT_SECONDS || 300);
    // Stores replay their data, Judge0 migrates its database before it answers.
    const start = kind === 'StatefulSet' || name === 'judge0-server' ? base * 2 : base;
    // Old pods keep their requests while they drain (Colyseus: a whole match); on a full node
    // the next new pod waits for that room, which is no reason to roll back.
    const grace = workloadsOf(this.objects).find(w => w.id === `${kind}/${name}`)?.podSpec.terminationGracePeriodSeconds ?? 30;
    return start + grace;
  }

  /** 7. Wait for every changed workload; on the first failure undo all of them. */
  waitForRollouts(changed: Change[]): void {
    this.step('Rollout');
    for (const c of changed) {
      const started = Date.now();
      const r = this.kubectl(['rollout', 'status', `${c.kind.toLowerCase()}/${c.name}`, '-n', NAMESPACE, `--timeout=${this.timeoutFor(c.kind, c.name)}s`], { check: false });
      const row = this.row(c);
      row.seconds = (Date.now() - started) / 1000;
      if (r.status !== 0) {
        row.result = `**failed**: ${this.redact(r.stderr.trim() || r.stdout.trim()).split('\n').pop()}`;
        this.diagnose(c.name);
        this.rollBack(changed);
        throw new DeployError(`${c.kind}/${c.name} did not become ready; this run's changes were rolled back`);
      }
      row.result = `${row.result}, ready`;
    }
  }

  /** Events and last log lines of a workload's pods, secrets redacted. */
  private diagnose(name: string): void {
    const pods = this.kubectl(['get', 'pods', '-n', NAMESPACE, '-l', `${NAME_LABEL}=${name}`, '-o', 'name'], { check: false, quiet: true }).stdout.split('\n').filter(Boolean);
    for (const pod of pods) {
      const podName = pod.replace(/^pod\//, '');
      this.log(`--- events of ${podName}`);
      this.log(this.kubectl(['get', 'events', '-n', NAMESPACE, '--field-selector', `involvedObject.name=${podName}`, '--sort-by=.lastTimestamp'], { check: false, quiet: true }).stdout.trim().split('\n').slice(-10).join('\n'));
      this.log(`--- last log lines of ${podName}`);
      const logs = this.kubectl(['logs', '-n', NAMESPACE, pod, '--all-containers', '--tail=20'], { check: false, quiet: true });
      this.log((logs.stdout + logs.stderr).trim());
    }
  }

  /** Undo exactly what this run changed: previous revision for updated workloads, delete created ones. */
  private rollBack(changed: Change[]): void {
    this.step('Rollback');
    for (const c of changed) {
      const ref = `${c.kind.toLowerCase()}/${c.name}`;
      const row = this.row(c);
      if (c.created) {
        // Nothing to go back to: the state before this run had no such workload.
        this.kubectl(['delete', ref, '-n', NAMESPACE, '--wait=false'], { check: false });
        row.result = `${row.result}; removed (created by this run)`;
        continue;
      }
      const undo = this.kubectl(['rollout', 'undo', ref, '-n', NAMESPACE], { check: false });
      const back = undo.status === 0
        && this.kubectl(['rollout', 'status', ref, '-n', NAMESPACE, `--timeout=${this.timeoutFor(c.kind, c.name)}s`], { check: false }).status === 0;
      row.result = `${row.result}; ${back ? 'rolled back' : '**rollback failed**'}`;
    }
    this.log('Note: rollout undo restores pod templates only; Secret app-secrets keeps this run\'s values.');
  }

  /** 8. The services answer through their Services; failure rolls back like a failed rollout. */
  checkHealth(changed: Change[]): void {
    this.step('Health');
    const proxy = (service: string, port: number, route: string) => ['get', '--raw', `/api/v1/namespaces/${NAMESPACE}/services/${service}:${port}/proxy${route}`];
    const checks: [string, string[], RegExp][] = [
      ['Colyseus /readyz', proxy('colyseus', 2567, '/readyz'), /.*/],
      ...(this.judge0 ? [['Judge0 GET /', proxy('judge0-server', 2358, '/'), /.*/] as [string, string[], RegExp]] : []),
      ['Redis ping', ['exec', '-n', NAMESPACE, 'statefulset/redis', '--', 'sh', '-c', 'redis-cli ping'], /PONG/],
      ['MongoDB ping', ['exec', '-n', NAMESPACE, 'statefulset/mongodb', '--', 'mongosh', '--quiet', '--norc', '--eval', 'db.adminCommand({ ping: 1 }).ok'], /1/],
    ];
    const attempts = Number(this.env.DEPLOY_HEALTH_ATTEMPTS || 10);
    const interval = Number(this.env.DEPLOY_HEALTH_INTERVAL_SECONDS ?? 3);
    const failed: string[] = [];
    for (const [name, args, expected] of checks) {
      let ok = false;
      for (let i = 0; i < attempts && !ok; i++) {
        if (i > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, interval * 1000);
        const r = this.kubectl(args, { check: false, quiet: i > 0 });
        ok = r.status === 0 && expected.test(r.stdout);
      }
      this.log(`${name}: ${ok ? 'ok' : 'FAILED'}`);
      if (!ok) failed.push(name);
    }
    if (failed.length) {
      this.rollBack(changed);
      throw new DeployError(`health checks failed (${failed.join(', ')}); this run's changes were rolled back`);
    }
  }

  private writeSummary(outcome: string): void {
    const table = summaryTable([...this.rows.values()]);
    this.log(`\n${table}`);
    const file = this.env.GITHUB_STEP_SUMMARY;
    if (file) {
      fs.appendFileSync(file, this.redact([`## Deploy ${outcome}`, '', table, '', ...this.summary, ''].join('\n')));
    }
  }
}

/**
 * The workflow passes all repository variables as one JSON object (GITHUB_VARS_JSON), so a new
 * knob needs no workflow change; the K8S_* ones join the environment (and its typo guard).
 */
export function withRepositoryVariables(env: Env): Env {
  const vars = JSON.parse(env.GITHUB_VARS_JSON || '{}') as Record<string, string>;
  const knobs = Object.fromEntries(Object.entries(vars).filter(([k]) => k.startsWith('K8S_')));
  return { ...knobs, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) };
}

if (require.main === module) {
  process.exitCode = new Deploy(path.resolve(__dirname, '..'), withRepositoryVariables(process.env)).main();
}
