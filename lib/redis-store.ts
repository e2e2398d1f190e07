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
/**
 * Secret the deploy owns (never in dist/) holding the password Redis accepted before a
 * rotation, key REDIS_PASSWORD_PREVIOUS, until no pod started with it is left.
 */
export const REDIS_PREVIOUS_PASSWORD_SECRET = 'redis-password-previous';
export const REDIS_PREVIOUS_PASSWORD_KEY = 'REDIS_PASSWORD_PREVIOUS';

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
    // The passwords go into a config file on a scratch volume, never into argv (visible in ps).
    // An ACL line, not `requirepass` (which sets exactly one password of the default user):
    // during a rotation Redis restarts with the new password and the previous one, because
    // pods still draining hold the previous one in their environment, which Redis reads only
    // at start. The deploy drops the previous one (`ACL SETUSER default !<sha256>`) once no pod
    // has it (https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/).
    const start = [
      'umask 077',
      // A previous value with `"` or `\` never worked (Redis' config parser ends the string at a
      // quote and unescapes backslashes), so no pod can hold it: skipped rather than fatal.
      'previous=""',
      `case "$${REDIS_PREVIOUS_PASSWORD_KEY}" in ''|"$REDIS_PASSWORD"|*'"'*|*'\\'*) ;; *) previous=$(printf ' ">%s"' "$${REDIS_PREVIOUS_PASSWORD_KEY}") ;; esac`,
      `printf 'user default on resetpass ">%s"%s ~* &* +@all\\n' "$REDIS_PASSWORD" "$previous" > /etc/redis/redis.conf`,
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
        env: [
          secretEnv('REDIS_PASSWORD'), secretEnv('REDISCLI_AUTH', 'REDIS_PASSWORD'),
          // Absent outside a rotation: an optional reference leaves the variable unset.
          { name: REDIS_PREVIOUS_PASSWORD_KEY, valueFrom: { secretKeyRef: { name: REDIS_PREVIOUS_PASSWORD_SECRET, key: REDIS_PREVIOUS_PASSWORD_KEY, optional: true } } },
        ],
      },
      // Ready (in the Service) only when it answers PONG. While it replays the append-only file
      // it answers every command with `LOADING` (redis src/server.c, processCommand): alive, so
      // the start-up and liveness probes accept that and a long load is never killed.
      probe: execProbe('redis-cli ping | grep -q PONG'),
      aliveProbe: execProbe('redis-cli ping | grep -qE "PONG|LOADING"'),
      // Starting: the process answers at all; a long load is alive (above), not a start-up.
      startupSeconds: 120,
    });
    this.service = this.store.service;
    this.port = this.store.port;
  }
}

/** The one Redis pod (a single instance): the deploy drops the previous password through it. */
export const REDIS_POD = `${RedisStore.NAME}-0`;
