import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { type MongoDbEndpoint, type MongoDbTlsMode, mongodTlsArgs, mongodTlsVolume, mongodbPingCommand } from './mongodb-tls';
import { ROOT_PASSWORD_FILE, ROOT_USERNAME_FILE, rootCredentialFiles } from './mongodb-users';
import { type Sizing } from './pod';
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
  /** K8S_MONGODB_TLS (lib/mongodb-tls.ts). @default 'require' */
  readonly tls?: MongoDbTlsMode;
}

/**
 * MongoDB as a single standalone instance: StatefulSet `mongodb` with a persistent volume,
 * Service `mongodb` inside the cluster, NodePort 32017 for external clients (who may connect
 * is the backend's lane table: K8S_MONGODB_ALLOWED_CIDRS). TLS per K8S_MONGODB_TLS with the
 * certificates the deploy keeps in Secrets (lib/mongodb-tls.ts).
 */
export class MongoDbStore extends Construct implements MongoDbEndpoint {
  static readonly NAME = 'mongodb';
  readonly service: string;
  readonly port: number;
  readonly tls: MongoDbTlsMode;
  readonly store: StatefulStore;

  constructor(scope: Construct, id: string, props: MongoDbStoreProps) {
    super(scope, id);
    const name = MongoDbStore.NAME;
    const tlsMode = this.tls = props.tls ?? 'require';
    // `ping` needs no authentication, so the probe holds no credentials; it connects as any
    // client would (TLS and the CA when TLS is on). The deploy's health check runs this probe.
    const ping: k8s.Probe = { exec: { command: mongodbPingCommand(tlsMode) }, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 };

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
        args: ['--bind_ip_all', ...mongodTlsArgs(tlsMode)],
        env: [
          // Root's login, read by the image's entrypoint from the mounted Secret files (its
          // file_env, docker-library/mongo docker-entrypoint.sh): it creates root only on first
          // start with an empty data dir, and turns on --auth on every start. Files, not
          // secretKeyRef: a pod's environment is fixed at its start, the files follow the Secret,
          // so a root password change (made in MongoDB by the deploy) restarts nothing.
          { name: 'MONGO_INITDB_ROOT_USERNAME_FILE', value: ROOT_USERNAME_FILE },
          { name: 'MONGO_INITDB_ROOT_PASSWORD_FILE', value: ROOT_PASSWORD_FILE },
          // mongosh keeps history under $HOME; the image is read-only.
          { name: 'HOME', value: '/tmp' },
        ],
      },
      mounted: [mongodTlsVolume(tlsMode), rootCredentialFiles()],
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
