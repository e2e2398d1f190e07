// Building blocks every workload shares: hardened security contexts, writable scratch
// directories, resources and probes (names and labels: labels.ts). The policy plugin (policy/) checks the output of these.
import * as k8s from '../imports/k8s';

/** CPU and memory requests and limits of one container, as Kubernetes quantities. */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** How many pods of a workload run, and how large each is. */
export interface Sizing {
  readonly replicas: number;
  readonly resources: Resources;
}

/** uid of the `node` user in the official Node images the backend Dockerfiles build on. */
export const NODE_UID = 1000;

/** Pod-level security for a workload that runs as `uid` (never root). */
export function nonRootPod(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    // Only chown volumes whose root does not already match: fast restarts on big volumes.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security: no privileges, no capabilities, read-only image. */
export const HARDENED_CONTAINER: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/**
 * Writable scratch directories for a read-only image: an emptyDir per path. In memory (tmpfs),
 * since some hold rendered config with secrets (Redis, Judge0) that must never touch the disk.
 */
export function scratchDirs(paths: Record<string, string>): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  const entries = Object.entries(paths);
  return {
    volumes: entries.map(([name]) => ({ name, emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('64Mi') } })),
    mounts: entries.map(([name, mountPath]) => ({ name, mountPath })),
  };
}

/** Resource requirements in the API's types. */
export function resourceRequirements(resources: Resources): k8s.ResourceRequirements {
  const q = (v: string) => k8s.Quantity.fromString(v);
  return {
    requests: { cpu: q(resources.requests.cpu), memory: q(resources.requests.memory) },
    limits: { cpu: q(resources.limits.cpu), memory: q(resources.limits.memory) },
  };
}

/** Probe timings. */
export interface ProbeTiming {
  /** Seconds between checks. @default 10 */
  readonly periodSeconds?: number;
  /** Seconds one check may take. @default 5 */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before it counts. @default 3 */
  readonly failureThreshold?: number;
}

/** Runs `script` with sh inside the container; exit 0 is healthy. */
export function execProbe(script: string, timing: ProbeTiming = {}): k8s.Probe {
  return { exec: { command: ['sh', '-c', script] }, ...withDefaults(timing) };
}

/** GET `path` on `port`; 2xx/3xx is healthy. */
export function httpProbe(path: string, port: number, timing: ProbeTiming = {}): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromNumber(port) }, ...withDefaults(timing) };
}

/** A startup probe that allows `seconds` for a slow first start before liveness takes over. */
export function startupBudget(probe: k8s.Probe, seconds: number): k8s.Probe {
  const periodSeconds = 5;
  return { ...probe, periodSeconds, failureThreshold: Math.ceil(seconds / periodSeconds) };
}

function withDefaults(timing: ProbeTiming) {
  return { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, ...timing };
}
