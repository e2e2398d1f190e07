// The one place that owns every deploy-time knob: names, defaults, documentation and validation.
// Everything else receives a typed, already-validated BackendConfig.
import { isQuantity, parseQuantity } from './quantity';
import { MONGODB_TLS_MODES, MongoDbTlsMode, isPublicAddress } from './mongodb-tls';

/** The services whose size is configurable, by their `K8S_<SVC>_*` prefix. */
export const SERVICES = ['MONGODB', 'REDIS', 'POSTGRES', 'COLYSEUS', 'JUDGE0_SERVER', 'JUDGE0_WORKER', 'BOTS'] as const;
export type Service = typeof SERVICES[number];

/** Stores that run as one standalone instance: a second replica would be a second, independent database. */
const SINGLE_INSTANCE: Partial<Record<Service, string>> = {
  MONGODB: 'MongoDB',
  REDIS: 'Redis',
  POSTGRES: 'PostgreSQL',
};

export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface Sizing {
  readonly replicas: number;
  readonly resources: Resources;
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
  readonly judge0: {
    /** Whether Judge0 (server, worker, PostgreSQL) is deployed at all. */
    readonly enabled: boolean;
    /** Workers per judge0-worker pod (Judge0's COUNT). */
    readonly workersPerPod: number;
  };
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

type Kind = 'replicas' | 'cpu' | 'memory' | 'size' | 'seconds' | 'count' | 'boolean' | 'image' | 'name' | 'cidrs' | 'mongodbTls' | 'address';

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
  { name: 'K8S_MATCH_SECONDS', default: '900', kind: 'seconds', doc: 'longest match; Colyseus gets MATCH_SECONDS and drains that long + 60 s on shutdown' },
  { name: 'K8S_JUDGE0_ENABLED', default: 'true', kind: 'boolean', doc: 'deploy Judge0 (server, worker, PostgreSQL); `false` where it cannot run (arm64, cgroup v2)' },
  { name: 'K8S_JUDGE0_WORKERS_PER_POD', default: '2', kind: 'count', doc: 'Judge0 COUNT: submissions one worker pod runs at once' },
  { name: 'K8S_MONGODB_ALLOWED_CIDRS', default: '0.0.0.0/0', kind: 'cidrs', doc: 'comma-separated source ranges allowed to reach MongoDB on NodePort 32017' },
  { name: 'K8S_MONGODB_TLS', default: 'require', kind: 'mongodbTls', doc: 'MongoDB TLS: `require` (TLS only), `prefer` (TLS and plain, while clients move over), `off`' },
  { name: 'K8S_PUBLIC_ADDRESS', default: '', kind: 'address', doc: 'the VM\'s public IP or DNS name, as frontends write it in MONGODB_URI; named in MongoDB\'s certificate' },
  { name: 'K8S_NODE_CPU', default: '4', kind: 'cpu', doc: 'CPU of the node the backend must fit on (capacity report)' },
  { name: 'K8S_NODE_MEMORY', default: '24Gi', kind: 'memory', doc: 'memory of the node the backend must fit on (capacity report)' },
  { name: 'COLYSEUS_IMAGE', default: 'ghcr.io/codeclashers/codeclashers-colyseus:0.1.0', kind: 'image', doc: 'Colyseus image (the pipeline passes the commit-SHA tag)' },
  { name: 'BOTS_IMAGE', default: 'ghcr.io/codeclashers/codeclashers-bots:0.1.0', kind: 'image', doc: 'bot service image (the pipeline passes the commit-SHA tag)' },
];

const KNOB_BY_NAME = new Map(KNOBS.map(k => [k.name, k]));

/** A configuration mistake, already phrased as the one line the user sees. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
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
  boolean: 'true or false',
  image: 'registry/name:tag or registry/name@sha256:digest, never :latest',
  name: 'a lowercase DNS name such as local-path',
  cidrs: 'comma-separated IPv4 CIDRs such as 203.0.113.0/24,198.51.100.7/32',
  mongodbTls: MONGODB_TLS_MODES.join(', '),
  address: 'an IP address or DNS name such as 203.0.113.7 or db.example.com (no scheme, no port)',
};

const IMAGE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:(?::\d+)?\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9.\/]*[a-z0-9])?$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

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
    case 'boolean':
      return value === 'true' || value === 'false';
    case 'image':
      return IMAGE.test(value) && !value.endsWith(':latest');
    case 'name':
      return DNS_NAME.test(value) && value.length <= 253;
    case 'cidrs':
      return value.split(',').every(c => {
        const m = CIDR.exec(c.trim());
        return !!m && m.slice(1, 5).every(o => Number(o) <= 255) && Number(m[5]) <= 32;
      });
    case 'mongodbTls':
      return (MONGODB_TLS_MODES as readonly string[]).includes(value);
    case 'address':
      return isPublicAddress(value);
  }
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
    if (name.startsWith('K8S_') && !KNOB_BY_NAME.has(name)) {
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
    judge0: {
      enabled: raw('K8S_JUDGE0_ENABLED') === 'true',
      workersPerPod: whole('K8S_JUDGE0_WORKERS_PER_POD'),
    },
    mongodbAllowedCidrs: raw('K8S_MONGODB_ALLOWED_CIDRS').split(',').map(c => c.trim()),
    node: { cpu: raw('K8S_NODE_CPU'), memory: raw('K8S_NODE_MEMORY') },
    mongodb: { tls: raw('K8S_MONGODB_TLS') as MongoDbTlsMode, publicAddress: raw('K8S_PUBLIC_ADDRESS') },
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
