// Smoke test of a service image, run the way the synthesized manifests run it, next to a real
// Redis:  node -r tsx/cjs scripts/images/smoke.ts --service <colyseus|bots> --image <ref>
// Exit 0 when /healthz and /readyz answer 200, SIGTERM ends it with exit 0 within its grace
// period, and without a required variable it exits 1 naming it; else non-zero with one line on
// stderr naming what failed. Needs a Docker engine (scripts/images/engine.sh) and redis-server.
import { ChildProcess, execFile, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Manifest } from '../../lib/manifest';
import { REDIS_PORT } from '../../lib/redis-store';
import { RELAY_UP } from '../../backend/colyseus/src/relay-process';
import { servicesOf } from '../deploy/preflight';
import { HttpProbe, LocalRun, localRunOf } from './run-args';

/** The services this repository builds images of: the root package.json's workspaces, as the deploy builds them. */
export const SERVICES: readonly string[] = servicesOf(path.join(__dirname, '../..'));

/** A variable each service refuses to start without (its settings.ts). */
export const REQUIRED_VARIABLE: Readonly<Record<string, string>> = {
  colyseus: 'COLYSEUS_RESERVATION_SECRET',
  bots: 'BOT_SERVICE_SECRET',
};

/**
 * A line a service logs only when it runs as designed inside its image: Colyseus forks its relay
 * process from dist/ (backend/colyseus/src/relay-process.ts), and would otherwise relay in the
 * game server without failing.
 */
const RUNNING_LINE: Readonly<Record<string, RegExp>> = {
  colyseus: RELAY_UP,
};

const APPS_MANIFEST = path.join(__dirname, '../../dist/3-apps.k8s.yaml');

/** What failed, in one line. */
export class SmokeFailure extends Error {}

export interface SmokeOptions {
  /** One of SERVICES. */
  readonly service: string;
  readonly image: string;
  /** @default dist/3-apps.k8s.yaml */
  readonly manifests?: string;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
}

