// What every step receives: validated options, a command runner (real processes in production,
// the stand-in cluster in tests), a clock, and a log that redacts secret values.
import { spawn } from 'child_process';
import { DeployOptions, Env } from './options';

export interface CommandResult { readonly status: number; readonly stdout: string; readonly stderr: string }
export interface RunOptions {
  /** Written to stdin (secret values travel only this way). */
  readonly input?: string;
  /** Extra environment for this command. */
  readonly env?: Readonly<Record<string, string>>;
  /** Print each output line as it arrives (builds, installs). */
  readonly stream?: boolean;
}
export type Runner = (command: string, args: readonly string[], options?: RunOptions) => Promise<CommandResult>;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
};

export interface Context {
  readonly root: string;
  readonly env: Env;
  readonly opts: DeployOptions;
  readonly run: Runner;
  readonly clock: Clock;
  /** Prints one redacted line (or several). */
  readonly log: (text: string) => void;
  readonly redact: (text: string) => string;
}

/** A failure already phrased for the user; the deploy prints it and exits 1. */
export class DeployError extends Error {}

/** Runs real processes in `cwd`, with `env` as the environment. */
export function processRunner(cwd: string, env: Env, log: (text: string) => void): Runner {
  return (command, args, options = {}) => new Promise(resolve => {
    const child = spawn(command, [...args], { cwd, env: { ...env, ...options.env } as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const streamed = (chunk: Buffer, into: 'out' | 'err') => {
      const text = chunk.toString('utf8');
      if (into === 'out') stdout += text; else stderr += text;
      if (options.stream) for (const line of text.split('\n').filter(Boolean)) log(`  ${line}`);
    };
    child.stdout.on('data', c => streamed(c, 'out'));
    child.stderr.on('data', c => streamed(c, 'err'));
    child.on('error', e => resolve({ status: 127, stdout, stderr: `${command}: ${e.message}` }));
    child.on('close', code => resolve({ status: code ?? 1, stdout, stderr }));
    // A command that reads no stdin may exit before it is written: not an error.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `command`; a non-zero exit throws one line with the command and its last output. */
export async function must(ctx: Context, command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const r = await ctx.run(command, args, options);
  if (r.status !== 0) {
    const detail = ctx.redact(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
    throw new DeployError(`${command} ${args.filter(a => !a.startsWith('--kubeconfig')).slice(0, 2).join(' ')} failed (exit ${r.status}): ${detail}`);
  }
  return r;
}

/**
 * kubectl, always with an explicit kubeconfig: k3s's kubectl falls back to its root-only
 * /etc/rancher/k3s/k3s.yaml and ignores ~/.kube/config unless told (k3s-io/k3s#1541).
 */
export function kubectlArgs(ctx: Context, args: readonly string[]): string[] {
  return [`--kubeconfig=${ctx.opts.kubeconfig}`, ...args];
}

export function kubectl(ctx: Context, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return ctx.run('kubectl', kubectlArgs(ctx, args), options);
}

export function mustKubectl(ctx: Context, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return must(ctx, 'kubectl', kubectlArgs(ctx, args), options);
}

/** kubectl's stderr says the object is absent (and not, say, `kubectl: command not found`). */
export function isNotFound(stderr: string): boolean {
  return /^Error from server \(NotFound\):/m.test(stderr);
}

/**
 * `kubectl get ... -o json`, parsed; undefined only when the object is absent. kubectl exits 1
 * both when the object is absent (`Error from server (NotFound): <kind> "<name>" not found`,
 * kubernetes.io/docs/reference/kubectl/generated/kubectl_get) and when the API server cannot be
 * reached (`The connection to the server ... was refused`, kubernetes/kubernetes#23726): only the first means "absent", so
 * every other failure stops the deploy rather than being mistaken for a missing object.
 */
export async function getJson(ctx: Context, args: readonly string[]): Promise<any | undefined> {
  const r = await kubectl(ctx, ['get', ...args, '-o', 'json']);
  if (r.status === 0) return JSON.parse(r.stdout);
  if (isNotFound(r.stderr)) return undefined;
  const detail = ctx.redact(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
  throw new DeployError(`kubectl get ${args.slice(0, 2).join(' ')} failed (exit ${r.status}), cannot tell whether it exists: ${detail}`);
}

/** Objects as JSON on kubectl's stdin (a List: one invocation for all). */
export function asInput(objects: readonly unknown[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
}
