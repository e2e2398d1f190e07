// The ioredis clients of the game server, built to ride out a Redis outage: every command's wait
// is bounded, reconnection never gives up, errors are logged (once per outage) instead of reaching
// the uncaught path, and a return of Redis (with its data or empty) triggers a restore.
//
// Three clients: one handed to RedisPresence (which duplicates it for its subscriber), one to
// RedisDriver, one for this service's own keys. Colyseus quits the first two on shutdown; the
// service closes its own.
import Redis, { RedisOptions } from 'ioredis';

/**
 * Longest wait of one command (ioredis `commandTimeout`). While Redis is known down, matchmaking
 * is refused at once (store-gate.ts); a request caught mid-failure gets its 503 after the gate's
 * 5 s, which leaves room for this timeout and one reconnection attempt.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_500;
/** Longest pause between reconnection attempts; ioredis' retryStrategy returning null would stop them for good. */
export const REDIS_RECONNECT_MAX_MS = 1_000;

/**
 * ioredis options (README of ioredis 5, "Auto-reconnect" and "Offline Queue"):
 * - `retryStrategy` always returns a delay: a client whose strategy returns null never reconnects.
 * - `maxRetriesPerRequest: 1`: a command queued while disconnected fails after one reconnection
 *   attempt (MaxRetriesPerRequestError) instead of the default 20.
 * - `commandTimeout`: a command sent to a Redis that does not answer fails ("Command timed out").
 * - `enableReadyCheck` (default true) holds `ready` until Redis has loaded its append-only file
 *   (INFO `loading:0`), so the service is not ready while Redis answers LOADING.
 */
export function redisOptions(): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    retryStrategy: times => Math.min(100 * times, REDIS_RECONNECT_MAX_MS),
    enableReadyCheck: true,
  };
}

export class RedisClients {
  /** For `new RedisPresence(...)`. */
  readonly presence: Redis;
  /** For `new RedisDriver(...)`. */
  readonly driver: Redis;
  /** For this service's own keys (process registry, waiting duels). */
  readonly service: Redis;
  private readonly all: Redis[];
  private readonly lost = new Set<string>();
  private readonly returnListeners: (() => void)[] = [];

  constructor(url: string, private readonly log: (line: string) => void) {
    const make = (name: string) => {
      const client = new Redis(url, { ...redisOptions(), connectionName: `colyseus-${name}` });
      this.watch(client, name);
      return client;
    };
    this.presence = make('presence');
    this.driver = make('driver');
    this.service = make('service');
    this.all = [this.presence, this.driver, this.service];
  }

  /** Logs one line per lost connection and one per return; calls the return listeners. */
  private watch(client: Redis, name: string): void {
    let everReady = false;
    let waitLogged = false;
    client.on('error', (error: Error) => {
      if (!everReady) {
        // start-up waits for Redis (whenReady): say so once rather than wait silently
        if (!waitLogged) this.log(`waiting for Redis (${name}): ${error.message}`);
        waitLogged = true;
        return;
      }
      if (this.lost.has(name)) return;
      this.lost.add(name);
      this.log(`Redis (${name}) unreachable, retrying every ${REDIS_RECONNECT_MAX_MS / 1000} s at most: ${error.message}`);
    });
    // 'reconnecting', not 'close': a quit at shutdown closes without reconnecting
    client.on('reconnecting', () => {
      if (everReady && !this.lost.has(name)) {
        this.lost.add(name);
        this.log(`Redis (${name}) connection closed, reconnecting`);
      }
    });
    client.on('ready', () => {
      if (!everReady) {
        everReady = true;
        return;
      }
      this.lost.delete(name);
      this.log(`Redis (${name}) is back`);
      this.returnListeners.forEach(listener => listener());
    });
  }

  /** True when every client is connected and Redis has loaded its data. */
  ready(): boolean {
    return this.all.every(client => client.status === 'ready');
  }

  /** `listener` runs each time a client reconnects after a loss. */
  onReturn(listener: () => void): void {
    this.returnListeners.push(listener);
  }

  /** Resolves when every client is ready (start-up waits for Redis). */
  async whenReady(): Promise<void> {
    await Promise.all(this.all.map(client => client.status === 'ready' ? undefined : new Promise(resolve => client.once('ready', resolve))));
  }
}