export async function smokeTest(options: SmokeOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const missing = REQUIRED_VARIABLE[options.service];
  if (!missing) throw new SmokeFailure(`${options.service}: no variable it must refuse to start without is known (REQUIRED_VARIABLE of scripts/images/smoke.ts)`);
  const deployment = deploymentOf(options.manifests ?? APPS_MANIFEST, options.service);
  await docker(['info', '--format', '{{.ServerVersion}}']).catch(error => { throw new SmokeFailure(`no Docker engine: ${firstLine(error.stderr || error.message)}`); });
  await docker(['image', 'inspect', options.image]).catch(() => { throw new SmokeFailure(`image ${options.image} is not in the local engine`); });

  const secrets = new Map<string, string>();
  const secretValue = (secret: string, key: string) => {
    const id = `${secret}/${key}`;
    if (!secrets.has(id)) secrets.set(id, randomBytes(18).toString('hex'));
    return secrets.get(id)!;
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `smoke-${options.service}-`));
  const containers: string[] = [];
  let redis: ChildProcess | undefined;
  try {
    const redisPort = await freePort();
    const listenPort = await freePort();
    const secretDir = path.join(work, 'secrets');
    const run = (omit: string[] = []) => localRunOf(deployment, {
      image: options.image, secretValue, listenPort, omit, secretDir,
      endpoints: { [`redis:${REDIS_PORT}`]: `127.0.0.1:${redisPort}` },
    });
    const normal = run();
    // Secret volumes' test files, readable as the kubelet mounts them (directories 0755, files 0444).
    for (const [file, content] of Object.entries(normal.files)) {
      fs.mkdirSync(path.dirname(path.join(secretDir, file)), { recursive: true, mode: 0o755 });
      fs.writeFileSync(path.join(secretDir, file), content, { mode: 0o444 });
    }
    // The real Redis, with the password the manifests give the service (REDIS_PASSWORD's key).
    const redisPassword = redisPasswordOf(deployment, secretValue);
    redis = await startRedis(redisPort, redisPassword);
    log(`redis-server on 127.0.0.1:${redisPort}`);

    const name = `smoke-${options.service}-${process.pid}`;
    containers.push(name);
    await start(normal, name, work);
    log(`started ${options.image} as ${name}: docker run ${normal.options.join(' ')}`);
    const health = normal.startupProbe ?? normal.livenessProbe;
    if (!health) throw new SmokeFailure(`${options.service}: the manifest has no startup or liveness probe to check`);
    await until200(name, health, 'startup');
    log(`${health.path} answered 200`);
    if (normal.readinessProbe) {
      await until200(name, normal.readinessProbe, 'readiness');
      log(`${normal.readinessProbe.path} answered 200`);
    }
    const running = RUNNING_LINE[options.service];
    if (running) {
      const logs = await docker(['logs', name]);
      if (!running.test(`${logs.stdout}\n${logs.stderr}`)) throw new SmokeFailure(`${options.service}: ready, but its log never said ${running}: ${await lastLogLine(name)}`);
      log(`its log says ${running}`);
    }
    await healthcheckPasses(name, options.image);
    log('the image\'s HEALTHCHECK (docker compose) passes');
    await docker(['kill', '--signal', 'TERM', name]);
    const code = await exitWithin(name, normal.gracePeriodSeconds);
    if (code === undefined) throw new SmokeFailure(`${options.service}: still running ${normal.gracePeriodSeconds} s (terminationGracePeriodSeconds) after SIGTERM`);
    if (code !== 0) throw new SmokeFailure(`${options.service}: exited with code ${code} after SIGTERM: ${await lastLogLine(name)}`);
    log(`SIGTERM: exit 0`);

    const without = `${name}-without-${missing.toLowerCase()}`;
    containers.push(without);
    await start(run([missing]), without, work);
    const missingCode = await exitWithin(without, 60);
    const stderr = (await docker(['logs', without]).catch(error => ({ stdout: '', stderr: String(error.stderr) }))).stderr.trim();
    if (missingCode === undefined) throw new SmokeFailure(`${options.service}: still running 60 s after starting without ${missing}`);
    if (missingCode !== 1) throw new SmokeFailure(`${options.service}: without ${missing} it exited with code ${missingCode}, expected 1`);
    const lines = stderr.split('\n');
    if (lines.length !== 1 || !lines[0].includes(missing)) {
      throw new SmokeFailure(`${options.service}: without ${missing} stderr should be one line naming it, got ${lines.length}: ${JSON.stringify(lines[0].slice(0, 200))}`);
    }
    log(`without ${missing}: exit 1, "${lines[0]}"`);
  } finally {
    for (const c of containers) await docker(['rm', '--force', c]).catch(() => undefined);
    redis?.kill();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The service's Deployment in the synthesized manifests. */
export function deploymentOf(file: string, service: string): Manifest {
  const objects = parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJSON() as Manifest).filter(Boolean);
  const found = objects.find(o => o.kind === 'Deployment' && o.metadata.name === service);
  if (!found) throw new SmokeFailure(`no Deployment/${service} in ${file}`);
  return found;
}

