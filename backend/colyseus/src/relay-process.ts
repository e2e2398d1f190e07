// Relayed connections are carried by a second Node process beside the game server, not by the
// game server's own event loop. A relayed message crosses the relaying process twice (in and
// out); in the game server it waited there behind that process's rooms and its garbage
// collections (scavenges of 1-9 ms every second or two under load, `node --trace-gc`), so its
// p99 paid for two processes' pauses instead of one. The relay process does nothing else, and
// allocates little (`npm run bench:game`: README, Benchmark).
//
// The game server answers the upgrade request (it knows which rooms are foreign), then hands the
// client's socket to the relay process over the IPC channel (`subprocess.send(message, socket)`,
// Node's documented way to pass a connection to a child, as `cluster` does). A client sends
// nothing after its upgrade request until the owner's 101 comes back, so no byte is in flight
// during the handover. While no relay process is up (starting, or restarting after a crash) the
// game server relays in its own event loop: slower, never refused.
import { ChildProcess, fork } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import type { Duplex } from 'stream';
import { Relay, WebSocketRelay } from './websocket-forwarder';

/** What the game server logs when a relay process is up (the pid in group 1): tests and the image smoke test look for it. */
export const RELAY_UP = /Relay process (\d+) carries connections/;

/** Game server to relay process. */
export type ToRelay =
  | { readonly type: 'relay'; readonly id: number; readonly request: string; readonly head: string; readonly address: string }
  | { readonly type: 'destroyAll' };

/** Relay process to game server. */
export type FromRelay = { readonly type: 'ready' } | { readonly type: 'closed'; readonly id: number };

export interface RelayProcessProps {
  /** The relay process's entry point. @default relay-child.js beside this file */
  readonly entry?: string;
  /** Wait before starting a relay process again after one died. @default 1000 */
  readonly restartMs?: number;
}

/** A `Relay` whose connections live in a child process; the game server only hands them over. */
export class RelayProcess implements Relay {
  /** Carries connections while no relay process is up. */
  private readonly local = new WebSocketRelay();
  /** Connections handed to the relay process and not yet closed there. */
  private readonly handedOver = new Set<number>();
  private idle: (() => void)[] = [];
  private child?: ChildProcess;
  private nextId = 1;
  private stopped = false;
  private readonly entry: string;
  private readonly restartMs: number;

  constructor(private readonly log: (line: string) => void, props: RelayProcessProps = {}) {
    this.entry = props.entry ?? path.join(__dirname, 'relay-child.js');
    this.restartMs = props.restartMs ?? 1000;
  }

  /** Starts the relay process; resolves once it takes connections (or failed: then `local` carries them). */
  start(): Promise<void> {
    return new Promise(resolve => {
      // no environment: the relay process needs none of the game server's secrets
      const child = fork(this.entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json', env: {} });
      // the relay process must never keep the game server alive; it exits when the channel closes
      child.unref();
      child.channel?.unref();
      child.on('error', error => this.log(`relay process: ${error.message}`));
      child.on('message', (message: FromRelay) => {
        if (message.type === 'ready') {
          this.child = child;
          this.log(`Relay process ${child.pid} carries connections to other replicas' rooms.`);
          resolve();
        } else if (message.type === 'closed') {
          this.handedOver.delete(message.id);
          this.notifyIfIdle();
        }
      });
      child.once('exit', (code, signal) => {
        resolve();
        if (this.child === child) this.child = undefined;
        const lost = this.handedOver.size;
        this.handedOver.clear();
        this.notifyIfIdle();
        if (this.stopped) return;
        this.log(`relay process exited (${signal ?? `code ${code}`}), ${lost} relayed connection(s) lost; relaying in the game server until it is back`);
        setTimeout(() => { if (!this.stopped) void this.start(); }, this.restartMs).unref();
      });
    });
  }

  /** No more restarts: the game server is about to exit (the relay process follows it). */
  stop(): void {
    this.stopped = true;
  }

  /** The relay process's pid while one is up. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get size(): number {
    return this.handedOver.size + this.local.size;
  }

  forward(request: string, socket: Duplex, head: Buffer, address: string): void {
    if (socket.destroyed) return; // the client left while the owner was looked up
    const child = this.child;
    if (!child?.connected || !(socket instanceof net.Socket)) {
      this.local.forward(request, socket, head, address);
      return;
    }
    const id = this.nextId++;
    this.handedOver.add(id);
    const message: ToRelay = { type: 'relay', id, request, head: head.toString('base64'), address };
    child.send(message, socket, error => {
      if (!error) return;
      // the channel broke under the handover (the relay process is dying): this one is lost with it
      this.handedOver.delete(id);
      socket.destroy();
      this.notifyIfIdle();
    });
  }

  drained(): Promise<void> {
    const handedOver = this.handedOver.size === 0 ? Promise.resolve() : new Promise<void>(resolve => this.idle.push(resolve));
    // a connection may arrive on one side while the other drains: wait until both are empty at once
    return Promise.all([handedOver, this.local.drained()]).then(() => (this.size === 0 ? undefined : this.drained()));
  }

  destroyAll(): void {
    this.local.destroyAll();
    if (this.child?.connected) this.child.send({ type: 'destroyAll' } satisfies ToRelay);
  }

  private notifyIfIdle(): void {
    if (this.handedOver.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}
