// Matchmaking while Redis is away: refuse at once with 503 and Retry-After instead of hanging.
// Colyseus' `/matchmake` route has no timeout and no header hook, and a Redis failure inside it
// (the join-or-create lock) can leave the request unanswered. Colyseus prepends its request
// listener inside `listen()` (@colyseus/core 0.18 router/index.ts `bindRouterToTransport`), so
// the gate is installed after `listen()`: it takes the server's listeners over and calls them
// only for requests it lets through.
import type * as http from 'http';

const MATCHMAKE_PREFIX = '/matchmake/';

export interface MatchmakingGateProps {
  /** True while the stores matchmaking needs answer. */
  readonly storesUp: () => boolean;
  /** Seconds the client is told to wait. @default 5 */
  readonly retryAfterSeconds?: number;
  /**
   * A matchmaking request still unanswered after this long gets the 503: Redis failed while the
   * request was in Colyseus' hands (Redis known down is refused at once). Above the 1.5 s command
   * timeout (redis-clients.ts) plus a reconnection attempt, so a request Redis answers slowly is
   * not cut. @default 5000
   */
  readonly timeoutMs?: number;
}

export function gateMatchmaking(server: http.Server, props: MatchmakingGateProps): void {
  const retryAfter = String(props.retryAfterSeconds ?? 5);
  const timeoutMs = props.timeoutMs ?? 5_000;
  const inner = server.listeners('request') as ((req: http.IncomingMessage, res: http.ServerResponse) => void)[];
  server.removeAllListeners('request');

  const refuse = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (res.headersSent || res.writableEnded) return;
    res.writeHead(503, {
      'Retry-After': retryAfter,
      'Content-Type': 'application/json',
      // the CORS headers Colyseus would have set (matchmaker/controller.ts), so browsers can read the answer
      'Access-Control-Allow-Origin': req.headers.origin || '*',
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Expose-Headers': 'Retry-After',
    });
    res.end(JSON.stringify({ code: 503, error: 'matchmaking is unavailable for a moment; retry after the Retry-After seconds' }));
    ignoreLaterWrites(res);
  };

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method === 'POST' && req.url?.startsWith(MATCHMAKE_PREFIX)) {
      if (!props.storesUp()) {
        refuse(req, res);
        return;
      }
      const timer = setTimeout(() => refuse(req, res), timeoutMs);
      res.once('close', () => clearTimeout(timer));
    }
    for (const listener of inner) listener.call(server, req, res);
  });
}

/**
 * Colyseus answers a request the gate already answered when its handler finally returns: its
 * response writer (@colyseus/better-call adapters/node `setResponse`) calls setHeader, and on
 * the error that throws removeHeader and writeHead, none awaited, so Node's
 * ERR_HTTP_HEADERS_SENT would surface as an unhandled rejection. That answer is void now: drop it.
 */
function ignoreLaterWrites(res: http.ServerResponse): void {
  const ignored = function (this: http.ServerResponse) { return this; };
  Object.assign(res, { setHeader: ignored, removeHeader: ignored, writeHead: ignored, write: () => true, end: ignored });
}