function redisPasswordOf(deployment: Manifest, secretValue: (secret: string, key: string) => string): string {
  const ref = deployment.spec.template.spec.containers[0].env?.find((v: any) => v.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef;
  if (!ref) throw new SmokeFailure(`${deployment.metadata.name}: no REDIS_PASSWORD from a Secret in the manifest`);
  return secretValue(ref.name, ref.key);
}

async function start(run: LocalRun, name: string, work: string): Promise<void> {
  // The environment goes through a file: test values, but values all the same, off command lines.
  const envFile = path.join(work, `${name}.env`);
  fs.writeFileSync(envFile, Object.entries(run.env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  await docker(['run', '--detach', '--name', name, '--env-file', envFile, ...run.options, run.image, ...run.args])
    .catch(error => { throw new SmokeFailure(`docker run ${name} failed: ${firstLine(error.stderr || error.message)}`); });
}

/** Polls a probe until 200; its budget is the manifest's (period x threshold), doubled: this machine is shared. */
async function until200(name: string, probe: HttpProbe, kind: string): Promise<void> {
  const budgetMs = 2 * probe.periodSeconds * probe.failureThreshold * 1000;
  const deadline = Date.now() + budgetMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const state = (await docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name])).stdout.trim().split(' ');
    if (state[0] === 'exited') {
      throw new SmokeFailure(`${name}: exited with code ${state[1]} before ${probe.path} answered: ${await lastLogLine(name)}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${probe.port}${probe.path}`, { signal: AbortSignal.timeout(probe.timeoutSeconds * 1000) });
      if (response.status === 200) return;
      last = `${response.status} ${(await response.text()).slice(0, 100)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(500);
  }
  throw new SmokeFailure(`${name}: ${probe.path} (${kind} probe) did not answer 200 within ${budgetMs / 1000} s; last: ${last}`);
}

/** The image's HEALTHCHECK command, run once inside the running container (as the engine would). */
async function healthcheckPasses(name: string, image: string): Promise<void> {
  const check = JSON.parse((await docker(['image', 'inspect', '--format', '{{json .Config.Healthcheck}}', image])).stdout);
  const [kind, ...command] = check?.Test ?? [];
  if (kind !== 'CMD' && kind !== 'CMD-SHELL') throw new SmokeFailure(`${image} has no HEALTHCHECK (docker compose waits on it)`);
  await docker(['exec', name, ...(kind === 'CMD' ? command : ['/bin/sh', '-c', command[0]])])
    .catch(error => { throw new SmokeFailure(`${name}: the image's HEALTHCHECK failed (exit ${error.code}): ${firstLine(`${error.stderr}${error.stdout}`) || 'no output'}`); });
}

/** The exit code, or undefined when it still runs after `seconds`. */
async function exitWithin(name: string, seconds: number): Promise<number | undefined> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const [status, code] = (await docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name])).stdout.trim().split(' ');
    if (status === 'exited' || status === 'dead') return Number(code);
    await sleep(250);
  }
  return undefined;
}

async function lastLogLine(name: string): Promise<string> {
  const logs = await docker(['logs', '--tail', '20', name]).catch(() => ({ stdout: '', stderr: '' }));
  const lines = `${logs.stdout}\n${logs.stderr}`.split('\n').map(l => l.trim()).filter(Boolean);
  return lines.find(l => /error/i.test(l)) ?? lines.at(-1) ?? '(no output)';
}

async function startRedis(port: number, password: string): Promise<ChildProcess> {
  // Configuration on stdin (`redis-server -`): the password stays off the command line.
  const redis = spawn('redis-server', ['-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let failed: Error | undefined;
  redis.on('error', error => { failed = error; });
  redis.stdin!.end(`port ${port}\nbind 127.0.0.1\nrequirepass ${password}\nsave ""\nappendonly no\n`);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (failed) throw new SmokeFailure(`redis-server could not start: ${failed.message}`);
    if (redis.exitCode !== null) throw new SmokeFailure(`redis-server exited with code ${redis.exitCode}`);
    if (await connects(port)) return redis;
    await sleep(100);
  }
  redis.kill();
  throw new SmokeFailure(`redis-server did not listen on ${port} within 10 s`);
}

function connects(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function docker(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const firstLine = (text: string) => text.trim().split('\n')[0];

export function parseArgs(argv: readonly string[]): { service: string; image: string; manifests?: string } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const service = value('--service');
  const image = value('--image');
  if (!service || !SERVICES.includes(service)) {
    throw new SmokeFailure(`--service=${JSON.stringify(service ?? '')} is invalid; expected one of ${SERVICES.join(', ')}`);
  }
  if (!image) throw new SmokeFailure('--image is not set; expected an image reference in the local engine, e.g. codeclashers-colyseus:test');
  return { service, image, manifests: value('--manifests') };
}

if (require.main === module) {
  (async () => {
    const args = parseArgs(process.argv.slice(2));
    await smokeTest({ ...args, log: line => console.log(`[smoke ${args.service}] ${line}`) });
    console.log(`[smoke ${args.service}] passed`);
  })().catch(error => {
    const message = error instanceof SmokeFailure ? error.message : `smoke test crashed: ${error.message}`;
    console.error(`smoke: ${firstLine(message)}`);
    process.exit(1);
  });
}
