// Which address each Colyseus process answers on, so a replica that receives a WebSocket for a
// room it does not hold can forward it (see websocket-forwarder.ts). Entries expire unless
// refreshed: a crashed process disappears by itself.
import type Redis from 'ioredis';

const PREFIX = 'codeclashers:colyseus:process:';

export class ProcessRegistry {
  private timer?: NodeJS.Timeout;
  private registered?: string;

  constructor(private readonly redis: Redis, private readonly ttlSeconds = 30) {}

  /** Records `processId -> address` now and every ttl/3 until `unregister`. */
  async register(processId: string, address: string): Promise<void> {
    const write = () => this.redis.set(PREFIX + processId, address, 'EX', this.ttlSeconds);
    await write();
    this.timer = setInterval(() => { write().catch(() => undefined); }, (this.ttlSeconds * 1000) / 3);
    this.timer.unref();
    this.registered = processId;
  }

  async lookup(processId: string): Promise<string | null> {
    return this.redis.get(PREFIX + processId);
  }

  async unregister(): Promise<void> {
    clearInterval(this.timer);
    if (this.registered) await this.redis.del(PREFIX + this.registered);
  }
}
