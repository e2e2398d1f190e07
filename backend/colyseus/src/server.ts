// Wires the game server: Colyseus with Redis presence and driver, the duel room, health routes,
// and cross-replica WebSocket forwarding.
import { createEndpoint, createRouter, matchMaker, Server } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { WebSocketTransport } from '@colyseus/ws-transport';
import * as http from 'http';
import Redis from 'ioredis';
import { DuelRoom } from './duel-room';
import { Judge0Client } from './judge0';
import { DISCARD_RESULTS, MatchResults, MongoMatchResults } from './match-results';
import { ProcessRegistry } from './process-registry';
import { Settings } from './settings';
import { MAX_MESSAGE_BYTES } from './submission-limits';
import { WaitingDuels } from './waiting-duels';
import { drainRelay } from './drain';
import { WebSocketRelay, roomTarget, routeUpgrades } from './websocket-forwarder';

export async function startGameServer(settings: Settings, log: (line: string) => void = console.log): Promise<void> {
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 2 });
  const registry = new ProcessRegistry(redis);
  let draining = false;

  const results: MatchResults = settings.mongodbUri ? new MongoMatchResults(settings.mongodbUri) : DISCARD_RESULTS;
  if (!settings.mongodbUri) log('MONGODB_URI is not set: match results are not persisted.');
  if (!settings.judge0Url) log('JUDGE0_URL is not set: judging is off; every match tells its players so.');
  DuelRoom.services = {
    secrets: { reservationSecret: settings.reservationSecret, botSecret: settings.botSecret },
    judge: settings.judge0Url ? new Judge0Client({ url: settings.judge0Url, authHeader: settings.judge0AuthHeader, token: settings.judge0Token }) : undefined,
    results,
    waiting: new WaitingDuels(redis),
    matchSeconds: settings.matchSeconds,
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
  const relay = new WebSocketRelay();
  routeUpgrades(httpServer, { relay, isForeign: req => isForeign(req.url), lookup: id => registry.lookup(id) });

  const server = new Server({
    transport,
    presence: new RedisPresence(settings.redisUrl),
    driver: new RedisDriver(settings.redisUrl),
    greet: false,
  });
  server.define('duel', DuelRoom);

  // /healthz: the process works. /readyz: it takes new matches (not draining, Redis answers).
  server.router = createRouter({
    healthz: createEndpoint('/healthz', { method: 'GET' }, async () => new Response('ok')),
    readyz: createEndpoint('/readyz', { method: 'GET' }, async () => {
      if (draining) return new Response('draining', { status: 503 });
      const redisUp = await redis.ping().then(() => true, () => false);
      return redisUp ? new Response('ready') : new Response('redis unreachable', { status: 503 });
    }),
  }) as any;

  server.onBeforeShutdown(() => {
    draining = true;
    log('SIGTERM: draining; no new matches here, live ones play to their end.');
  });
  server.onShutdown(async () => {
    await drainRelay(relay, settings.matchSeconds, log);
    await registry.unregister().catch(() => undefined);
    await results.close().catch(() => undefined);
    redis.disconnect();
    log('Drained: every room is closed.');
  });

  await server.listen(settings.port);
  await registry.register(matchMaker.processId, `${settings.podIp}:${settings.port}`);
  log(`Colyseus process ${matchMaker.processId} listening on ${settings.port}, reachable by other replicas at ${settings.podIp}:${settings.port}`);
}
