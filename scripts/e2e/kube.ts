// The cluster as the scenarios see it: kubectl (KUBECONFIG honoured), the release snapshot,
// pods, readiness, the LoadBalancer's address, and reads from MongoDB and Redis inside their pods.
import { spawn } from 'child_process';
import { APP_SECRETS } from '../../lib/app-secrets';
import { ColyseusGameServer } from '../../lib/colyseus-game-server';
import { NAMESPACE } from '../../lib/labels';
import { MongoDbStore } from '../../lib/mongodb-store';
import { type MongoDbTlsMode, isMongoDbTlsMode, mongoshTlsOptions } from '../../lib/mongodb-tls';
import { APP_DATABASE, ROOT_PASSWORD_FILE, ROOT_USERNAME_FILE } from '../../lib/mongodb-users';
import { RedisStore } from '../../lib/redis-store';
import { unreadyWorkloads } from './diagnostics';
import { waitUntil } from './duel';
import { PodState, ReleaseSnapshot, podStatesOf, snapshotOf } from './release';
import { podsOf } from './workloads';

export interface Cmd { readonly status: number; readonly stdout: string; readonly stderr: string }

/** Runs a command without a shell; `input` goes to its stdin. Never throws. */
export function exec(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; onOutput?: (chunk: string) => void } = {}): Promise<Cmd> {
  return new Promise(resolve => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.stdout.on('data', d => { stdout += d; options.onOutput?.(String(d)); });
    child.stderr.on('data', d => { stderr += d; options.onOutput?.(String(d)); });
    child.on('error', error => { stderr += error.message; });
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ status: code ?? 1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Match id format of Colyseus rooms (nanoid); anything else is refused before it reaches a shell. */
const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The command run inside the MongoDB container to print match `roomId` as one line of
 * Extended JSON (or `null`). The script logs in as root with the login mounted in the container
 * (lib/mongodb-users.ts ROOT_*_FILE), so no credential is in any argv; `tlsArgs` are split into words.
 */
export function mongoshFindMatch(roomId: string, tlsArgs: string): string[] {
  if (!ROOM_ID.test(roomId)) throw new Error(`room id ${JSON.stringify(roomId)} is not a Colyseus room id`);
  const login = `const fs = require('fs'); db.getSiblingDB('admin').auth(fs.readFileSync('${ROOT_USERNAME_FILE}', 'utf8'), fs.readFileSync('${ROOT_PASSWORD_FILE}', 'utf8'));`;
  const script = `${login} const m = db.getSiblingDB('${APP_DATABASE}').matches.findOne({ roomId: '${roomId}' }); print(m ? EJSON.stringify(m) : 'null')`;
  const shell = 'mongosh --quiet --norc $1 --eval "$0"';
  return ['sh', '-c', shell, script, tlsArgs];
}

/**
 * mongosh's options inside the MongoDB pod: E2E_MONGOSH_TLS_ARGS if set; else as MongoDB's own
 * probes connect for K8S_MONGODB_TLS (lib/mongodb-tls.ts; unset: `require`), to 127.0.0.1.
 */
export function mongoshTlsArgsOf(env: NodeJS.ProcessEnv): string {
  if (env.E2E_MONGOSH_TLS_ARGS !== undefined) return env.E2E_MONGOSH_TLS_ARGS;
  const value = env.K8S_MONGODB_TLS?.trim();
  const mode: MongoDbTlsMode = value && isMongoDbTlsMode(value) ? value : 'require';
  return [...mongoshTlsOptions(mode), '--host', '127.0.0.1'].join(' ');
}

/** The command run inside the Redis container: redis-cli authenticated with the pod's own password. */
export function redisCli(args: readonly string[]): string[] {
  return ['sh', '-c', 'REDISCLI_AUTH="${REDISCLI_AUTH:-$REDIS_PASSWORD}" exec redis-cli --no-auth-warning "$@"', 'redis-cli', ...args];
}

export class Kube {
  /**
   * @param mongoshTlsArgs options mongosh needs inside the MongoDB pod to reach a TLS-only
   * server, e.g. `--tls --tlsCAFile /etc/mongodb-tls/ca.crt --host 127.0.0.1` (E2E_MONGOSH_TLS_ARGS;
   * default: what the probes use for K8S_MONGODB_TLS, lib/mongodb-tls.ts)
   */
  constructor(private readonly log: (line: string) => void, private readonly mongoshTlsArgs = '') {
    if (!/^[-\w./=: ]*$/.test(mongoshTlsArgs)) throw new Error(`E2E_MONGOSH_TLS_ARGS=${JSON.stringify(mongoshTlsArgs)} is invalid; accepted: mongosh options such as --tls --tlsCAFile /path/ca.crt`);
  }

  async kubectl(args: readonly string[], options: { input?: string; check?: boolean; timeoutMs?: number } = {}): Promise<Cmd> {
    const r = await exec('kubectl', args, { input: options.input, timeoutMs: options.timeoutMs ?? 120_000 });
    if (options.check !== false && r.status !== 0) {
      throw new Error(`kubectl ${args.slice(0, 3).join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    }
    return r;
  }

  async json(args: readonly string[]): Promise<any> {
    return JSON.parse((await this.kubectl([...args, '-o', 'json'])).stdout);
  }

  async workloads(): Promise<any[]> {
    return (await this.json(['get', 'deployments,statefulsets', '-n', NAMESPACE])).items;
  }

  async pods(selector?: string): Promise<PodState[]> {
    return podStatesOf((await this.json(['get', 'pods', '-n', NAMESPACE, ...(selector ? ['-l', selector] : [])])).items);
  }

  async snapshot(): Promise<ReleaseSnapshot> {
    const secret = await this.kubectl(['get', 'secret', APP_SECRETS, '-n', NAMESPACE, '-o', 'json'], { check: false });
    return snapshotOf(await this.workloads(), secret.status === 0 ? JSON.parse(secret.stdout) : undefined);
  }

  /**
   * Every Deployment and StatefulSet ready with all replicas updated, and no pod terminating.
   * Tolerates an unreachable API server (k3s restarting) until the deadline.
   */
  async waitReady(timeoutMs: number, what = 'every workload to be ready'): Promise<void> {
    let last = '';
    await waitUntil(async () => {
      try {
        const unready = unreadyWorkloads(await this.workloads());
        const terminating = (await this.pods()).filter(p => p.terminating).map(p => p.name);
        const now = [...unready, ...terminating.map(p => `pod/${p} terminating`)].join(', ');
        if (now !== last) this.log(now ? `  waiting for: ${now}` : '  all ready');
        last = now;
        return !now;
      } catch (error) {
        if (last !== 'api') this.log(`  API server not answering yet: ${(error as Error).message.split('\n')[0]}`);
        last = 'api';
        return false;
      }
    }, timeoutMs, `${what} (still waiting for: ${last || 'nothing'})`);
  }

  /** http://<address>:<port> of LoadBalancer Service `name`, once ServiceLB has given it an address. */
  async loadBalancerUrl(name: string, port: number, timeoutMs = 120_000): Promise<string> {
    const ingress = await waitUntil(async () => {
      const svc = await this.json(['get', 'service', name, '-n', NAMESPACE]);
      return svc.status?.loadBalancer?.ingress?.[0];
    }, timeoutMs, `Service ${name} to get a LoadBalancer address`);
    return `http://${ingress.ip ?? ingress.hostname}:${port}`;
  }

  /**
   * The document MongoDB holds for match `roomId` (collection `matches` of the database in the
   * game server's MONGODB_URI), read with mongosh inside the MongoDB pod as its root user.
   */
  async findMatch(roomId: string): Promise<any | undefined> {
    const r = await this.kubectl(['exec', '-n', NAMESPACE, `statefulset/${MongoDbStore.NAME}`, '-c', MongoDbStore.NAME, '--', ...mongoshFindMatch(roomId, this.mongoshTlsArgs)], { check: false });
    if (r.status !== 0) throw new Error(`reading match ${roomId} from MongoDB failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
    const line = r.stdout.trim().split('\n').pop() ?? 'null';
    return line === 'null' ? undefined : JSON.parse(line);
  }

  /** A redis-cli command inside the Redis pod, authenticated with the pod's own password. */
  async redis(args: readonly string[]): Promise<string> {
    const r = await this.kubectl(['exec', '-n', NAMESPACE, `statefulset/${RedisStore.NAME}`, '-c', RedisStore.NAME, '--', ...redisCli(args)], { check: false });
    if (r.status !== 0) throw new Error(`redis-cli ${args[0]} failed: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout.trim();
  }

  /** Colyseus process id of each game server pod, from the line it logs once it listens. */
  async colyseusProcesses(): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const pod of await this.pods(podsOf(ColyseusGameServer.NAME))) {
      const logs = await this.kubectl(['logs', '-n', NAMESPACE, `pod/${pod.name}`, '-c', ColyseusGameServer.NAME], { check: false });
      const id = /Colyseus process (\S+) listening/.exec(logs.stdout)?.[1];
      if (id) ids.set(id, pod.name);
    }
    return ids;
  }
}
