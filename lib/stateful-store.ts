import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { labelsFor, selectorFor } from './labels';
import { type Endpoint } from './network';
import { HARDENED_CONTAINER, type Sizing, nonRootPod, resourceRequirements, scratchDirs, startupBudget } from './pod';

export interface StatefulStoreProps {
  /** Name of the StatefulSet, its Service, container and selector label. */
  readonly name: string;
  /** `app.kubernetes.io/component` label. */
  readonly component: string;
  /** Official image, pinned. */
  readonly image: string;
  /** The one port clients use. */
  readonly port: number;
  /** uid the image's own user has; the pod runs as it directly (never root, no gosu). */
  readonly uid: number;
  readonly sizing: Sizing;
  /** StorageClass of the data volume. */
  readonly storageClassName: string;
  /** Size of the data volume. */
  readonly storageSize: string;
  /** Where the data volume is mounted. */
  readonly dataPath: string;
  /** Writable scratch directories for the read-only image, name -> path. @default none */
  readonly scratch?: Record<string, string>;
  /** Volumes mounted into the store's container besides its data and scratch (Secrets). @default none */
  readonly mounted?: readonly { readonly volumes: k8s.Volume[]; readonly mounts: k8s.VolumeMount[] }[];
  /** The store's own container settings. */
  readonly container: Pick<k8s.Container, 'command' | 'args' | 'env'>;
  /** Readiness check; liveness runs it every 20 s. */
  readonly probe: k8s.Probe;
  /**
   * Start-up and liveness check when "alive" is less than "ready" (Redis loading its
   * append-only file answers, but not yet PONG). @default probe
   */
  readonly aliveProbe?: k8s.Probe;
  /** Consecutive liveness failures before a restart. @default 3 */
  readonly livenessFailureThreshold?: number;
  /** Seconds a first start (or a long recovery) may take before liveness applies. */
  readonly startupSeconds: number;
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Govern the StatefulSet with a headless Service `<name>-headless` (else the ClusterIP
   * Service). `serviceName` is immutable: never change it for a deployed store. @default false
   */
  readonly headless?: boolean;
}

/**
 * One standalone store instance: StatefulSet with a retained claim template (`data`), a
 * ClusterIP Service on its port, and the hardened pod every store shares (its image's uid,
 * read-only root, no token). Shared by MongoDbStore and RedisStore.
 */
export class StatefulStore extends Construct implements Endpoint {
  readonly service: string;
  readonly port: number;
  readonly statefulSet: k8s.KubeStatefulSet;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: StatefulStoreProps) {
    super(scope, id);
    const { name, port } = props;
    this.service = name;
    this.port = port;
    this.labels = labelsFor(name, props.component);
    this.selector = selectorFor(name);
    const scratch = scratchDirs(props.scratch ?? {});
    const mounted = props.mounted ?? [];
    const servicePort = { name, port, targetPort: k8s.IntOrString.fromNumber(port) };

    if (props.headless) {
      new k8s.KubeService(this, 'Headless', {
        metadata: { name: `${name}-headless`, labels: this.labels },
        spec: { clusterIp: 'None', selector: this.selector, ports: [{ name, port }] },
      });
    }
    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels: this.labels },
      spec: { selector: this.selector, ports: [servicePort] },
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name, labels: this.labels },
      spec: {
        serviceName: props.headless ? `${name}-headless` : name,
        replicas: props.sizing.replicas,
        selector: { matchLabels: this.selector },
        // Deleting or scaling the StatefulSet never deletes the data volume.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels: this.labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: nonRootPod(props.uid),
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 30,
            containers: [{
              name,
              image: props.image,
              imagePullPolicy: 'IfNotPresent',
              ...props.container,
              ports: [{ name, containerPort: port }],
              resources: resourceRequirements(props.sizing.resources),
              securityContext: HARDENED_CONTAINER,
              volumeMounts: [{ name: 'data', mountPath: props.dataPath }, ...scratch.mounts, ...mounted.flatMap(m => m.mounts)],
              startupProbe: startupBudget(props.aliveProbe ?? props.probe, props.startupSeconds),
              readinessProbe: props.probe,
              livenessProbe: { ...(props.aliveProbe ?? props.probe), periodSeconds: 20, ...(props.livenessFailureThreshold ? { failureThreshold: props.livenessFailureThreshold } : {}) },
            }],
            volumes: [...scratch.volumes, ...mounted.flatMap(m => m.volumes)],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data', labels: this.labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: props.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(props.storageSize) } },
          },
        }],
      },
    });
  }
}
