// The last step of a drain: connections this process relays to other processes' rooms are its
// players too (FIELD-NOTES, Colyseus: gracefullyShutdown waits for this process's own rooms
// only, and exiting would cut the relayed ones with 1006). They end when their match does,
// which MATCH_SECONDS bounds; a duel still waiting for an opponent has no such bound, so the
// wait is capped and what is left then is cut (the SDK reconnects through another replica).
import type { WebSocketRelay } from './websocket-forwarder';

/**
 * Margin past MATCH_SECONDS: a submission made in time is judged after it (Judge0 client timeout
 * 30 s), then the result stays 5 s. Below the pod's grace period (MATCH_SECONDS + 60).
 */
const RELAY_DRAIN_MARGIN_SECONDS = 45;

export async function drainRelay(relay: WebSocketRelay, matchSeconds: number, log: (line: string) => void): Promise<void> {
  if (relay.size === 0) return;
  log(`Draining: waiting for ${relay.size} relayed connection(s) to end.`);
  let timer: NodeJS.Timeout | undefined;
  const capped = new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), (matchSeconds + RELAY_DRAIN_MARGIN_SECONDS) * 1000); });
  const ended = await Promise.race([relay.drained().then(() => true), capped]);
  clearTimeout(timer);
  if (!ended) {
    log(`Draining: ${relay.size} relayed connection(s) still open after ${matchSeconds + RELAY_DRAIN_MARGIN_SECONDS} s; closing them.`);
    relay.destroyAll();
  }
}
