// The relay process (relay-process.ts): carries the connections the game server hands it to the
// room's owner, and nothing else. Its life is the game server's: it ignores the signals a
// container or a terminal sends (the game server drains, and decides when relayed players are
// cut) and exits when the IPC channel closes, that is when the game server is gone.
import type * as net from 'net';
import type { FromRelay, ToRelay } from './relay-process';
import { WebSocketRelay } from './websocket-forwarder';

const relay = new WebSocketRelay();

function tell(message: FromRelay): void {
  if (process.connected) process.send!(message);
}

process.on('message', (message: ToRelay, socket?: net.Socket) => {
  if (message.type === 'destroyAll') relay.destroyAll();
  else if (message.type === 'relay') {
    // no socket: it closed before Node could take its handle (child_process `_send` then sends the message alone)
    if (!socket) return tell({ type: 'closed', id: message.id });
    socket.once('close', () => tell({ type: 'closed', id: message.id }));
    relay.forward(message.request, socket, Buffer.from(message.head, 'base64'), message.address);
  }
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);
tell({ type: 'ready' });
