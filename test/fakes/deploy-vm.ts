// A VM for the deploy's scenario tests: a copy of the repository (real git, real cdk8s synth
// with the policy), and test/fakes/k3s-host.ts for k3s, kubectl, Docker, GHCR and sudo, driven
// in-process with modelled time (no sleeps).
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SECRET_KEYS } from '../../lib/app-secrets';
import { Manifest } from '../../lib/manifest';
import { main } from '../../scripts/deploy';
import { Context, processRunner, Runner } from '../../scripts/deploy/context';
import { loadDeployOptions } from '../../scripts/deploy/options';
import { RELEASE_SET, RELEASE_SET_LABEL } from '../../scripts/deploy/manifests';
import { Release, RELEASES_CONFIGMAP, decodeReleases } from '../../scripts/deploy/release';
import { Behaviour, FakeHost } from './k3s-host';

export const ROOT = path.resolve(__dirname, '../..');
export const SECRETS: Record<string, string> = {
  ...Object.fromEntries(SECRET_KEYS.map((k, i) => [k, `value-of-${k.toLowerCase()}-${i}x`])),
  // The frontend's login: a URI the deploy creates a readWrite-on-codeclashers user from.
  MONGODB_URI: 'mongodb://frontend:value-of-frontend-password-1x@203.0.113.7:32017/codeclashers?authSource=codeclashers&tls=true',
};
/** A classic token with read:packages, the cluster's pull credential in most scenarios. */
export const PULL_TOKEN = 'ghp_pull0token0with0read0packages';
const FAKED = ['kubectl', 'docker', 'sudo', 'uname', 'id'];

/** Real synth output, reused across runs with the same inputs (a synth costs seconds). */
const synthCache = new Map<string, Record<string, string>>();

export interface Run { status: number; output: string; summary: string; calls: string[][] }

export class Vm {
  readonly repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-repo-'));
  readonly hostRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-host-'));
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-home-'));
  readonly host: FakeHost;

  constructor(behaviour: Partial<Behaviour> = {}) {
    for (const entry of ['main.ts', 'lib', 'imports', 'policy', 'scripts', 'cdk8s.yaml', 'package.json', 'package-lock.json', 'tsconfig.json']) {
      fs.cpSync(path.join(ROOT, entry), path.join(this.repo, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(this.repo, 'node_modules'));
    for (const svc of ['colyseus', 'bots']) {
      for (const f of ['Dockerfile', 'package.json', 'src']) {
        fs.cpSync(path.join(ROOT, 'backend', svc, f), path.join(this.repo, 'backend', svc, f), { recursive: true });
      }
    }
    fs.writeFileSync(path.join(this.repo, '.gitignore'), 'node_modules\n.cdk8s.out\n');
    this.git('init', '-q');
    this.commit('initial');
    this.host = FakeHost.create(this.hostRoot, { tokens: { [PULL_TOKEN]: ['read:packages'] }, ...behaviour });
  }

  git(...args: string[]): string {
    const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: this.repo, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout;
  }

  commit(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-qm', message, '--allow-empty');
  }

  /** Changes a file of the repository copy and commits it. */
  edit(file: string, change: (text: string) => string): void {
    const full = path.join(this.repo, file);
    fs.writeFileSync(full, change(fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : ''));
    this.commit(`edit ${file}`);
  }

  private runner(env: Record<string, string>, log: (line: string) => void, abortWhen?: (command: string, args: readonly string[]) => boolean): Runner {
    const real = processRunner(this.repo, env, log);
    return async (command, args, options = {}) => {
      // A cancelled job: the runner kills the process between two commands.
      if (abortWhen?.(command, args)) throw new Error('cancelled: the runner stopped this job');
      if (FAKED.includes(command) || (command === 'node' && args.includes('scripts/images/smoke.ts'))) {
        return this.host.handle({ command, args, input: options.input, env: { ...env, ...options.env }, cwd: this.repo });
      }
      if (args.includes('synth')) return this.synth(real, command, args, { ...env, ...options.env }, options);
      return real(command, args, options);
    };
  }

  private async synth(real: Runner, command: string, args: readonly string[], env: Record<string, string>, options: any) {
    const lib = createHash('sha256');
    for (const f of fs.readdirSync(path.join(this.repo, 'lib')).sort()) lib.update(fs.readFileSync(path.join(this.repo, 'lib', f)));
    const key = JSON.stringify([lib.digest('hex'), Object.entries(env).filter(([k]) => k.startsWith('K8S_') || k.endsWith('_IMAGE')).sort()]);
    const dist = path.join(this.repo, 'dist');
    if (!synthCache.has(key)) {
      const r = await real(command, args, options);
      if (r.status !== 0) return r;
      synthCache.set(key, Object.fromEntries(fs.readdirSync(dist).map(f => [f, fs.readFileSync(path.join(dist, f), 'utf8')])));
    }
    fs.rmSync(dist, { recursive: true, force: true });
    fs.mkdirSync(dist);
    for (const [f, text] of Object.entries(synthCache.get(key)!)) fs.writeFileSync(path.join(dist, f), text);
    return { status: 0, stdout: '', stderr: '' };
  }

  env(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('K8S_') && !k.startsWith('GITHUB_') && k !== 'KUBECONFIG'));
    const env = {
      ...base, ...SECRETS,
      HOME: this.home, DEPLOY_HOST_ROOT: this.hostRoot, K3S_NODE_NAME: 'vm',
      GITHUB_REPOSITORY_OWNER: 'Acme', GITHUB_STEP_SUMMARY: path.join(this.home, 'summary.md'),
      GHCR_PULL_TOKEN: PULL_TOKEN, DEPLOY_POLL_SECONDS: '5', DEPLOY_HEALTH_ATTEMPTS: '3', DEPLOY_HEALTH_INTERVAL_SECONDS: '5',
      ...extra,
    };
    return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  }

