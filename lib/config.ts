// The one place that owns every deploy-time knob: names, defaults, documentation and validation.
// Everything else receives a typed, already-validated BackendConfig.
import { LINK_LOCAL, PRIVATE_RANGES, contains, parseAddress, parseCidr, within } from './ipv4';
import type { Resources, Sizing } from './pod';
import { isQuantity, parseQuantity } from './quantity';
import { MONGODB_TLS_MODES, type MongoDbTlsMode, isMongoDbTlsMode, isPublicAddress } from './mongodb-tls';

/** The services whose size is configurable, by their `K8S_<SVC>_*` prefix. */
export const SERVICES = ['MONGODB', 'REDIS', 'POSTGRES', 'COLYSEUS', 'JUDGE0_SERVER', 'JUDGE0_WORKER', 'BOTS'] as const;
export type Service = typeof SERVICES[number];

/** Stores that run as one standalone instance: a second replica would be a second, independent database. */
const SINGLE_INSTANCE: Partial<Record<Service, string>> = {
  MONGODB: 'MongoDB',
  REDIS: 'Redis',
  POSTGRES: 'PostgreSQL',
};

/** Where submissions are judged. */
export const JUDGE0_MODES = ['cluster', 'external', 'off'] as const;
export type Judge0Mode = typeof JUDGE0_MODES[number];
/** How Judge0's isolate limits a submission in `cluster` mode. */
export const JUDGE0_LIMITS = ['per-process', 'cgroup'] as const;
export type Judge0Limits = typeof JUDGE0_LIMITS[number];

/** Judging, as K8S_JUDGE0_* configure it. */
export interface Judge0Config {
  /**
   * `cluster`: Judge0 server, worker and PostgreSQL in the namespace (amd64 nodes only);
   * `external`: a Judge0 elsewhere, at `url`; `off`: nothing judges submissions.
   */
  readonly mode: Judge0Mode;
  /**
   * `per-process`: isolate runs without cgroups (cgroup v2 hosts, any k3s), memory limited as
   * address space per process; `cgroup`: isolate's cgroup limits (cgroup v1 hosts only). Only
   * `cluster` mode runs isolate here.
   */
  readonly limits: Judge0Limits;
  /** `external` mode: the Judge0 base URL Colyseus calls. */
  readonly url?: string;
  /** Header Colyseus sends the token in (Judge0's AUTHN_HEADER; RapidAPI: X-RapidAPI-Key). */
  readonly authHeader: string;
  /** `external` mode: the private range holding a Judge0 on another machine (Colyseus egress opens to it). */
  readonly cidr?: string;
  /** Workers per judge0-worker pod (Judge0's COUNT), `cluster` mode. */
  readonly workersPerPod: number;
}

export interface BackendConfig {
  /** Replicas and resources per service. */
  readonly sizing: Readonly<Record<Service, Sizing>>;
  readonly images: {
    readonly colyseus: string;
    readonly bots: string;
  };
  readonly storage: {
    /** StorageClass of the MongoDB and Redis volumes. */
    readonly className: string;
    /** Whether this app defines that class (it does for its own default class). */
    readonly createClass: boolean;
    /** Provisioner of the class this app defines. */
    readonly provisioner: string;
    readonly mongodbSize: string;
    readonly redisSize: string;
  };
  /** Upper bound of one match; Colyseus drains for this long (plus a margin) before it is killed. */
  readonly matchSeconds: number;
  readonly judge0: Judge0Config;
  /** Source ranges allowed to reach MongoDB's NodePort from outside the cluster. */
  readonly mongodbAllowedCidrs: readonly string[];
  /** The node the backend must fit on (capacity report at synth). */
  readonly node: { readonly cpu: string; readonly memory: string };
  readonly mongodb: {
    /** K8S_MONGODB_TLS. */
    readonly tls: MongoDbTlsMode;
    /** The VM's public IP or DNS name, named in MongoDB's certificate; '' when unset. */
    readonly publicAddress: string;
  };
}

/** The StorageClass this app creates (reclaimPolicy Retain) unless K8S_STORAGE_CLASS names another one. */
export const RETAINED_STORAGE_CLASS = 'codeclashers-retain';

