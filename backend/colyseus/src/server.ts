// Wires the game server: Colyseus with Redis presence and driver, the duel room, health routes,
// and cross-replica WebSocket forwarding.
import { createEndpoint, createRouter, matchMaker, Server } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { WebSocketTransport } from '@colyseus/ws-transport';
import * as http from 'http';
import { DuelRoom } from './duel-room';
import { Judge0Client } from './judge0';
import { DISCARD_RESULTS, MatchResults, mongoMatchResults } from './match-results';
import { ProcessRegistry } from './process-registry';
import { RedisClients } from './redis-clients';
import { Settings } from './settings';
import { gateMatchmaking } from './store-gate';
import { COLYSEUS_STEPS, restoreOnReturn } from './store-recovery';
import { MAX_MESSAGE_BYTES } from './submission-limits';
import { WaitingDuels } from './waiting-duels';
import { drainDeadline, drainRelay, timeLeftMs } from './drain';
import { RelayProcess } from './relay-process';
import { roomTarget, routeUpgrades } from './websocket-forwarder';

export async function startGameServer(settings: Settings, log: (line: string) => void = console.log): Promise<void> {
  // Colyseus makes presence/driver calls nobody awaits; Node turns their rejection (Redis away)
  // into an uncaught exception, which Colyseus answers with a graceful shutdown. Log them instead.
  process.on('unhandledRejection', reason => log(`unhandled rejection (the process keeps running): ${(reason as Error)?.message ?? reason}`));
  const stores = new RedisClients(settings.redisUrl, log);
  const redis = stores.service;
  const registry = new ProcessRegistry(redis);
  const waiting = new WaitingDuels(redis);
  let draining = false;
  /** The drain's one deadline (ms since the epoch), taken at SIGTERM; see drain.ts. */
  let deadline: number | undefined;
  let restored = () => true;
  /** Redis answers and what lived there is back. */
  const storesUp = () => stores.ready() && restored();

  const results: MatchResults = settings.mongodbUri ? mongoMatchResults(settings.mongodbUri, { limit: settings.resultsQueueLimit, log }) : DISCARD_RESULTS;
  if (!settings.mongodbUri) log('MONGODB_URI is not set: match results are not persisted.');
  if (!settings.judge0Url) log('JUDGE0_URL is not set: judging is off; every match tells its players so.');
  DuelRoom.services = {
    secrets: { reservationSecret: settings.reservationSecret, botSecret: settings.botSecret },
    judge: settings.judge0Url ? new Judge0Client({ url: settings.judge0Url, authHeader: settings.judge0AuthHeader, token: settings.judge0Token }) : undefined,
    results,
    waiting,
    matchSeconds: settings.matchSeconds,
    drainDeadline: () => deadline,
  };

  const httpServer = http.createServer();
  const isForeign = (url: string | undefined) => {
    const target = roomTarget(url);
    return !!target && target.processId !== matchMaker.processId;
  };
  // maxPayload: ws-transport's default (4 KiB) would close a player submitting a real program with 1009
  const transport = new WebSocketTransport({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  // Upgrades for rooms of this process go to Colyseus; the rest are relayed to their owner.
  transport.attachToServer(httpServer, { filter: req => !isForeign(req.url) });
  // a process of its own, so relayed messages do not wait behind this one's rooms (relay-process.ts)
  const relay = new RelayProcess(log);
  routeUpgrades(httpServer, { relay, isForeign: req => isForeign(req.url), lookup: id => registry.lookup(id) });

  const server = new Server({
    transport,
    presence: new RedisPresence(stores.presence),
    driver: new RedisDriver(stores.driver),
    greet: false,
  });
  server.define('duel', DuelRoom);

  // /healthz: the process works. /readyz: it takes new matches (not draining, Redis answers).
  server.router = createRouter({
    healthz: createEndpoint('/healthz', { method: 'GET' }, async () => new Response('ok')),
    readyz: createEndpoint('/readyz', { method: 'GET' }, async () => {
      if (draining) return new Response('draining', { status: 503 });
      return storesUp() ? new Response('ready') : new Response('redis unreachable', { status: 503 });
    }),
  }) as any;

  server.onBeforeShutdown(() => {
    draining = true;
    deadline = drainDeadline(Date.now(), settings.matchSeconds);
    log('SIGTERM: draining; no new matches here, live ones play to their end.');
  });
  server.onShutdown(async () => {
    // Relayed players and unsaved results share what is left of the drain's deadline, side by side.
    const end = deadline ?? drainDeadline(Date.now(), settings.matchSeconds);
    const flushMs = timeLeftMs(end, Date.now(), settings.resultsDrainSeconds * 1000);
    const [, unsaved] = await Promise.all([
      drainRelay(relay, timeLeftMs(end, Date.now()), log),
      results.flush(flushMs),
    ]);
    relay.stop();
    await registry.unregister().catch(() => undefined);
    if (unsaved > 0) log(`${unsaved} match result(s) could not be written to MongoDB within ${Math.round(flushMs / 1000)} s and are lost`);
    await results.close().catch(() => undefined);
    redis.disconnect();
    log('Drained: every room is closed.');
  });

  // Redis may still be loading its append-only file: wait for it rather than fail and restart
  // (the startup probe allows for it; see README, Outages).
  await stores.whenReady();
  await relay.start();
  await server.listen(settings.port);
  await registry.register(matchMaker.processId, `${settings.podIp}:${settings.port}`);
  restored = restoreOnReturn(stores, [
    { name: 'process registry', run: () => registry.refresh() },
    ...COLYSEUS_STEPS,
    { name: 'waiting duels', run: () => waiting.restore() },
  ], log);
  gateMatchmaking(httpServer, { storesUp });
  log(`Colyseus process ${matchMaker.processId} listening on ${settings.port}, reachable by other replicas at ${settings.podIp}:${settings.port}`);
}