  /** A step context on this VM (for step-level scenarios). */
  context(extra: Record<string, string | undefined> = {}): Context {
    const env = this.env(extra);
    const log = () => undefined;
    return {
      root: this.repo, env, opts: loadDeployOptions(env), run: this.runner(env, log), log, redact: t => t,
      clock: { now: () => this.host.now(), sleep: async (ms: number) => this.host.advance(ms) },
    };
  }

  async deploy(extra: Record<string, string | undefined> = {}, argv: string[] = [], abortWhen?: (command: string, args: readonly string[]) => boolean): Promise<Run> {
    const env = this.env(extra);
    const summaryFile = env.GITHUB_STEP_SUMMARY;
    fs.rmSync(summaryFile, { force: true });
    const lines: string[] = [];
    const calls = this.host.state.calls.length;
    const clock = { now: () => this.host.now(), sleep: async (ms: number) => this.host.advance(ms) };
    let status: number;
    try {
      status = await main(this.repo, env, argv, { run: this.runner(env, l => lines.push(l), abortWhen), clock, out: l => lines.push(l) });
    } catch (error) {
      if (!abortWhen) throw error;
      lines.push(String(error));
      status = -1;
    }
    return {
      status, output: lines.join('\n'), calls: this.host.state.calls.slice(calls),
      summary: fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : '',
    };
  }

  /** The images a deploy of the current checkout would use (from --plan). */
  async plannedImages(): Promise<Record<string, string>> {
    const run = await this.deploy({}, ['--plan']);
    const found = run.output.match(/ghcr\.io\/acme\/codeclashers-[a-z]+:[0-9a-f]{20}/g) ?? [];
    return Object.fromEntries(found.map(i => [i.split('codeclashers-')[1].split(':')[0], i]));
  }

  releases(): Release[] {
    return decodeReleases(this.host.live('ConfigMap', RELEASES_CONFIGMAP));
  }

  secretValues(): Record<string, string> {
    const data = this.host.live('Secret', 'app-secrets')?.data ?? {};
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v as string, 'base64').toString()]));
  }

  /** Labelled objects in the cluster, `Kind/name`. */
  labelled(): string[] {
    return Object.values(this.host.state.objects).map(e => e.object)
      .filter(o => o.metadata.labels?.[RELEASE_SET_LABEL] === RELEASE_SET).map(o => `${o.kind}/${o.metadata.name}`).sort();
  }

  /**
   * Differences between the modelled cluster and `release` (empty: equal): every object's
   * fields, every workload's pods all on the release's template, ready, as many as its
   * replicas, nothing labelled beyond the release, and the Secret's values.
   */
  differencesFrom(release: Release, secrets: Record<string, string> = SECRETS): string[] {
    const problems: string[] = [];
    const fields = (o: any) => JSON.stringify({ labels: o.metadata.labels, annotations: o.metadata.annotations ?? {}, spec: o.spec, data: o.data });
    for (const m of release.manifests as Manifest[]) {
      const live = this.host.live(m.kind, m.metadata.name, m.metadata.namespace ?? '');
      if (!live) { problems.push(`${m.kind}/${m.metadata.name} missing`); continue; }
      if (fields(live) !== fields(m)) problems.push(`${m.kind}/${m.metadata.name} differs`);
      if (m.kind === 'Deployment' || m.kind === 'StatefulSet') {
        const hash = this.host.templateHashOf(m);
        const pods = this.host.podsOf(m.kind, m.metadata.name);
        const onRelease = pods.filter(p => p.ready && (m.kind === 'Deployment' ? p.hash === hash : p.labels['controller-revision-hash'] === `${m.metadata.name}-${hash}`));
        if (onRelease.length !== (m.spec.replicas ?? 1) || pods.length !== onRelease.length) {
          problems.push(`${m.kind}/${m.metadata.name}: ${onRelease.length} ready pods on the release's template of ${pods.length}, want ${m.spec.replicas ?? 1}`);
        }
      }
    }
    const wanted = new Set((release.manifests as Manifest[]).map(m => `${m.kind}/${m.metadata.name}`));
    for (const extra of this.labelled().filter(id => !wanted.has(id))) problems.push(`${extra} is not in the release`);
    const values = this.secretValues();
    for (const k of SECRET_KEYS) if (values[k] !== (secrets[k] ?? '')) problems.push(`Secret key ${k} differs`);
    return problems;
  }

  cleanUp(): void {
    for (const dir of [this.repo, this.hostRoot, this.home]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const kubectlCalls = (run: Run) => run.calls.filter(c => c[0] === 'kubectl');
export const writes = (run: Run) => kubectlCalls(run).filter(c => (c.includes('apply') && !c.includes('--dry-run=server')) || c.includes('delete'));
