// Which address each Colyseus process answers on, so a replica that receives a WebSocket for a
// room it does not hold can forward it (see websocket-forwarder.ts). Entries expire unless
// refreshed: a crashed process disappears by itself.
import type Redis from 'ioredis';

const PREFIX = 'codeclashers:colyseus:process:';

export class ProcessRegistry {
  private timer?: NodeJS.Timeout;
  private registered?: { processId: string; address: string };

  constructor(private readonly redis: Redis, private readonly ttlSeconds = 30) {}

  /** Records `processId -> address` now and every ttl/3 until `unregister`. */
  async register(processId: string, address: string): Promise<void> {
    this.registered = { processId, address };
    await this.refresh();
    this.timer = setInterval(() => { this.refresh().catch(() => undefined); }, (this.ttlSeconds * 1000) / 3);
    this.timer.unref();
  }

  /** Writes the entry again now (after Redis returned empty, say). */
  async refresh(): Promise<void> {
    if (this.registered) await this.redis.set(PREFIX + this.registered.processId, this.registered.address, 'EX', this.ttlSeconds);
  }

  async lookup(processId: string): Promise<string | null> {
    return this.redis.get(PREFIX + processId);
  }

  async unregister(): Promise<void> {
    clearInterval(this.timer);
    const registered = this.registered;
    this.registered = undefined;
    if (registered) await this.redis.del(PREFIX + registered.processId);
  }
}
