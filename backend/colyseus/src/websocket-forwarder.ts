// Any replica accepts any client. Colyseus joins in two requests: the HTTP matchmake (answered
// by any process, through Redis) and a WebSocket to /<processId>/<roomId> that must reach the
// process holding the room. Behind one LoadBalancer that WebSocket lands on a random replica;
// when it is not the owner, this relays the raw connection to the owner's pod address.
//
// Nothing a client does here may take the process down: Colyseus turns an uncaught exception
// into a graceful shutdown (FIELD-NOTES, Colyseus), and a socket 'error' event without a
// listener is one. So every socket of the upgrade path gets an error listener before anything
// asynchronous happens, and the relay answers a dead owner with an HTTP status instead of hanging.
import type { IncomingMessage, Server as HttpServer } from 'http';
import * as net from 'net';
import type { Duplex } from 'stream';

/** Marks a forwarded upgrade, so a request is never forwarded twice. */
export const FORWARDED_HEADER = 'x-codeclashers-forwarded';

/** The `/<processId>/<roomId>` a Colyseus client connects to (the last two path segments). */
export function roomTarget(url: string | undefined): { processId: string; roomId: string } | undefined {
  const pathname = new URL(url ?? '/', 'http://x').pathname;
  const match = /\/([a-zA-Z0-9_-]+)\/([a-zA-Z0-9_-]+)$/.exec(pathname);
  return match ? { processId: match[1], roomId: match[2] } : undefined;
}

/** Answers an upgrade that cannot be served with a plain HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed || socket.writableEnded) return;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  // a client that never reads must not hold the socket open
  setTimeout(() => socket.destroy(), 1000).unref();
}

const ignoreError = () => undefined;

/** The head of an upgrade request as the owner must see it: marked as forwarded, with the client's address. */
export function upgradeRequest(req: IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  lines.push(`${FORWARDED_HEADER}: 1`, `x-forwarded-for: ${req.socket.remoteAddress ?? ''}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** What carries relayed connections: `WebSocketRelay` in this process, or `RelayProcess` beside it. */
export interface Relay {
  /** Relays `socket`, whose upgrade `request` (and the bytes after it, `head`) goes to `address`. */
  forward(request: string, socket: Duplex, head: Buffer, address: string): void;
  /** Connections relayed right now. */
  readonly size: number;
  /** Resolves once no relayed connection is left. */
  drained(): Promise<void>;
  /** Cuts whatever is still relayed (the drain's upper bound passed). */
  destroyAll(): void;
}

export interface WebSocketRelayProps {
  /** An owner that has not answered the upgrade by then is treated as gone (502). @default 3000 */
  readonly connectTimeoutMs?: number;
  /**
   * After one side ends, how long the other may still flush (a WebSocket close frame travels
   * as ordinary bytes before the FIN) before both are destroyed. @default 5000
   */
  readonly closeGraceMs?: number;
}

/**
 * Relays upgrades to the process that owns the room, and counts the connections it carries so
 * a draining process can wait for them (`drained`): a relayed player is a player of this
 * process too, and must not be cut when this process is replaced.
 */
export class WebSocketRelay implements Relay {
  private readonly connections = new Set<Duplex>();
  private idle: (() => void)[] = [];
  private readonly connectTimeoutMs: number;
  private readonly closeGraceMs: number;

  constructor(props: WebSocketRelayProps = {}) {
    this.connectTimeoutMs = props.connectTimeoutMs ?? 3000;
    this.closeGraceMs = props.closeGraceMs ?? 5000;
  }

  /** Connections relayed right now. */
  get size(): number {
    return this.connections.size;
  }

  /** Resolves once no relayed connection is left. */
  drained(): Promise<void> {
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise(resolve => this.idle.push(resolve));
  }

  /** Cuts whatever is still relayed (the drain's upper bound passed). */
  destroyAll(): void {
    for (const socket of this.connections) socket.destroy();
  }

  /**
   * Replays `request` (the upgrade request's head, `upgradeRequest`) to `address` (host:port)
   * and splices the two connections.
   */
  forward(request: string, socket: Duplex, head: Buffer, address: string): void {
    socket.on('error', ignoreError);
    if (socket.destroyed) return;
    const separator = address.lastIndexOf(':');
    const upstream = net.connect({ port: Number(address.slice(separator + 1)), host: address.slice(0, separator) });
    upstream.on('error', ignoreError);
    // no Nagle on either leg: a relayed message must not wait for the previous one's ACK
    upstream.setNoDelay(true);
    if (socket instanceof net.Socket) socket.setNoDelay(true);
    this.track(socket);

    let answered = false;
    const giveUp = setTimeout(() => {
      upstream.destroy();
      refuseUpgrade(socket, 502, 'Bad Gateway');
    }, this.connectTimeoutMs);

    upstream.once('connect', () => {
      upstream.write(request);
      if (head.length) upstream.write(head);
      socket.pipe(upstream);
    });
    upstream.once('data', () => {
      answered = true;
      clearTimeout(giveUp);
    });
    upstream.pipe(socket, { end: false });

    let closing: NodeJS.Timeout | undefined;
    const closeBoth = () => {
      if (closing) return;
      closing = setTimeout(() => { socket.destroy(); upstream.destroy(); }, this.closeGraceMs);
      closing.unref();
    };
    // end, not destroy: what the owner wrote last (a close frame) still reaches the client
    const upstreamDone = () => {
      clearTimeout(giveUp);
      if (!answered) refuseUpgrade(socket, 502, 'Bad Gateway');
      else socket.end();
      closeBoth();
    };
    upstream.on('end', upstreamDone);
    upstream.on('close', upstreamDone);
    socket.on('close', () => {
      clearTimeout(giveUp);
      upstream.end();
      closeBoth();
    });
  }

  private track(socket: Duplex): void {
    this.connections.add(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      if (this.connections.size === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }
}

export interface UpgradeRoutingProps {
  /** The relay for rooms of other processes. */
  readonly relay: Relay;
  /** Is this upgrade for a room of another process? Those are not the transport's. */
  readonly isForeign: (req: IncomingMessage) => boolean;
  /** The address (host:port) of a process, from the registry; null if unknown. */
  readonly lookup: (processId: string) => Promise<string | null>;
}

/**
 * Guards every upgrade socket with an error listener (prepended, so it runs before the
 * transport's own upgrade listener) and relays upgrades for other processes' rooms.
 */
export function routeUpgrades(server: HttpServer, props: UpgradeRoutingProps): void {
  server.prependListener('upgrade', (_req: IncomingMessage, socket: Duplex) => { socket.on('error', ignoreError); });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!props.isForeign(req)) return;
    if (req.headers[FORWARDED_HEADER]) {
      refuseUpgrade(socket, 421, 'Misdirected Request');
      return;
    }
    props.lookup(roomTarget(req.url)!.processId).then(address => {
      if (address) props.relay.forward(upgradeRequest(req), socket, head, address);
      else refuseUpgrade(socket, 404, 'Not Found');
    }, () => refuseUpgrade(socket, 503, 'Service Unavailable'));
  });
}
