// Reads the game server's list of duels where a human waits alone (backend/colyseus
// src/waiting-duels.ts writes it) and claims one for one bot across all bot replicas.
import type Redis from 'ioredis';

/** The contract with backend/colyseus: a sorted set of room ids scored by wait start (ms). */
export const WAITING_DUELS_KEY = 'codeclashers:duels:waiting';
const CLAIM_PREFIX = 'codeclashers:bots:claim:';

export class WaitingDuels {
  constructor(private readonly redis: Redis) {}

  /** Rooms whose human has waited at least `seconds`, oldest first. */
  async waitedLongerThan(seconds: number, now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(WAITING_DUELS_KEY, '-inf', now - seconds * 1000);
  }

  /** True for exactly one caller per room (for two minutes, long enough to join). */
  async claim(roomId: string, botId: string): Promise<boolean> {
    return (await this.redis.set(CLAIM_PREFIX + roomId, botId, 'EX', 120, 'NX')) === 'OK';
  }

  /** Drops a room that no longer exists from the list. */
  async forget(roomId: string): Promise<void> {
    await this.redis.zrem(WAITING_DUELS_KEY, roomId);
  }
}
