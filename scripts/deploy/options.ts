// The deploy's own settings (not the manifests' K8S_* knobs, which lib/config.ts owns): names,
// defaults and validation in one place, the way lib/config.ts does it. Everything else receives
// a typed, already-validated DeployOptions.
import * as os from 'os';
import * as path from 'path';

export type Env = Readonly<Record<string, string | undefined>>;

/** k3s release installed on the first run (imports/k8s-schemas/v1.33.0 matches its API). */
export const DEFAULT_K3S_VERSION = 'v1.33.13+k3s1';

export interface DeployOptions {
  /** Where images are pushed, e.g. ghcr.io/acme. @default ghcr.io/<GITHUB_REPOSITORY_OWNER lower-cased> */
  readonly imageRegistry: string;
  /** k3s release for the first install. @default DEFAULT_K3S_VERSION */
  readonly k3sVersion: string;
  /** Kubeconfig every kubectl call is given explicitly (k3s-io/k3s#1541). @default $HOME/.kube/config */
  readonly kubeconfig: string;
  /** Name the k3s node registers under. @default K3S_NODE_NAME or this host's name */
  readonly nodeName: string;
  /** Start-up budget of one pod, in seconds; rollout timeouts and progress deadlines add drain time to it. @default 300 */
  readonly rolloutSeconds: number;
  /** Seconds between status polls. @default 5 */
  readonly pollSeconds: number;
  /** Health check attempts, and seconds between them. @default 10, 3 */
  readonly healthAttempts: number;
  readonly healthIntervalSeconds: number;
  /** Root of the host filesystem (tests point it at a directory). @default / */
  readonly hostRoot: string;
  /** Token the cluster pulls images with (`ghcr-pull` Secret); absent: anonymous pulls. */
  readonly pullToken?: string;
  readonly pullUser: string;
  /** Releases kept in the cluster for --rollback. @default 5 */
  readonly releaseHistory: number;
  /** GITHUB_STEP_SUMMARY, when set. */
  readonly summaryFile?: string;
  /** owner/name, for the image source label. */
  readonly repository?: string;
}

/** One line per problem, naming the variable, the value and the accepted form. */
export class DeployOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'DeployOptionsError';
  }
}

const K3S_RELEASE = /^v1\.\d+\.\d+\+k3s\d+$/;
const REGISTRY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/**
 * Reads and validates the deploy's variables from `env`; unset or empty means the default.
 * @throws DeployOptionsError listing every problem
 */
/**
 * The kubeconfig the deploy (and `npm run mongodb`) uses on this machine: $KUBECONFIG, else the
 * copy the deploy keeps in ~/.kube/config. Always passed explicitly: k3s's kubectl otherwise
 * reads its root-only /etc/rancher/k3s/k3s.yaml and ignores ~/.kube/config (k3s-io/k3s#1541).
 */
export function kubeconfigOf(env: Env): string {
  return env.KUBECONFIG?.trim() || path.join(env.HOME?.trim() || os.homedir(), '.kube', 'config');
}

export function loadDeployOptions(env: Env): DeployOptions {
  const problems: string[] = [];
  const value = (name: string) => env[name]?.trim() || undefined;
  const whole = (name: string, fallback: number, min: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > 86_400) {
      problems.push(`${name}=${JSON.stringify(raw)} is invalid; accepted: a whole number from ${min} to 86400`);
      return fallback;
    }
    return Number(raw);
  };
  const seconds = (name: string, fallback: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    // More than 0: a poll without a pause would hammer the API server.
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0 || Number(raw) > 3600) {
      problems.push(`${name}=${JSON.stringify(raw)} is invalid; accepted: seconds more than 0 and at most 3600, e.g. 5 or 0.5`);
      return fallback;
    }
    return Number(raw);
  };

  const owner = value('GITHUB_REPOSITORY_OWNER');
  const imageRegistry = value('IMAGE_REGISTRY') ?? (owner ? `ghcr.io/${owner.toLowerCase()}` : undefined);
  if (!imageRegistry) {
    problems.push('IMAGE_REGISTRY is unset and so is GITHUB_REPOSITORY_OWNER; accepted: a registry path such as ghcr.io/acme or localhost:5000');
  } else if (!REGISTRY.test(imageRegistry)) {
    problems.push(`IMAGE_REGISTRY=${JSON.stringify(imageRegistry)} is invalid; accepted: a lower-case registry path such as ghcr.io/acme or localhost:5000`);
  }
  const k3sVersion = value('K3S_VERSION') ?? DEFAULT_K3S_VERSION;
  if (!K3S_RELEASE.test(k3sVersion)) {
    problems.push(`K3S_VERSION=${JSON.stringify(k3sVersion)} is invalid; accepted: a k3s release such as ${DEFAULT_K3S_VERSION}`);
  }
  const options: DeployOptions = {
    imageRegistry: imageRegistry ?? '',
    k3sVersion,
    kubeconfig: kubeconfigOf(env),
    nodeName: (value('K3S_NODE_NAME') ?? os.hostname()).toLowerCase(),
    rolloutSeconds: whole('DEPLOY_ROLLOUT_TIMEOUT_SECONDS', 300, 1),
    pollSeconds: seconds('DEPLOY_POLL_SECONDS', 5),
    healthAttempts: whole('DEPLOY_HEALTH_ATTEMPTS', 10, 1),
    healthIntervalSeconds: seconds('DEPLOY_HEALTH_INTERVAL_SECONDS', 3),
    hostRoot: value('DEPLOY_HOST_ROOT') ?? '/',
    pullToken: value('GHCR_PULL_TOKEN'),
    pullUser: value('GHCR_PULL_USER') ?? owner ?? 'token',
    releaseHistory: whole('DEPLOY_RELEASE_HISTORY', 5, 2),
    summaryFile: value('GITHUB_STEP_SUMMARY'),
    repository: value('GITHUB_REPOSITORY'),
  };
  if (problems.length) throw new DeployOptionsError(problems);
  return options;
}

/**
 * The workflow passes all repository variables as one JSON object (GITHUB_VARS_JSON), so a new
 * knob needs no workflow change; the K8S_* ones join the environment (and its typo guard).
 */
export function withRepositoryVariables(env: Env): Env {
  const vars = JSON.parse(env.GITHUB_VARS_JSON || '{}') as Record<string, string>;
  const knobs = Object.fromEntries(Object.entries(vars).filter(([k]) => k.startsWith('K8S_')));
  return { ...knobs, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) };
}
