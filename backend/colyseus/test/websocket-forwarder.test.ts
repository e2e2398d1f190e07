import * as http from 'http';
import * as net from 'net';
import { WebSocketRelay, roomTarget, upgradeRequest } from '../src/websocket-forwarder';
import { listenLocal } from './harness';

test.each([
  ['/abc123/room_1?sessionId=x', { processId: 'abc123', roomId: 'room_1' }],
  ['/prefix/abc123/room-1?sessionId=x&_authToken=y', { processId: 'abc123', roomId: 'room-1' }],
  ['/healthz', undefined],
  ['/', undefined],
  [undefined, undefined],
])('%s', (url, expected) => {
  expect(roomTarget(url)).toEqual(expected);
});

describe('WebSocketRelay on real sockets', () => {
  const closers: (() => void)[] = [];
  afterEach(() => { for (const close of closers.splice(0)) close(); });

  const listen = (server: net.Server) => listenLocal(server, closers);

  /** A front server that relays every upgrade to `ownerPort`; returns its port. */
  async function front(relay: WebSocketRelay, ownerPort: number): Promise<number> {
    const server = http.createServer();
    server.on('upgrade', (req, socket, head) => relay.forward(upgradeRequest(req), socket, head, `127.0.0.1:${ownerPort}`));
    return listen(server);
  }

  function upgrade(port: number): Promise<{ socket: net.Socket; data: () => Buffer; ended: Promise<void> }> {
    return new Promise(resolve => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write('GET /p/r HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        const chunks: Buffer[] = [];
        socket.on('data', d => { chunks.push(d); });
        const ended = new Promise<void>(done => socket.once('end', () => done()));
        resolve({ socket, data: () => Buffer.concat(chunks), ended });
      });
      socket.on('error', () => undefined);
    });
  }

  test('an owner that accepts but never answers: 502 after the connect timeout', async () => {
    const silent = net.createServer(() => undefined);
    const ownerPort = await listen(silent);
    const relay = new WebSocketRelay({ connectTimeoutMs: 200 });
    const client = await upgrade(await front(relay, ownerPort));
    await client.ended;
    expect(client.data().toString()).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    await relay.drained();
  });

  test('what the owner writes before it ends (a close frame) reaches the client, then the FIN; drained() resolves', async () => {
    const owner = http.createServer();
    owner.on('upgrade', (_req, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      setTimeout(() => socket.end(Buffer.from([0x88, 0x02, 0x0f, 0xa0])), 100); // close frame, code 4000
    });
    const relay = new WebSocketRelay({ closeGraceMs: 60_000 });
    const client = await upgrade(await front(relay, await listen(owner)));
    await client.ended;
    expect(client.data().toString()).toContain('101 Switching Protocols');
    expect(client.data().subarray(-4)).toEqual(Buffer.from([0x88, 0x02, 0x0f, 0xa0]));
    expect(relay.size).toBe(1); // half-closed: the client still has to answer
    const drained = relay.drained();
    client.socket.end();
    await drained;
    expect(relay.size).toBe(0);
  });
});