/** Seed defaults: replicas, memory request/limit, cpu request/limit. */
const SIZING_DEFAULTS: Record<Service, [number, string, string, string, string]> = {
  MONGODB: [1, '2Gi', '4Gi', '500m', '1000m'],
  REDIS: [1, '512Mi', '1Gi', '250m', '500m'],
  POSTGRES: [1, '256Mi', '512Mi', '250m', '500m'],
  COLYSEUS: [2, '512Mi', '1Gi', '500m', '1000m'],
  JUDGE0_SERVER: [2, '512Mi', '1Gi', '500m', '1000m'],
  JUDGE0_WORKER: [2, '1Gi', '2Gi', '1000m', '2000m'],
  BOTS: [2, '256Mi', '512Mi', '250m', '500m'],
};

type Kind = 'replicas' | 'cpu' | 'memory' | 'size' | 'seconds' | 'count' | 'image' | 'name' | 'cidrs'
  | 'judge0-mode' | 'judge0-limits' | 'url' | 'header' | 'private-cidr' | 'mongodb-tls' | 'address';

/** A documented knob. The README's table lists exactly these (a test checks it). */
export interface Knob {
  readonly name: string;
  readonly default: string;
  readonly kind: Kind;
  readonly doc: string;
}

function sizingKnobs(svc: Service): Knob[] {
  const [replicas, memReq, memLim, cpuReq, cpuLim] = SIZING_DEFAULTS[svc];
  const what = svc.toLowerCase().replace(/_/g, '-');
  return [
    { name: `K8S_${svc}_REPLICAS`, default: String(replicas), kind: 'replicas', doc: `${what} replicas` + (SINGLE_INSTANCE[svc] ? ' (only 1: standalone store)' : '') },
    { name: `K8S_${svc}_MEMORY_REQUEST`, default: memReq, kind: 'memory', doc: `${what} memory request` },
    { name: `K8S_${svc}_MEMORY_LIMIT`, default: memLim, kind: 'memory', doc: `${what} memory limit` },
    { name: `K8S_${svc}_CPU_REQUEST`, default: cpuReq, kind: 'cpu', doc: `${what} CPU request` },
    { name: `K8S_${svc}_CPU_LIMIT`, default: cpuLim, kind: 'cpu', doc: `${what} CPU limit` },
  ];
}

export const KNOBS: readonly Knob[] = [
  ...SERVICES.flatMap(sizingKnobs),
  { name: 'K8S_MONGODB_STORAGE_SIZE', default: '10Gi', kind: 'size', doc: 'MongoDB volume size' },
  { name: 'K8S_REDIS_STORAGE_SIZE', default: '2Gi', kind: 'size', doc: 'Redis volume size (append-only file)' },
  { name: 'K8S_STORAGE_CLASS', default: RETAINED_STORAGE_CLASS, kind: 'name', doc: `StorageClass of the MongoDB and Redis volumes; \`${RETAINED_STORAGE_CLASS}\` is created here with reclaimPolicy Retain, any other name must already exist` },
  { name: 'K8S_STORAGE_PROVISIONER', default: 'rancher.io/local-path', kind: 'name', doc: `provisioner of \`${RETAINED_STORAGE_CLASS}\` (k3s: local-path)` },
  { name: 'K8S_MATCH_SECONDS', default: '900', kind: 'seconds', doc: 'longest match; Colyseus gets MATCH_SECONDS, its drain ends at most MATCH_SECONDS + 50 s after SIGTERM, its grace period is MATCH_SECONDS + 60 s' },
  { name: 'K8S_JUDGE0_MODE', default: 'cluster', kind: 'judge0-mode', doc: 'where code is judged: `cluster` (Judge0 server, worker and PostgreSQL here; amd64 nodes only), `external` (a Judge0 at `K8S_JUDGE0_URL`) or `off` (no judging; players are told); see "Judge0: which mode"' },
  { name: 'K8S_JUDGE0_LIMITS', default: 'per-process', kind: 'judge0-limits', doc: '`cluster` mode: `per-process` (isolate without cgroups: cgroup v2 hosts, any k3s; memory limit = address space) or `cgroup` (cgroup v1 hosts only)' },
  { name: 'K8S_JUDGE0_WORKERS_PER_POD', default: '2', kind: 'count', doc: '`cluster` mode: Judge0 COUNT, submissions one worker pod runs at once' },
  { name: 'K8S_JUDGE0_URL', default: '', kind: 'url', doc: '`external` mode, required: Judge0 base URL; `https://` for a public host, `http://` only for an address inside `K8S_JUDGE0_CIDR`' },
  { name: 'K8S_JUDGE0_AUTH_HEADER', default: 'X-Auth-Token', kind: 'header', doc: '`external` mode: header Colyseus sends the secret `JUDGE0_API_KEY` in (Judge0 CE on RapidAPI: `X-RapidAPI-Key`)' },
  { name: 'K8S_JUDGE0_CIDR', default: '', kind: 'private-cidr', doc: '`external` mode: private range of a Judge0 on another VM (e.g. the VCN subnet); Colyseus may then reach it on the URL\'s port' },
  { name: 'K8S_MONGODB_ALLOWED_CIDRS', default: '0.0.0.0/0', kind: 'cidrs', doc: 'comma-separated source ranges allowed to reach MongoDB on NodePort 32017' },
  { name: 'K8S_MONGODB_TLS', default: 'require', kind: 'mongodb-tls', doc: 'MongoDB TLS: `require` (TLS only), `prefer` (TLS and plain, while clients move over), `off`' },
  { name: 'K8S_PUBLIC_ADDRESS', default: '', kind: 'address', doc: 'the VM\'s public IP or DNS name, as frontends write it in MONGODB_URI; named in MongoDB\'s certificate' },
  { name: 'K8S_NODE_CPU', default: '4', kind: 'cpu', doc: 'CPU of the node the backend must fit on (capacity report)' },
  { name: 'K8S_NODE_MEMORY', default: '24Gi', kind: 'memory', doc: 'memory of the node the backend must fit on (capacity report)' },
  { name: 'COLYSEUS_IMAGE', default: 'ghcr.io/codeclashers/codeclashers-colyseus:0.1.0', kind: 'image', doc: 'Colyseus image (the pipeline passes the commit-SHA tag)' },
  { name: 'BOTS_IMAGE', default: 'ghcr.io/codeclashers/codeclashers-bots:0.1.0', kind: 'image', doc: 'bot service image (the pipeline passes the commit-SHA tag)' },
];

