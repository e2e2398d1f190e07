import { Construct } from 'constructs';
import { secretEnv } from './app-secrets';
import { type Endpoint } from './network';
import { IMAGE_PULL_SECRET } from './labels';
import { HARDENED_CONTAINER, NODE_UID, type Sizing, httpProbe, nonRootPod, resourceRequirements, scratchDirs } from './pod';
import { StatelessDeployment } from './stateless-deployment';

/** Port of the bot service's /healthz and /readyz (nothing else connects to it). */
export const BOTS_HEALTH_PORT = 3000;

export interface BotServiceProps {
  readonly sizing: Sizing;
  readonly image: string;
  /** The game server the bots play on. */
  readonly colyseus: Endpoint;
  readonly redis: Endpoint;
}

/**
 * The bot service: Deployment `bots`. Bots join duels where a human waited alone, through
 * the Colyseus Service like any player; they need no Service of their own.
 */
export class BotService extends Construct {
  static readonly NAME = 'bots';
  readonly workload: StatelessDeployment;

  constructor(scope: Construct, id: string, props: BotServiceProps) {
    super(scope, id);
    const name = BotService.NAME;
    const scratch = scratchDirs({ tmp: '/tmp' });

    this.workload = new StatelessDeployment(this, 'Workload', {
      name,
      component: 'bots',
      replicas: props.sizing.replicas,
      podSpec: {
        securityContext: nonRootPod(NODE_UID),
        imagePullSecrets: [{ name: IMAGE_PULL_SECRET }],
        // Forfeiting is quick; this covers a bot mid-submission.
        terminationGracePeriodSeconds: 60,
        containers: [{
          name: 'bots',
          image: props.image,
          imagePullPolicy: 'IfNotPresent',
          ports: [{ name: 'health', containerPort: BOTS_HEALTH_PORT }],
          env: [
            { name: 'NODE_ENV', value: 'production' },
            { name: 'PORT', value: String(BOTS_HEALTH_PORT) },
            { name: 'COLYSEUS_URL', value: `ws://${props.colyseus.service}:${props.colyseus.port}` },
            secretEnv('REDIS_PASSWORD'),
            { name: 'REDIS_URL', value: `redis://:$(REDIS_PASSWORD)@${props.redis.service}:${props.redis.port}/0` },
            secretEnv('BOT_SERVICE_SECRET'),
            secretEnv('OPENAI_API_KEY'),
          ],
          resources: resourceRequirements(props.sizing.resources),
          securityContext: HARDENED_CONTAINER,
          volumeMounts: scratch.mounts,
          startupProbe: { ...httpProbe('/healthz', BOTS_HEALTH_PORT), periodSeconds: 2, failureThreshold: 30 },
          readinessProbe: httpProbe('/readyz', BOTS_HEALTH_PORT, { periodSeconds: 5 }),
          livenessProbe: httpProbe('/healthz', BOTS_HEALTH_PORT, { periodSeconds: 15 }),
        }],
        volumes: scratch.volumes,
      },
    });

  }
}
