import { roomTarget } from '../src/websocket-forwarder';

test.each([
  ['/abc123/room_1?sessionId=x', { processId: 'abc123', roomId: 'room_1' }],
  ['/prefix/abc123/room-1?sessionId=x&_authToken=y', { processId: 'abc123', roomId: 'room-1' }],
  ['/healthz', undefined],
  ['/', undefined],
  [undefined, undefined],
])('%s', (url, expected) => {
  expect(roomTarget(url)).toEqual(expected);
});
