// Workload names the e2e reasons about, from the constructs that define them.
import { BotService } from '../../lib/bot-service';
import { ColyseusGameServer } from '../../lib/colyseus-game-server';
import { Judge0Database } from '../../lib/judge0-database';
import { Judge0Server } from '../../lib/judge0-server';
import { Judge0Worker } from '../../lib/judge0-worker';
import { NAME_LABEL } from '../../lib/labels';

/** Workloads whose images the deploy builds and pushes itself (never on Docker Hub). */
export const OWN_WORKLOADS: readonly string[] = [ColyseusGameServer.NAME, BotService.NAME];

/** Workloads that exist only with K8S_JUDGE0_MODE=cluster, whatever their kind. */
export const JUDGE0_WORKLOADS: readonly string[] = [Judge0Server.NAME, Judge0Worker.NAME, Judge0Database.NAME];

/** Label selector of the pods of workloads `names` (their lib/labels.ts selectorFor label). */
export function podsOf(...names: readonly string[]): string {
  return `${NAME_LABEL} in (${names.join(',')})`;
}
