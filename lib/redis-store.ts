import { Construct } from 'constructs';
import { secretEnv } from './app-secrets';
import { type Endpoint } from './network';
import { type Sizing, execProbe } from './pod';
import { parseQuantity } from './quantity';
import { StatefulStore } from './stateful-store';

export const REDIS_IMAGE = 'redis:7.2.7';
export const REDIS_PORT = 6379;
/** uid of the `redis` user in the official image. */
const REDIS_UID = 999;

export interface RedisStoreProps {
  readonly sizing: Sizing;
  /** StorageClass of the append-only-file volume. */
  readonly storageClassName: string;
  /** Size of that volume. */
  readonly storageSize: string;
}

/**
 * Redis as a single instance: StatefulSet `redis` with append-only persistence, password auth
 * and `noeviction` (it holds the matchmaking and Judge0 queues, which must never be evicted).
 */
export class RedisStore extends Construct implements Endpoint {
  static readonly NAME = 'redis';
  readonly service: string;
  readonly port: number;
  readonly store: StatefulStore;

  constructor(scope: Construct, id: string, props: RedisStoreProps) {
    super(scope, id);
    // Writes fail cleanly at 80% of the limit instead of the kernel OOM-killing the process.
    const maxmemory = Math.floor(parseQuantity(props.sizing.resources.limits.memory) * 0.8);
    // The password goes into a config file on a scratch volume, never into argv (visible in ps).
    const start = [
      'umask 077',
      `printf 'requirepass "%s"\\n' "$REDIS_PASSWORD" > /etc/redis/redis.conf`,
      `exec redis-server /etc/redis/redis.conf --dir /data --appendonly yes --appendfsync everysec`
        + ` --maxmemory ${maxmemory} --maxmemory-policy noeviction`,
    ].join('\n');

    this.store = new StatefulStore(this, 'Store', {
      name: RedisStore.NAME,
      component: 'cache',
      image: REDIS_IMAGE,
      port: REDIS_PORT,
      uid: REDIS_UID,
      sizing: props.sizing,
      storageClassName: props.storageClassName,
      storageSize: props.storageSize,
      dataPath: '/data',
      scratch: { config: '/etc/redis' },
      container: {
        command: ['sh', '-c', start],
        // REDISCLI_AUTH lets redis-cli authenticate without the password on its command line.
        env: [secretEnv('REDIS_PASSWORD'), secretEnv('REDISCLI_AUTH', 'REDIS_PASSWORD')],
      },
      probe: execProbe('redis-cli ping | grep -q PONG'),
      // Replaying a large append-only file can take a while.
      startupSeconds: 120,
    });
    this.service = this.store.service;
    this.port = this.store.port;
  }
}
