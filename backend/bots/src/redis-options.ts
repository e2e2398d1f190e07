// ioredis options that ride out a Redis outage (README of ioredis 5, "Auto-reconnect"): each
// command fails after one reconnection attempt or 1.5 s instead of waiting, and reconnection
// never gives up (a retryStrategy that returns null stops it for good).
import type { RedisOptions } from 'ioredis';

export function redisOptions(): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    commandTimeout: 1_500,
    connectTimeout: 2_000,
    retryStrategy: times => Math.min(100 * times, 1_000),
  };
}
