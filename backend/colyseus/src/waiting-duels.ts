// Duels where a human waits alone, in a Redis sorted set scored by when the wait began. The bot
// service (backend/bots) reads it and sends a bot to duels that waited BOT_JOIN_AFTER_SECONDS.
// This process remembers its own entries, so that they can be written again when Redis returns
// empty, or when an add failed during an outage (else lone players never get a bot).
import type Redis from 'ioredis';

/** Shared with backend/bots: the contract between the two services. */
export const WAITING_DUELS_KEY = 'codeclashers:duels:waiting';

export class WaitingDuels {
  /** roomId -> epoch ms the wait began, for this process's rooms. */
  private readonly mine = new Map<string, number>();
  /** Removals that failed (Redis away): done again on restore, else bots try a duel that started. */
  private readonly unremoved = new Set<string>();

  constructor(private readonly redis: Redis) {}

  async add(roomId: string): Promise<void> {
    const since = Date.now();
    this.mine.set(roomId, since);
    await this.redis.zadd(WAITING_DUELS_KEY, 'NX', since, roomId);
  }

  async remove(roomId: string): Promise<void> {
    this.mine.delete(roomId);
    try {
      await this.redis.zrem(WAITING_DUELS_KEY, roomId);
      this.unremoved.delete(roomId);
    } catch (error) {
      this.unremoved.add(roomId);
      throw error;
    }
  }

  /** Writes this process's waiting duels again, each with the time its wait began. */
  async restore(): Promise<void> {
    if (this.unremoved.size > 0) {
      const gone = [...this.unremoved];
      await this.redis.zrem(WAITING_DUELS_KEY, ...gone);
      gone.forEach(roomId => this.unremoved.delete(roomId));
    }
    if (this.mine.size > 0) await this.redis.zadd(WAITING_DUELS_KEY, 'NX', ...[...this.mine].flatMap(([roomId, since]) => [since, roomId]));
  }
}