const KNOB_BY_NAME = new Map(KNOBS.map(k => [k.name, k]));

/** Settings that were removed, with what replaces them: refused when set, never silently ignored. */
const REPLACED: Record<string, string> = {
  K8S_JUDGE0_ENABLED: 'accepted: K8S_JUDGE0_MODE=cluster, external or off instead (false was off; external judges on a Judge0 elsewhere), and K8S_JUDGE0_ENABLED unset',
};

/** A configuration mistake, already phrased as the one line the user sees. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

const ACCEPTED: Record<Kind, string> = {
  replicas: 'a whole number >= 1',
  cpu: 'a Kubernetes CPU quantity such as 500m or 2',
  memory: 'a Kubernetes memory quantity such as 512Mi or 2Gi',
  size: 'a Kubernetes storage quantity such as 10Gi',
  seconds: 'a whole number of seconds >= 1',
  count: 'a whole number >= 1',
  'judge0-mode': JUDGE0_MODES.join(', '),
  'judge0-limits': JUDGE0_LIMITS.join(', '),
  url: 'an absolute http(s) URL without credentials, such as https://judge0.example.com',
  header: 'an HTTP header name such as X-Auth-Token',
  'private-cidr': `one IPv4 CIDR inside ${PRIVATE_RANGES.join(', ')}, such as 10.0.1.0/24`,
  image: 'registry/name:tag or registry/name@sha256:digest, never :latest',
  name: 'a lowercase DNS name such as local-path',
  cidrs: 'comma-separated IPv4 CIDRs such as 203.0.113.0/24,198.51.100.7/32',
  'mongodb-tls': MONGODB_TLS_MODES.join(', '),
  address: 'an IP address or DNS name such as 203.0.113.7 or db.example.com (no scheme, no port)',
};

const IMAGE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:(?::\d+)?\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9.\/]*[a-z0-9])?$/;

function isValid(kind: Kind, value: string): boolean {
  switch (kind) {
    case 'replicas':
    case 'seconds':
    case 'count':
      return /^[1-9]\d*$/.test(value) && Number(value) <= 100_000;
    case 'cpu':
      return isQuantity(value) && parseQuantity(value) > 0;
    case 'memory':
    case 'size':
      // `512m` is a valid quantity but means 0.512 bytes: always a typo for Mi.
      return isQuantity(value) && !/[mun]$/.test(value) && parseQuantity(value) >= 1;
    case 'judge0-mode':
      return (JUDGE0_MODES as readonly string[]).includes(value);
    case 'judge0-limits':
      return (JUDGE0_LIMITS as readonly string[]).includes(value);
    case 'url':
      return parseUrl(value) !== undefined;
    case 'header':
      return /^[A-Za-z0-9][A-Za-z0-9-]*$/.test(value);
    case 'private-cidr':
      return !!parseCidr(value) && PRIVATE_RANGES.some(range => within(range, value));
    case 'image':
      return IMAGE.test(value) && !value.endsWith(':latest');
    case 'name':
      return DNS_NAME.test(value) && value.length <= 253;
    case 'cidrs':
      return value.split(',').every(c => !!parseCidr(c.trim()));
    case 'mongodb-tls':
      return isMongoDbTlsMode(value);
    case 'address':
      return isPublicAddress(value);
  }
}

function parseUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    const ok = ['http:', 'https:'].includes(url.protocol) && !url.username && !url.password && !url.search && !url.hash;
    return ok ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The judging settings, checked together. NetworkPolicies match addresses, not names: a public
 * host is reachable only through the public-internet lane (443), so it must be https on 443; a
 * private Judge0 (plain http on 2358, on another VM) must be named by an address inside
 * K8S_JUDGE0_CIDR, the range Colyseus then gets a lane to.
 */
