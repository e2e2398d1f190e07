// A drain (SIGTERM) has one deadline, taken when it starts: everything after it (rooms playing
// to their end, relayed connections, unsaved results) shares what is left of it, so the whole
// drain ends inside the pod's grace period (MATCH_SECONDS + 60, README, Draining). Colyseus runs
// onBeforeShutdown, then waits for every room of this process to dispose, and only then
// onShutdown (@colyseus/core 0.18 Server.ts `gracefullyShutdown`): a budget that restarted at
// each of those steps would add up past the grace period.
//
// The last step: connections this process relays to other processes' rooms are its players too
// (FIELD-NOTES, Colyseus: gracefullyShutdown waits for this process's own rooms only, and exiting
// would cut the relayed ones with 1006). They end when their match does; a duel still waiting for
// an opponent has no such bound, so the wait ends at the deadline and what is left then is cut
// (the SDK reconnects through another replica).
import type { Relay } from './websocket-forwarder';

/**
 * Seconds past MATCH_SECONDS the drain may take: a match that started just before SIGTERM, then a
 * submission made in time judged after it and the result shown or saved, within what is left.
 * The grace period (MATCH_SECONDS + 60) starts with the 5 s preStop pause, before SIGTERM: 5 s are
 * left after the deadline for closing the stores and exiting.
 */
export const DRAIN_MARGIN_SECONDS = 50;

/** The drain's absolute deadline (ms since the epoch) for a SIGTERM at `sigtermAtMs`. */
export function drainDeadline(sigtermAtMs: number, matchSeconds: number): number {
  return sigtermAtMs + (matchSeconds + DRAIN_MARGIN_SECONDS) * 1000;
}

/** Milliseconds left before `deadline` at `nowMs`, at most `capMs`, never negative. */
export function timeLeftMs(deadline: number, nowMs: number, capMs = Infinity): number {
  return Math.max(0, Math.min(capMs, deadline - nowMs));
}

/** Waits until every relayed connection ended or `waitMs` passed; then cuts the rest. */
export async function drainRelay(relay: Relay, waitMs: number, log: (line: string) => void): Promise<void> {
  if (relay.size === 0) return;
  log(`Draining: waiting up to ${Math.round(waitMs / 1000)} s for ${relay.size} relayed connection(s) to end.`);
  let timer: NodeJS.Timeout | undefined;
  const capped = new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), waitMs); });
  const ended = await Promise.race([relay.drained().then(() => true), capped]);
  clearTimeout(timer);
  if (!ended) {
    log(`Draining: ${relay.size} relayed connection(s) still open at the drain deadline; closing them.`);
    relay.destroyAll();
  }
}
