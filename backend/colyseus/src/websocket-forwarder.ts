// Any replica accepts any client. Colyseus joins in two requests: the HTTP matchmake (answered
// by any process, through Redis) and a WebSocket to /<processId>/<roomId> that must reach the
// process holding the room. Behind one LoadBalancer that WebSocket lands on a random replica;
// when it is not the owner, this forwards the raw connection to the owner's pod address.
import type { IncomingMessage } from 'http';
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

/** Replays the upgrade request to `address` (host:port) and splices the two connections. */
export function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, address: string): void {
  const separator = address.lastIndexOf(':');
  const upstream = net.connect(Number(address.slice(separator + 1)), address.slice(0, separator));
  const lines = [`${req.method} ${req.url} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  lines.push(`${FORWARDED_HEADER}: 1`, `x-forwarded-for: ${req.socket.remoteAddress ?? ''}`);
  upstream.on('connect', () => {
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.setNoDelay(true);
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
  socket.on('close', () => upstream.destroy());
}

/** Answers an upgrade that cannot be served with a plain HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
