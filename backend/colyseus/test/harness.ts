// Real processes for the integration tests: a Redis server (Debian's redis-server) and game
// server processes (dist/index.js, as `npm start` runs it).
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import type * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { SignJWT } from 'jose';
import { BOT_AUDIENCE, PLAYER_AUDIENCE } from '../src/auth';

export const PLAYER_SECRET = 'test-player-secret-0123456789';
export const BOT_SECRET = 'test-bot-secret-0123456789';
export const JUDGE0_TOKEN = 'test-judge0-token';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/** Listens on 127.0.0.1 at a free port and returns it; `closers` gets what closes the server and its connections. */
export async function listenLocal(server: net.Server, closers: (() => void)[]): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => { server.close(); (server as http.Server).closeAllConnections?.(); });
  return (server.address() as net.AddressInfo).port;
}

export interface Proc {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function run(command: string, args: string[], env: Record<string, string>, port: number): Proc {
  const child = spawn(command, args, { env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => { output += d; waiters.forEach(w => w()); };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
  return {
    child, port, exited,
    output: () => output,
    waitFor(text, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => { if (typeof text === 'string' ? output.includes(text) : text.test(output)) { resolve(); return true; } return false; };
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${text} in:\n${output}`)), timeoutMs);
        waiters.push(() => { if (check()) clearTimeout(timer); });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export async function startRedis(): Promise<Proc & { url: string }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-'));
  const proc = run('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {}, port);
  await proc.waitFor('Ready to accept connections');
  return Object.assign(proc, { url: `redis://127.0.0.1:${port}/0` });
}

const NODE = process.execPath;

export async function startColyseus(env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const proc = run(NODE, [path.join(__dirname, '../dist/index.js')], {
    PORT: String(port),
    POD_IP: '127.0.0.1',
    COLYSEUS_RESERVATION_SECRET: PLAYER_SECRET,
    BOT_SERVICE_SECRET: BOT_SECRET,
    JUDGE0_AUTH_TOKEN: JUDGE0_TOKEN,
    ...env,
  }, port);
  await proc.waitFor('listening on');
  return proc;
}

/** A token as the web backend (players) or the bot service (BOT_SECRET) issues it. */
export function sign(sub: string, secret = PLAYER_SECRET, expires: string | number = '1h',
  audience = secret === BOT_SECRET ? BOT_AUDIENCE : PLAYER_AUDIENCE): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(expires)
    .setAudience(audience).sign(new TextEncoder().encode(secret));
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * A Redis run as the cluster runs it (append-only file, fsync every second) that can be killed
 * and started again on the same port, with its data directory kept (a pod restart) or emptied
 * (its volume lost).
 */
export class DurableRedis {
  proc?: Proc;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-aof-'));
  private constructor(readonly port: number) {}

  static async start(): Promise<DurableRedis> {
    const redis = new DurableRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    this.proc = run('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', this.dir,
    ], {}, this.port);
    // printed once the append-only file is loaded
    await this.proc.waitFor('Ready to accept connections', 30_000);
  }

  /** SIGKILL, as a node failure or an OOM kill. */
  async kill(): Promise<void> {
    await this.proc?.stop();
  }

  /** Starts it again on the same port; `empty`: with its data directory emptied first. */
  async restart(empty: boolean): Promise<void> {
    if (empty) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      fs.mkdirSync(this.dir);
    }
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