function judge0Problems(env: Readonly<Record<string, string | undefined>>, judge0: Judge0Config): string[] {
  // Set to something else than its default (the default itself changes nothing).
  const set = (name: string) => !!env[name]?.trim() && env[name]!.trim() !== KNOB_BY_NAME.get(name)!.default;
  if (judge0.mode !== 'external') {
    return ['K8S_JUDGE0_URL', 'K8S_JUDGE0_AUTH_HEADER', 'K8S_JUDGE0_CIDR'].filter(set).map(name =>
      `${name}=${JSON.stringify(env[name]!.trim())} is set, but only K8S_JUDGE0_MODE=external uses it (mode is ${judge0.mode}); accepted: unset, or K8S_JUDGE0_MODE=external`);
  }
  if (!judge0.url) {
    return [`K8S_JUDGE0_URL is required with K8S_JUDGE0_MODE=external; accepted: ${ACCEPTED.url}, or http://<address inside K8S_JUDGE0_CIDR>:2358`];
  }
  const url = new URL(judge0.url);
  const host = url.hostname;
  const isAddress = parseAddress(host) !== undefined;
  const isPrivate = isAddress && [...PRIVATE_RANGES, LINK_LOCAL].some(range => contains(range, host));
  const shown = `K8S_JUDGE0_URL=${JSON.stringify(judge0.url)}`;
  const cidr = judge0.cidr ? `K8S_JUDGE0_CIDR=${judge0.cidr}` : 'K8S_JUDGE0_CIDR unset';
  if (judge0.cidr && !(isAddress && contains(judge0.cidr, host))) {
    return [`${shown} is outside ${cidr}; accepted: http(s)://<address inside ${judge0.cidr}>:<port>, or K8S_JUDGE0_CIDR unset for a public https URL`];
  }
  if (isPrivate && !judge0.cidr) {
    return [`${shown} is a private address outside ${cidr}; accepted: K8S_JUDGE0_CIDR set to the private range that holds ${host}, such as ${host.split('.').slice(0, 3).join('.')}.0/24`];
  }
  if (!judge0.cidr && url.protocol !== 'https:') {
    return [`${shown} is plain http to a public or named host; accepted: https://<public host> (port 443), or http://<address inside K8S_JUDGE0_CIDR>:<port> for a private Judge0`];
  }
  if (!judge0.cidr && url.port && url.port !== '443') {
    return [`${shown} uses port ${url.port}; accepted: https on port 443 for a public host (the only port Colyseus may reach on the internet), or an address inside K8S_JUDGE0_CIDR`];
  }
  return [];
}

/** The port a URL connects to. */
export function portOf(url: string): number {
  const parsed = new URL(url);
  return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
}

