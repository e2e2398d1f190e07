// What lived in Redis and must be written again when Redis returns, above all when it returns
// empty (its volume lost): Colyseus re-creates none of it by itself (FIELD-NOTES, Colyseus).
import { matchMaker } from '@colyseus/core';
import type { RedisClients } from './redis-clients';

export interface RecoveryStep {
  readonly name: string;
  run(): Promise<unknown>;
}

/** The steps for Colyseus' own state: this process's stats entry and its rooms' listings. */
export const COLYSEUS_STEPS: readonly RecoveryStep[] = [
  // selectProcessIdToCreateRoom and remote seat reservations read the stats hash
  { name: 'matchmaking stats', run: async () => matchMaker.stats.persist(true) },
  // joinOrCreate finds rooms through the driver's listings
  { name: 'room listings', run: () => matchMaker.restoreMissingRoomCaches() },
];

/**
 * Runs `steps` each time a Redis client returns, once per return burst (the clients reconnect
 * within milliseconds of each other); a step that fails is retried every second while Redis
 * stays up. Returns whether everything is restored: until then the process is not ready (a
 * player sent here before the registry is back would have its WebSocket refused).
 */
export function restoreOnReturn(clients: Pick<RedisClients, 'ready' | 'onReturn'>, steps: readonly RecoveryStep[], log: (line: string) => void): () => boolean {
  let scheduled: NodeJS.Timeout | undefined;
  let pending = false;
  // Counts returns: an attempt that succeeds clears `pending` only if Redis did not go and come
  // back while it ran (the later return's restore is still to run).
  let returns = 0;
  const attempt = async () => {
    scheduled = undefined;
    const startedAt = returns;
    const failed: string[] = [];
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        failed.push(`${step.name} (${(error as Error).message})`);
      }
    }
    if (failed.length === 0 && returns === startedAt) pending = false;
    if (failed.length === 0) log(`Redis is back: restored ${steps.map(s => s.name).join(', ')}`);
    else if (clients.ready()) schedule(1_000);
    else log(`Redis restore waits for the next return: ${failed.join('; ')}`);
  };
  const schedule = (ms: number) => {
    if (scheduled) return;
    scheduled = setTimeout(() => { attempt().catch(() => undefined); }, ms);
  };
  clients.onReturn(() => {
    returns += 1;
    pending = true;
    schedule(200);
  });
  return () => !pending;
}
