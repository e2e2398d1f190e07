// Duels where a human waits alone, in a Redis sorted set scored by when the wait began. The bot
// service (backend/bots) reads it and sends a bot to duels that waited BOT_JOIN_AFTER_SECONDS.
import type Redis from 'ioredis';

/** Shared with backend/bots: the contract between the two services. */
export const WAITING_DUELS_KEY = 'codeclashers:duels:waiting';

export class WaitingDuels {
  constructor(private readonly redis: Redis) {}

  async add(roomId: string): Promise<void> {
    await this.redis.zadd(WAITING_DUELS_KEY, 'NX', Date.now(), roomId);
  }

  async remove(roomId: string): Promise<void> {
    await this.redis.zrem(WAITING_DUELS_KEY, roomId);
  }
}
