import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { secretEnv } from './app-secrets';
import { Sizing } from './config';
import { Lane, allowTraffic, tcp } from './network';
import { labelsFor, selectorFor } from './labels';
import { HARDENED_CONTAINER, execProbe, nonRootPod, resourceRequirements, scratchDirs, startupBudget } from './pod';
import { parseQuantity } from './quantity';

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
  /** Workloads that may connect. */
  readonly clients: Lane['peers'];
}

/**
 * Redis as a single instance: StatefulSet `redis` with append-only persistence, password auth
 * and `noeviction` (it holds the matchmaking and Judge0 queues, which must never be evicted).
 */
export class RedisStore extends Construct {
  static readonly NAME = 'redis';
  readonly statefulSet: k8s.KubeStatefulSet;

  constructor(scope: Construct, id: string, props: RedisStoreProps) {
    super(scope, id);
    const name = RedisStore.NAME;
    const labels = labelsFor(name, 'cache');
    const selector = selectorFor(name);
    const scratch = scratchDirs({ config: '/etc/redis' });
    // Writes fail cleanly at 80% of the limit instead of the kernel OOM-killing the process.
    const maxmemory = Math.floor(parseQuantity(props.sizing.resources.limits.memory) * 0.8);
    // The password goes into a config file on a scratch volume, never into argv (visible in ps).
    const start = [
      'umask 077',
      `printf 'requirepass "%s"\\n' "$REDIS_PASSWORD" > /etc/redis/redis.conf`,
      `exec redis-server /etc/redis/redis.conf --dir /data --appendonly yes --appendfsync everysec`
        + ` --maxmemory ${maxmemory} --maxmemory-policy noeviction`,
    ].join('\n');
    // REDISCLI_AUTH lets redis-cli authenticate without the password on its command line.
    const ping = execProbe('redis-cli ping | grep -q PONG');

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: { selector, ports: [{ name: 'redis', port: REDIS_PORT, targetPort: k8s.IntOrString.fromNumber(REDIS_PORT) }] },
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name, labels },
      spec: {
        serviceName: name,
        replicas: props.sizing.replicas,
        selector: { matchLabels: selector },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: nonRootPod(REDIS_UID),
            terminationGracePeriodSeconds: 30,
            containers: [{
              name: 'redis',
              image: REDIS_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', start],
              ports: [{ name: 'redis', containerPort: REDIS_PORT }],
              env: [secretEnv('REDIS_PASSWORD'), secretEnv('REDISCLI_AUTH', 'REDIS_PASSWORD')],
              resources: resourceRequirements(props.sizing.resources),
              securityContext: HARDENED_CONTAINER,
              volumeMounts: [{ name: 'data', mountPath: '/data' }, ...scratch.mounts],
              // Replaying a large append-only file can take a while.
              startupProbe: startupBudget(ping, 120),
              readinessProbe: ping,
              livenessProbe: { ...ping, periodSeconds: 20 },
            }],
            volumes: scratch.volumes,
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data', labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: props.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize) } },
          },
        }],
      },
    });

    allowTraffic(this, { name, ingress: [{ peers: props.clients, ports: [tcp(REDIS_PORT)] }] });
  }
}
