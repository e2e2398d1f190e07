import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { type SecretKey, secretEnv } from './app-secrets';
import { type Endpoint } from './network';
import { IMAGE_PULL_SECRET, labelsFor } from './labels';
import { type MongoDbEndpoint, mongodbClientTls } from './mongodb-tls';
import { APP_DATABASE, colyseusCredentialEnv } from './mongodb-users';
import { HARDENED_CONTAINER, NODE_UID, type Sizing, httpProbe, nonRootPod, resourceRequirements, scratchDirs } from './pod';
import { StatelessDeployment } from './stateless-deployment';

export const COLYSEUS_PORT = 2567;
/** Seconds between the pod leaving the Service and the process being told to stop. */
const ENDPOINT_DELAY_SECONDS = 5;

export interface ColyseusGameServerProps {
  readonly sizing: Sizing;
  readonly image: string;
  /** Longest match. The process drains that long on shutdown (plus a margin). */
  readonly matchSeconds: number;
  readonly redis: Endpoint;
  /** MongoDB; Colyseus connects with TLS and the CA whenever it speaks TLS. */
  readonly mongodb: MongoDbEndpoint;
  /** The Judge0 that judges submissions. @default none: the game server tells players nothing is judged */
  readonly judge0?: Judge0Client;
}

/** How Colyseus calls Judge0. */
export interface Judge0Client {
  /** API base URL. */
  readonly url: string;
  /** Header the token is sent in. */
  readonly authHeader: string;
  /** Key of app-secrets that holds the token. */
  readonly tokenKey: SecretKey;
}

/**
 * The Colyseus game server: Deployment and LoadBalancer Service `colyseus` on 2567.
 *
 * Any replica accepts any client: each pod registers its address (POD_IP) in Redis and forwards
 * a WebSocket for a room it does not hold to the pod that holds it (backend/colyseus/README.md),
 * so a plain LoadBalancer in front of 2+ replicas works and pods reach each other on 2567.
 */
export class ColyseusGameServer extends Construct implements Endpoint {
  static readonly NAME = 'colyseus';
  readonly service = ColyseusGameServer.NAME;
  readonly port = COLYSEUS_PORT;
  readonly workload: StatelessDeployment;

  constructor(scope: Construct, id: string, props: ColyseusGameServerProps) {
    super(scope, id);
    const name = ColyseusGameServer.NAME;
    const scratch = scratchDirs({ tmp: '/tmp' });
    const mongodbTls = mongodbClientTls(props.mongodb.tls);

    this.workload = new StatelessDeployment(this, 'Workload', {
      name,
      component: 'game-server',
      replicas: props.sizing.replicas,
      podSpec: {
        securityContext: nonRootPod(NODE_UID),
        imagePullSecrets: [{ name: IMAGE_PULL_SECRET }],
        // On SIGTERM the server stops taking matches and lets live ones play to their end.
        terminationGracePeriodSeconds: props.matchSeconds + 60,
        containers: [{
          name: 'colyseus',
          image: props.image,
          imagePullPolicy: 'IfNotPresent',
          ports: [{ name: 'http', containerPort: COLYSEUS_PORT }],
          env: [
            { name: 'NODE_ENV', value: 'production' },
            { name: 'PORT', value: String(COLYSEUS_PORT) },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            secretEnv('REDIS_PASSWORD'),
            // $(VAR) is expanded by the kubelet from the variables above: no value in the manifest.
            { name: 'REDIS_URL', value: `redis://:$(REDIS_PASSWORD)@${props.redis.service}:${props.redis.port}/0` },
            // Its own readWrite-on-codeclashers user (lib/mongodb-users.ts), never root.
            ...colyseusCredentialEnv(),
            {
              name: 'MONGODB_URI',
              value: `mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@${props.mongodb.service}:${props.mongodb.port}/${APP_DATABASE}?authSource=${APP_DATABASE}${mongodbTls.uriOptions}`,
            },
            ...(props.judge0 ? [
              { name: 'JUDGE0_URL', value: props.judge0.url },
              { name: 'JUDGE0_AUTH_HEADER', value: props.judge0.authHeader },
              secretEnv('JUDGE0_AUTH_TOKEN', props.judge0.tokenKey),
            ] : []),
            secretEnv('INTERNAL_SERVICE_SECRET'),
            secretEnv('COLYSEUS_RESERVATION_SECRET'),
            secretEnv('BOT_SERVICE_SECRET'),
            secretEnv('AWS_ACCESS_KEY_ID'),
            secretEnv('AWS_SECRET_ACCESS_KEY'),
            secretEnv('S3_BUCKET_NAME'),
            secretEnv('AWS_REGION'),
            { name: 'MATCH_SECONDS', value: String(props.matchSeconds) },
          ],
          resources: resourceRequirements(props.sizing.resources),
          securityContext: HARDENED_CONTAINER,
          volumeMounts: [...scratch.mounts, ...mongodbTls.mounts],
          // Start-up waits for Redis, which may still be replaying its append-only file after a
          // node restart (answering LOADING): 180 s before the kubelet restarts it.
          startupProbe: { ...httpProbe('/healthz', COLYSEUS_PORT), periodSeconds: 2, failureThreshold: 90 },
          // 503 while draining or while Redis is unreachable: no new matches land here.
          readinessProbe: httpProbe('/readyz', COLYSEUS_PORT, { periodSeconds: 5, failureThreshold: 2 }),
          livenessProbe: httpProbe('/healthz', COLYSEUS_PORT, { periodSeconds: 15 }),
          // Give the Service time to drop this pod before the process starts refusing matchmaking.
          lifecycle: { preStop: { exec: { command: ['sleep', String(ENDPOINT_DELAY_SECONDS)] } } },
        }],
        volumes: [...scratch.volumes, ...mongodbTls.volumes],
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels: labelsFor(name, 'game-server') },
      spec: {
        type: 'LoadBalancer',
        // Keeps players' source addresses (rate limits, logs); there is one node anyway.
        externalTrafficPolicy: 'Local',
        selector: this.workload.selector,
        ports: [{ name: 'http', port: COLYSEUS_PORT, targetPort: k8s.IntOrString.fromNumber(COLYSEUS_PORT) }],
      },
    });

  }
}
