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

  /** Gives the room back to every bot (a join that failed for a passing reason), if `botId` still holds it. */
  async release(roomId: string, botId: string): Promise<void> {
    if ((await this.redis.get(CLAIM_PREFIX + roomId)) === botId) await this.redis.del(CLAIM_PREFIX + roomId);
  }

  /** Drops a room that no longer waits (gone, or started) from the list. */
  async forget(roomId: string): Promise<void> {
    await this.redis.zrem(WAITING_DUELS_KEY, roomId);
  }
}
