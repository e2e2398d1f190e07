// RelayProcess on real sockets and a real relay process (dist/relay-child.js, built by `npm test`):
// the handover, the count a drain waits on, the cut at the drain deadline, and the game server
// relaying itself while no relay process is up.
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { RELAY_UP, RelayProcess } from '../src/relay-process';
import { upgradeRequest } from '../src/websocket-forwarder';
import { eventually, listenLocal } from './harness';

const ENTRY = path.join(__dirname, '../dist/relay-child.js');
const closers: (() => void)[] = [];
afterEach(() => { for (const close of closers.splice(0)) close(); });

const listen = (server: net.Server) => listenLocal(server, closers);

/** An owner that accepts every upgrade and echoes what follows it; `sockets` are its side. */
async function echoOwner() {
  const sockets: net.Socket[] = [];
  const owner = http.createServer();
  owner.on('upgrade', (req, socket) => {
    sockets.push(socket as net.Socket);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nx-seen-forwarded: ${req.headers['x-codeclashers-forwarded']}\r\n\r\n`);
    socket.on('data', d => socket.write(d));
    socket.on('end', () => socket.end()); // as ws does when a client's FIN comes
  });
  return { port: await listen(owner), sockets };
}

/** A front server whose upgrades `relay` carries to `ownerPort`; returns its port. */
async function front(relay: RelayProcess, ownerPort: number): Promise<number> {
  const server = http.createServer();
  server.on('upgrade', (req, socket, head) => relay.forward(upgradeRequest(req), socket, head, `127.0.0.1:${ownerPort}`));
  return listen(server);
}

/** A client upgraded through `port` (the 101 read). */
async function client(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let data = '';
  socket.on('data', d => { data += d; });
  const closed = new Promise<void>(resolve => socket.once('close', () => resolve()));
  await new Promise(resolve => socket.once('connect', resolve));
  socket.write('GET /p/r HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  await eventually(() => data.includes('\r\n\r\n'), 5000, 'the 101');
  return { socket, closed, data: () => data };
}

test('a handed-over connection flows both ways through the relay process; the count follows it; drained() resolves', async () => {
  const logs: string[] = [];
  const relay = new RelayProcess(line => logs.push(line), { entry: ENTRY });
  await relay.start();
  closers.push(() => { relay.stop(); process.kill(relay.pid!, 'SIGKILL'); });
  expect(RELAY_UP.exec(logs.join('\n'))?.[1]).toBe(String(relay.pid));
  // none of the game server's environment (its secrets) reaches the relay process
  const names = fs.readFileSync(`/proc/${relay.pid}/environ`, 'utf8').split('\0').filter(Boolean).map(v => v.split('=')[0]);
  expect(names.filter(name => !name.startsWith('NODE_CHANNEL_'))).toEqual([]); // Node's own IPC variables only
  const owner = await echoOwner();
  const c = await client(await front(relay, owner.port));
  expect(c.data()).toContain('101 Switching Protocols');
  expect(c.data()).toContain('x-seen-forwarded: 1');
  c.socket.write('hello');
  await eventually(() => c.data().endsWith('hello'), 5000, 'the echo');
  expect(relay.size).toBe(1);
  let drained = false;
  void relay.drained().then(() => { drained = true; });
  await new Promise(resolve => setTimeout(resolve, 200));
  expect(drained).toBe(false);
  c.socket.end();
  await eventually(() => drained, 10_000, 'drained');
  expect(relay.size).toBe(0);
});

test('destroyAll cuts what the relay process carries (the drain deadline passed)', async () => {
  const relay = new RelayProcess(() => undefined, { entry: ENTRY });
  await relay.start();
  closers.push(() => { relay.stop(); process.kill(relay.pid!, 'SIGKILL'); });
  const owner = await echoOwner();
  const port = await front(relay, owner.port);
  const clients = [await client(port), await client(port)];
  expect(relay.size).toBe(2);
  relay.destroyAll();
  await Promise.all(clients.map(c => c.closed));
  await relay.drained();
  expect(relay.size).toBe(0);
});

test('no relay process (it cannot start): the game server relays itself and keeps trying', async () => {
  const logs: string[] = [];
  const entry = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'relay-')), 'broken-relay.js');
  fs.writeFileSync(entry, 'process.exit(1);\n');
  const relay = new RelayProcess(line => logs.push(line), { entry, restartMs: 100 });
  closers.push(() => relay.stop());
  await relay.start();
  expect(relay.pid).toBeUndefined();
  const owner = await echoOwner();
  const c = await client(await front(relay, owner.port));
  c.socket.write('still here');
  await eventually(() => c.data().endsWith('still here'), 5000, 'the echo');
  expect(relay.size).toBe(1);
  await eventually(() => logs.filter(l => /relay process exited \(code 1\), 0 relayed connection\(s\) lost/.test(l)).length >= 2, 5000, 'a second attempt');
  c.socket.end();
  await relay.drained();
});