/** Edit distance, to name the knob a mistyped variable probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function closestKnob(name: string): string {
  return KNOBS.map(k => k.name).reduce((best, k) => (distance(name, k) < distance(name, best) ? k : best));
}

/**
 * Reads and validates every knob from `env`. Unset or empty means the default.
 * @throws ConfigError listing every problem, one line each
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): BackendConfig {
  const problems: string[] = [];

  for (const name of Object.keys(env).sort()) {
    if (name in REPLACED && env[name]?.trim()) {
      problems.push(`${name}=${JSON.stringify(env[name]!.trim())} is no longer read; ${REPLACED[name]}`);
    } else if (name.startsWith('K8S_') && !KNOB_BY_NAME.has(name) && !(name in REPLACED)) {
      problems.push(`${name} is not a known setting; did you mean ${closestKnob(name)}? (all settings: README.md, "Configuration")`);
    }
  }

  const raw = (name: string): string => {
    const knob = KNOB_BY_NAME.get(name)!;
    const value = env[name]?.trim();
    if (!value) return knob.default;
    if (!isValid(knob.kind, value)) {
      problems.push(`${name}=${JSON.stringify(value)} is invalid; accepted: ${ACCEPTED[knob.kind]}`);
      return knob.default;
    }
    return value;
  };
  const whole = (name: string) => Number(raw(name));

  const sizing = {} as Record<Service, Sizing>;
  for (const svc of SERVICES) {
    const replicas = whole(`K8S_${svc}_REPLICAS`);
    const store = SINGLE_INSTANCE[svc];
    if (store && replicas !== 1) {
      problems.push(`K8S_${svc}_REPLICAS=${replicas} is invalid; accepted: 1 (${store} runs as one standalone instance: more replicas would be separate databases that split the data)`);
    }
    const resources: Resources = {
      requests: { cpu: raw(`K8S_${svc}_CPU_REQUEST`), memory: raw(`K8S_${svc}_MEMORY_REQUEST`) },
      limits: { cpu: raw(`K8S_${svc}_CPU_LIMIT`), memory: raw(`K8S_${svc}_MEMORY_LIMIT`) },
    };
    for (const [resource, label] of [['cpu', 'CPU'], ['memory', 'MEMORY']] as const) {
      const request = resources.requests[resource];
      const limit = resources.limits[resource];
      if (parseQuantity(request) > parseQuantity(limit)) {
        problems.push(`K8S_${svc}_${label}_REQUEST=${request} is more than K8S_${svc}_${label}_LIMIT=${limit}; accepted: a request <= its limit`);
      }
    }
    sizing[svc] = { replicas, resources };
  }

  const before = problems.length;
  const judgeUrl = raw('K8S_JUDGE0_URL');
  const judgeCidr = raw('K8S_JUDGE0_CIDR');
  const judge0: Judge0Config = {
    mode: raw('K8S_JUDGE0_MODE') as Judge0Mode,
    limits: raw('K8S_JUDGE0_LIMITS') as Judge0Limits,
    ...(judgeUrl ? { url: judgeUrl } : {}),
    authHeader: raw('K8S_JUDGE0_AUTH_HEADER'),
    ...(judgeCidr ? { cidr: judgeCidr } : {}),
    workersPerPod: whole('K8S_JUDGE0_WORKERS_PER_POD'),
  };
  // Checked together only when each value is valid on its own, so a bad value is reported once.
  if (problems.length === before) problems.push(...judge0Problems(env, judge0));

  const className = raw('K8S_STORAGE_CLASS');
  const config: BackendConfig = {
    sizing,
    images: { colyseus: raw('COLYSEUS_IMAGE'), bots: raw('BOTS_IMAGE') },
    storage: {
      className,
      createClass: className === RETAINED_STORAGE_CLASS,
      provisioner: raw('K8S_STORAGE_PROVISIONER'),
      mongodbSize: raw('K8S_MONGODB_STORAGE_SIZE'),
      redisSize: raw('K8S_REDIS_STORAGE_SIZE'),
    },
    matchSeconds: whole('K8S_MATCH_SECONDS'),
    judge0,
    mongodbAllowedCidrs: raw('K8S_MONGODB_ALLOWED_CIDRS').split(',').map(c => c.trim()),
    node: { cpu: raw('K8S_NODE_CPU'), memory: raw('K8S_NODE_MEMORY') },
    mongodb: { tls: raw('K8S_MONGODB_TLS') as MongoDbTlsMode, publicAddress: raw('K8S_PUBLIC_ADDRESS') },
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

let cached: { key: string; config: BackendConfig } | undefined;

/**
 * The configuration of this process (`process.env`), validated once: the app and the policy
 * plugin each read it through here.
 * @throws ConfigError as loadConfig
 */
export function processConfig(env: Readonly<Record<string, string | undefined>> = process.env): BackendConfig {
  // Keyed on the values read, not on the object: process.env can change in place.
  const key = JSON.stringify(Object.keys(env).filter(k => k.startsWith('K8S_') || KNOB_BY_NAME.has(k)).sort().map(k => [k, env[k]]));
  if (cached?.key !== key) cached = { key, config: loadConfig(env) };
  return cached.config;
}
