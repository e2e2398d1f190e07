import * as http from 'http';
import type { AddressInfo } from 'net';
import { gateMatchmaking } from '../src/store-gate';

/**
 * A server whose own listener answers matchmaking late, the way Colyseus does (its response
 * writer, @colyseus/better-call adapters/node `setResponse`: setHeader for each header, on error
 * removeHeader and writeHead(500), then writeHead and end).
 */
async function lateServer(answerAfterMs: number, errors: unknown[]) {
  const server = http.createServer((_req, res) => {
    setTimeout(() => {
      try {
        try {
          res.setHeader('content-type', 'application/json');
        } catch (error) {
          res.getHeaderNames().forEach(name => res.removeHeader(name));
          res.writeHead(500).end(String(error));
          return;
        }
        res.writeHead(200);
        res.end('{"room":"late"}');
      } catch (error) {
        errors.push(error);
      }
    }, answerAfterMs);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const post = (server: http.Server) => fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/matchmake/joinOrCreate/duel`, { method: 'POST' });

describe('the matchmaking gate', () => {
  it('answers 503 with Retry-After at once while the stores are down', async () => {
    const errors: unknown[] = [];
    const server = await lateServer(10, errors);
    gateMatchmaking(server, { storesUp: () => false });
    const response = await post(server);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    server.close();
  });

  it('answers 503 to a request left unanswered, and the late answer of Colyseus is dropped without an error', async () => {
    const errors: unknown[] = [];
    const server = await lateServer(300, errors);
    gateMatchmaking(server, { storesUp: () => true, timeoutMs: 50 });
    const response = await post(server);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('matchmaking is unavailable');
    await new Promise(resolve => setTimeout(resolve, 500));
    expect(errors).toEqual([]);
    server.close();
  });

  it('lets an answer that comes in time through', async () => {
    const errors: unknown[] = [];
    const server = await lateServer(10, errors);
    gateMatchmaking(server, { storesUp: () => true, timeoutMs: 2_000 });
    const response = await post(server);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"room":"late"}');
    expect(errors).toEqual([]);
    server.close();
  });
});
