import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { secretEnv } from './app-secrets';
import { Sizing } from './config';
import { Judge0Server } from './judge0-server';
import { JUDGE0_PORT } from './judge0-settings';
import { PUBLIC_INTERNET, allowTraffic, podsOf, tcp } from './network';
import { MONGODB_PORT, MongoDbStore } from './mongodb-store';
import { MongoDbTlsMode, mongodbClientTls } from './mongodb-tls';
import { APP_DATABASE, colyseusCredentialEnv } from './mongodb-users';
import { labelsFor } from './labels';
import { HARDENED_CONTAINER, httpProbe, nonRootPod, resourceRequirements, scratchDirs } from './pod';
import { REDIS_PORT, RedisStore } from './redis-store';
import { StatelessDeployment } from './stateless-deployment';

export const COLYSEUS_PORT = 2567;
/** uid of the `node` user in the official Node images the backend Dockerfiles build on. */
export const NODE_UID = 1000;
/** Pull credential for the GHCR images; created by the deploy script (a missing one is only a warning). */
export const IMAGE_PULL_SECRET = 'ghcr-pull';
/** Seconds between the pod leaving the Service and the process being told to stop. */
const ENDPOINT_DELAY_SECONDS = 5;

export interface ColyseusGameServerProps {
  readonly sizing: Sizing;
  readonly image: string;
  /** Longest match. The process drains that long on shutdown (plus a margin). */
  readonly matchSeconds: number;
  /** Judge0 API base URL. @default none: submissions cannot be judged */
  readonly judge0Url?: string;
  /** K8S_MONGODB_TLS: whether Colyseus connects to MongoDB with TLS and the CA. @default 'require' */
  readonly mongodbTls?: MongoDbTlsMode;
}

/**
 * The Colyseus game server: Deployment and LoadBalancer Service `colyseus` on 2567.
 *
 * Any replica accepts any client: each pod registers its address (POD_IP) in Redis and forwards
 * a WebSocket for a room it does not hold to the pod that holds it (backend/colyseus/README.md),
 * so a plain LoadBalancer in front of 2+ replicas works and pods reach each other on 2567.
 */
export class ColyseusGameServer extends Construct {
  static readonly NAME = 'colyseus';
  readonly workload: StatelessDeployment;

  constructor(scope: Construct, id: string, props: ColyseusGameServerProps) {
    super(scope, id);
    const name = ColyseusGameServer.NAME;
    const scratch = scratchDirs({ tmp: '/tmp' });
    const mongodbTls = mongodbClientTls(props.mongodbTls ?? 'require');

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
            { name: 'REDIS_URL', value: `redis://:$(REDIS_PASSWORD)@${RedisStore.NAME}:${REDIS_PORT}/0` },
            // Its own readWrite-on-codeclashers user (lib/mongodb-users.ts), never root.
            ...colyseusCredentialEnv(),
            {
              name: 'MONGODB_URI',
              value: `mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@${MongoDbStore.NAME}:${MONGODB_PORT}/${APP_DATABASE}?authSource=${APP_DATABASE}${mongodbTls.uriOptions}`,
            },
            ...(props.judge0Url ? [{ name: 'JUDGE0_URL', value: props.judge0Url }] : []),
            secretEnv('JUDGE0_AUTH_TOKEN', 'INTERNAL_SERVICE_SECRET'),
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
          startupProbe: { ...httpProbe('/healthz', COLYSEUS_PORT), periodSeconds: 2, failureThreshold: 30 },
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

    allowTraffic(this, {
      name,
      ingress: [
        // Players from anywhere (WebSocket and matchmaking HTTP).
        { ports: [tcp(COLYSEUS_PORT)] },
      ],
      egress: [
        { peers: [podsOf(RedisStore.NAME)], ports: [tcp(REDIS_PORT)] },
        { peers: [podsOf(MongoDbStore.NAME)], ports: [tcp(MONGODB_PORT)] },
        { peers: [podsOf(Judge0Server.NAME)], ports: [tcp(JUDGE0_PORT)] },
        // Forwarding a WebSocket to the replica that holds the room.
        { peers: [podsOf(name)], ports: [tcp(COLYSEUS_PORT)] },
        // S3 for match artefacts.
        { peers: [PUBLIC_INTERNET], ports: [tcp(443)] },
      ],
    });
  }
}
