import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { secretEnv } from './app-secrets';
import { Sizing } from './config';
import { Lane, allowTraffic, tcp } from './network';
import { labelsFor, selectorFor } from './labels';
import { MongoDbTlsMode, mongodTlsArgs, mongodTlsVolume, mongodbPingCommand } from './mongodb-tls';
import { rootCredentialFiles } from './mongodb-users';
import { HARDENED_CONTAINER, nonRootPod, resourceRequirements, scratchDirs, startupBudget } from './pod';

export const MONGODB_IMAGE = 'mongo:7.0.16';
export const MONGODB_PORT = 27017;
/** Port on the node for clients outside the cluster (the frontend's MONGODB_URI). */
export const MONGODB_NODE_PORT = 32017;
/** uid of the `mongodb` user in the official image; run as it directly instead of dropping from root. */
const MONGODB_UID = 999;

export interface MongoDbStoreProps {
  readonly sizing: Sizing;
  /** StorageClass of the data volume. */
  readonly storageClassName: string;
  /** Size of the data volume. */
  readonly storageSize: string;
  /** Source CIDRs allowed to reach the NodePort. */
  readonly allowedCidrs: readonly string[];
  /** Workloads in the namespace that may connect. */
  readonly clients: Lane['peers'];
  /** K8S_MONGODB_TLS (lib/mongodb-tls.ts). @default 'require' */
  readonly tls?: MongoDbTlsMode;
}

/**
 * MongoDB as a single standalone instance: StatefulSet `mongodb` with a persistent volume,
 * Service `mongodb` inside the cluster, NodePort 32017 for external clients.
 */
export class MongoDbStore extends Construct {
  static readonly NAME = 'mongodb';
  readonly statefulSet: k8s.KubeStatefulSet;

  constructor(scope: Construct, id: string, props: MongoDbStoreProps) {
    super(scope, id);
    const name = MongoDbStore.NAME;
    const labels = labelsFor(name, 'database');
    const selector = selectorFor(name);
    const scratch = scratchDirs({ configdb: '/data/configdb', tmp: '/tmp' });
    const tlsMode = props.tls ?? 'require';
    const tls = mongodTlsVolume(tlsMode);
    const root = rootCredentialFiles();
    // `ping` needs no authentication, so the probe holds no credentials; it connects as any client would (TLS, the CA).
    const ping: k8s.Probe = { exec: { command: mongodbPingCommand(tlsMode) }, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 };

    new k8s.KubeService(this, 'Headless', {
      metadata: { name: `${name}-headless`, labels },
      spec: { clusterIp: 'None', selector, ports: [{ name: 'mongodb', port: MONGODB_PORT }] },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: { selector, ports: [{ name: 'mongodb', port: MONGODB_PORT, targetPort: k8s.IntOrString.fromNumber(MONGODB_PORT) }] },
    });

    new k8s.KubeService(this, 'External', {
      metadata: { name: `${name}-external`, labels },
      spec: {
        type: 'NodePort',
        // Local keeps the client's source address, so the NetworkPolicy can allow by CIDR.
        externalTrafficPolicy: 'Local',
        selector,
        ports: [{ name: 'mongodb', port: MONGODB_PORT, targetPort: k8s.IntOrString.fromNumber(MONGODB_PORT), nodePort: MONGODB_NODE_PORT }],
      },
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name, labels },
      spec: {
        serviceName: `${name}-headless`,
        replicas: props.sizing.replicas,
        selector: { matchLabels: selector },
        // Deleting or scaling the StatefulSet never deletes the data volume.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: nonRootPod(MONGODB_UID),
            // mongod flushes and closes its journal on SIGTERM; give it time on a busy disk.
            terminationGracePeriodSeconds: 60,
            containers: [{
              name: 'mongodb',
              image: MONGODB_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              args: ['--bind_ip_all', ...mongodTlsArgs(tlsMode)],
              ports: [{ name: 'mongodb', containerPort: MONGODB_PORT }],
              env: [
                // Read by the image's entrypoint only on first start with an empty data dir; the
                // deploy's scripts read root's current password from the mounted files instead.
                secretEnv('MONGO_INITDB_ROOT_USERNAME', 'MONGODB_USERNAME'),
                secretEnv('MONGO_INITDB_ROOT_PASSWORD', 'MONGODB_PASSWORD'),
                // mongosh keeps history under $HOME; the image is read-only.
                { name: 'HOME', value: '/tmp' },
              ],
              resources: resourceRequirements(props.sizing.resources),
              securityContext: HARDENED_CONTAINER,
              volumeMounts: [{ name: 'data', mountPath: '/data/db' }, ...scratch.mounts, ...tls.mounts, ...root.mounts],
              startupProbe: startupBudget(ping, 300),
              readinessProbe: ping,
              livenessProbe: { ...ping, periodSeconds: 20, failureThreshold: 6 },
            }],
            volumes: [...scratch.volumes, ...tls.volumes, ...root.volumes],
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

    allowTraffic(this, {
      name,
      ingress: [
        { peers: props.clients, ports: [tcp(MONGODB_PORT)] },
        { peers: props.allowedCidrs.map(cidr => ({ ipBlock: { cidr } })), ports: [tcp(MONGODB_PORT)] },
      ],
    });
  }
}
