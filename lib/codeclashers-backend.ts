import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { BotService } from './bot-service';
import { ColyseusGameServer, type Judge0Client } from './colyseus-game-server';
import { CodeClashersNamespace } from './codeclashers-namespace';
import { type BackendConfig, portOf } from './config';
import { Judge0Database } from './judge0-database';
import { Judge0Server } from './judge0-server';
import { JUDGE0_AUTH_HEADER } from './judge0-settings';
import { Judge0Worker } from './judge0-worker';
import { NAMESPACE } from './labels';
import { MongoDbStore } from './mongodb-store';
import { type Lane, type Outside, PUBLIC_INTERNET, checkLanes, lanePolicy } from './network';
import { RedisStore } from './redis-store';
import { RetainedStorageClass } from './retained-storage-class';

/** Something on the public internet, reachable on 443 only. */
function onInternet(what: string): Outside {
  return { outside: what, peers: [PUBLIC_INTERNET] };
}

/**
 * The whole CodeClashers backend, as three charts whose files sort in the order they must be
 * applied: `1-cluster` (namespace, storage class, network baseline), `2-stores` (MongoDB, Redis,
 * PostgreSQL) and `3-apps` (Judge0, Colyseus, bots).
 */
export class CodeClashersBackend {
  readonly cluster: Chart;
  readonly stores: Chart;
  readonly apps: Chart;
  /**
   * Every connection the backend permits, declared once here, where the whole system is visible.
   * Each workload's NetworkPolicy and the architecture diagram (docs/architecture.md) derive from it.
   */
  readonly lanes: readonly Lane[];

  constructor(app: App, config: BackendConfig) {
    const { sizing, judge0 } = config;
    const judge0InCluster = judge0.mode === 'cluster';

    this.cluster = new Chart(app, '1-cluster');
    // Only the Judge0 worker needs `privileged`; without it everything meets `restricted`.
    new CodeClashersNamespace(this.cluster, 'Namespace', { enforce: judge0InCluster ? 'privileged' : 'restricted' });
    if (config.storage.createClass) {
      new RetainedStorageClass(this.cluster, 'StorageClass', {
        name: config.storage.className,
        provisioner: config.storage.provisioner,
      });
    }

    this.stores = new Chart(app, '2-stores', { namespace: NAMESPACE });
    const mongodb = new MongoDbStore(this.stores, 'MongoDb', {
      sizing: sizing.MONGODB,
      storageClassName: config.storage.className,
      storageSize: config.storage.mongodbSize,
      tls: config.mongodb.tls,
    });
    const redis = new RedisStore(this.stores, 'Redis', {
      sizing: sizing.REDIS,
      storageClassName: config.storage.className,
      storageSize: config.storage.redisSize,
    });
    const postgres = judge0InCluster ? new Judge0Database(this.stores, 'Judge0Database', { sizing: sizing.POSTGRES }) : undefined;

    this.apps = new Chart(app, '3-apps', { namespace: NAMESPACE });
    const judge0Settings = postgres && { redis, postgres, limits: judge0.limits };
    const judge0Server = judge0Settings && new Judge0Server(this.apps, 'Judge0Server', { sizing: sizing.JUDGE0_SERVER, ...judge0Settings });
    const judge0Worker = judge0Settings && new Judge0Worker(this.apps, 'Judge0Worker', {
      sizing: sizing.JUDGE0_WORKER, workersPerPod: judge0.workersPerPod, ...judge0Settings,
    });
    let judge0Client: Judge0Client | undefined;
    if (judge0Server) {
      judge0Client = { url: `http://${judge0Server.service}:${judge0Server.port}`, authHeader: JUDGE0_AUTH_HEADER, tokenKey: 'INTERNAL_SERVICE_SECRET' };
    } else if (judge0.mode === 'external') {
      judge0Client = { url: judge0.url!, authHeader: judge0.authHeader, tokenKey: 'JUDGE0_API_KEY' };
    }
    const colyseus = new ColyseusGameServer(this.apps, 'Colyseus', {
      sizing: sizing.COLYSEUS,
      image: config.images.colyseus,
      matchSeconds: config.matchSeconds,
      redis,
      mongodb,
      judge0: judge0Client,
    });
    const bots = new BotService(this.apps, 'Bots', { sizing: sizing.BOTS, image: config.images.bots, colyseus, redis });

    // The lanes, by the workload that opens the connection.
    const [game, bot] = [colyseus.service, BotService.NAME];
    const externalJudge0: Outside | undefined = judge0.mode === 'external'
      ? { outside: `Judge0 at ${new URL(judge0.url!).host}`, peers: judge0.cidr ? [{ ipBlock: { cidr: judge0.cidr } }] : [PUBLIC_INTERNET] }
      : undefined;
    this.lanes = [
      { from: { outside: 'players' }, to: game, port: colyseus.port, why: 'WebSocket and matchmaking, from anywhere' },
      { from: game, to: redis.service, port: redis.port, why: 'presence, matchmaking, room forwarding table' },
      { from: game, to: mongodb.service, port: mongodb.port, why: 'players and match results' },
      ...(judge0Server ? [{ from: game, to: judge0Server.service, port: judge0Server.port, why: 'submissions to judge' }] : []),
      { from: game, to: game, port: colyseus.port, why: 'a WebSocket forwarded to the replica that holds its room' },
      { from: game, to: onInternet('S3'), port: 443, why: 'match artefacts' },
      ...(externalJudge0 ? [{ from: game, to: externalJudge0, port: portOf(judge0.url!), why: 'submissions to judge (K8S_JUDGE0_URL)' }] : []),
      { from: bot, to: game, port: colyseus.port, why: 'bots play duels like any client' },
      { from: bot, to: redis.service, port: redis.port, why: 'duels waiting for a bot' },
      { from: bot, to: onInternet('OpenAI'), port: 443, why: 'bot solutions' },
      ...[judge0Server, judge0Worker].filter(w => w !== undefined).flatMap(w => [
        { from: w.workload.name, to: redis.service, port: redis.port, why: 'submission queue' },
        { from: w.workload.name, to: postgres!.service, port: postgres!.port, why: 'submissions and languages' },
      ]),
      {
        from: { outside: 'MongoDB clients', peers: config.mongodbAllowedCidrs.map(cidr => ({ ipBlock: { cidr } })) },
        to: mongodb.service, port: mongodb.port, why: 'the frontend, through NodePort 32017 (K8S_MONGODB_ALLOWED_CIDRS)',
      },
    ];

    const workloads: [Construct, string][] = [
      [mongodb, mongodb.service], [redis, redis.service],
      ...(postgres ? [[postgres, postgres.service] as [Construct, string]] : []),
      ...[judge0Server, judge0Worker].filter(w => w !== undefined).map(w => [w, w.workload.name] as [Construct, string]),
      [colyseus, colyseus.service], [bots, bot],
    ];
    checkLanes(this.lanes, workloads.map(([, name]) => name));
    for (const [scope, name] of workloads) lanePolicy(scope, name, this.lanes);
  }
}
