import { App, Chart } from 'cdk8s';
import { BotService } from './bot-service';
import { ColyseusGameServer } from './colyseus-game-server';
import { CodeClashersNamespace } from './codeclashers-namespace';
import { BackendConfig } from './config';
import { Judge0Database } from './judge0-database';
import { Judge0Server } from './judge0-server';
import { JUDGE0_PORT } from './judge0-settings';
import { Judge0Worker } from './judge0-worker';
import { MongoDbStore } from './mongodb-store';
import { podsOf } from './network';
import { NAMESPACE } from './labels';
import { RedisStore } from './redis-store';
import { RetainedStorageClass } from './retained-storage-class';

/**
 * The whole CodeClashers backend, as three charts whose files sort in the order they must be
 * applied: `1-cluster` (namespace, storage class, network baseline), `2-stores` (MongoDB, Redis,
 * PostgreSQL) and `3-apps` (Judge0, Colyseus, bots).
 */
export class CodeClashersBackend {
  readonly cluster: Chart;
  readonly stores: Chart;
  readonly apps: Chart;

  constructor(app: App, config: BackendConfig) {
    const { sizing } = config;
    const judge0 = config.judge0.enabled;

    this.cluster = new Chart(app, '1-cluster');
    new CodeClashersNamespace(this.cluster, 'Namespace', { enforce: judge0 ? 'privileged' : 'restricted' });
    if (config.storage.createClass) {
      new RetainedStorageClass(this.cluster, 'StorageClass', {
        name: config.storage.className,
        provisioner: config.storage.provisioner,
      });
    }

    this.stores = new Chart(app, '2-stores', { namespace: NAMESPACE });
    new MongoDbStore(this.stores, 'MongoDb', {
      sizing: sizing.MONGODB,
      storageClassName: config.storage.className,
      storageSize: config.storage.mongodbSize,
      allowedCidrs: config.mongodbAllowedCidrs,
      clients: [podsOf(ColyseusGameServer.NAME)],
      tls: config.mongodb.tls,
    });
    new RedisStore(this.stores, 'Redis', {
      sizing: sizing.REDIS,
      storageClassName: config.storage.className,
      storageSize: config.storage.redisSize,
      clients: [ColyseusGameServer.NAME, BotService.NAME, ...(judge0 ? [Judge0Server.NAME, Judge0Worker.NAME] : [])].map(podsOf),
    });
    if (judge0) {
      new Judge0Database(this.stores, 'Judge0Database', {
        sizing: sizing.POSTGRES,
        clients: [podsOf(Judge0Server.NAME), podsOf(Judge0Worker.NAME)],
      });
    }

    this.apps = new Chart(app, '3-apps', { namespace: NAMESPACE });
    if (judge0) {
      new Judge0Server(this.apps, 'Judge0Server', { sizing: sizing.JUDGE0_SERVER, clients: [podsOf(ColyseusGameServer.NAME)] });
      new Judge0Worker(this.apps, 'Judge0Worker', { sizing: sizing.JUDGE0_WORKER, workersPerPod: config.judge0.workersPerPod });
    }
    new ColyseusGameServer(this.apps, 'Colyseus', {
      sizing: sizing.COLYSEUS,
      image: config.images.colyseus,
      matchSeconds: config.matchSeconds,
      judge0Url: judge0 ? `http://${Judge0Server.NAME}:${JUDGE0_PORT}` : undefined,
      mongodbTls: config.mongodb.tls,
    });
    new BotService(this.apps, 'Bots', { sizing: sizing.BOTS, image: config.images.bots });
  }
}
