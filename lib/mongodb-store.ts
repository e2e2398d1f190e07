import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { secretEnv } from './app-secrets';
import { type Endpoint } from './network';
import { type Sizing, execProbe } from './pod';
import { StatefulStore } from './stateful-store';

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
}

/**
 * MongoDB as a single standalone instance: StatefulSet `mongodb` with a persistent volume,
 * Service `mongodb` inside the cluster, NodePort 32017 for external clients (who may connect
 * is the backend's lane table: K8S_MONGODB_ALLOWED_CIDRS).
 */
export class MongoDbStore extends Construct implements Endpoint {
  static readonly NAME = 'mongodb';
  readonly service: string;
  readonly port: number;
  readonly store: StatefulStore;

  constructor(scope: Construct, id: string, props: MongoDbStoreProps) {
    super(scope, id);
    const name = MongoDbStore.NAME;
    // `ping` needs no authentication, so the probe holds no credentials.
    const ping = execProbe('mongosh --quiet --norc --eval "quit(db.adminCommand({ ping: 1 }).ok ? 0 : 1)"', { timeoutSeconds: 10 });

    this.store = new StatefulStore(this, 'Store', {
      name,
      component: 'database',
      image: MONGODB_IMAGE,
      port: MONGODB_PORT,
      uid: MONGODB_UID,
      sizing: props.sizing,
      storageClassName: props.storageClassName,
      storageSize: props.storageSize,
      dataPath: '/data/db',
      scratch: { configdb: '/data/configdb', tmp: '/tmp' },
      headless: true,
      container: {
        args: ['--bind_ip_all'],
        env: [
          // Read by the image's entrypoint only on first start with an empty data dir.
          secretEnv('MONGO_INITDB_ROOT_USERNAME', 'MONGODB_USERNAME'),
          secretEnv('MONGO_INITDB_ROOT_PASSWORD', 'MONGODB_PASSWORD'),
          // mongosh keeps history under $HOME; the image is read-only.
          { name: 'HOME', value: '/tmp' },
        ],
      },
      probe: ping,
      livenessFailureThreshold: 6,
      startupSeconds: 300,
      // mongod flushes and closes its journal on SIGTERM; give it time on a busy disk.
      terminationGracePeriodSeconds: 60,
    });
    this.service = this.store.service;
    this.port = this.store.port;

    new k8s.KubeService(this, 'External', {
      metadata: { name: `${name}-external`, labels: this.store.labels },
      spec: {
        type: 'NodePort',
        // Local keeps the client's source address, so the NetworkPolicy can allow by CIDR.
        externalTrafficPolicy: 'Local',
        selector: this.store.selector,
        ports: [{ name, port: MONGODB_PORT, targetPort: k8s.IntOrString.fromNumber(MONGODB_PORT), nodePort: MONGODB_NODE_PORT }],
      },
    });
  }
}
