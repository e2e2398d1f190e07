// A stand-in for the production VM as the deploy sees it: k3s (API server, Deployment and
// StatefulSet controllers, scheduler, kubelet, Pod Security admission), the kubectl k3s
// installs, Docker with buildx, GHCR, sudo. It models documented k3s/kubectl behaviour, not
// what scripts/deploy expects; each behaviour names its source. Time is modelled: `advance(ms)`
// runs the controllers, so a test never sleeps.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { MongoUser, MongodData, runMongoshScript } from './fake-mongo-cluster';

export interface Result { status: number; stdout: string; stderr: string }
export interface Invocation {
  readonly command: string;
  readonly args: readonly string[];
  readonly input?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** What a scenario sets up: faults and facts of this host. */
export interface Behaviour {
  /** `uname -m` */
  arch: string;
  /** Images (or `repository:` prefixes) whose container exits at start in the cluster (passes the smoke test). */
  crashInCluster: string[];
  /** Images the smoke test (scripts/images/smoke.ts) rejects. */
  smokeFails: string[];
  /** The API server restarts after this many more object writes; the rest of that apply is refused. */
  apiRestartAfterWrites?: number;
  /**
   * The API server is unreachable (k3s restarting) for the next command whose positional
   * arguments start with these words (a verb, `get secret app-secrets`), once.
   */
  apiDownAtVerb?: string;
  /** How many commands matching apiDownAtVerb still succeed before the one that fails. */
  apiDownSkip?: number;
  /** How long a terminating pod of a workload takes to exit (a Colyseus pod drains its match). */
  drainSeconds: Record<string, number>;
  /** Image repositories (without tag) published public; new GHCR packages start private. */
  publicPackages: string[];
  /** Tokens GHCR accepts, with their scopes. */
  tokens: Record<string, string[]>;
  /** Node allocatable. */
  allocatable: { cpu: number; memory: number };
  /**
   * mongod's disk is full: every write, user changes included, fails with OutOfDiskSpace
   * (14031, MongoDB error_codes.yml); reads and logins still work.
   */
  mongodOutOfDisk?: boolean;
}

/** What a mongod keeps on its data volume that the deploy touches: its users, by `db.user`. */
export interface MongodVolume {
  users: Record<string, MongoUser>;
  certificateRotations: number;
}

interface Pod {
  name: string;
  owner: string; // Kind/name
  hash: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: any;
  created: number;
  startedAt?: number;
  scheduled: boolean;
  secrets: Record<string, string>;
  restarts: number;
  reason?: string; // why not ready
  ready: boolean;
  terminatingUntil?: number;
  /** Redis: the passwords its default user accepts (see redisStart). */
  redisPasswords?: string[];
  /** A Redis client that has been connected (and so serves players) at least once. */
  redisConnected?: boolean;
}

interface Stored {
  object: any;
  status: any;
  /** Deployment: ReplicaSets by template hash; StatefulSet: revisions. */
  revisions: { hash: string; revision: number }[];
  lastProgress: number;
}

export interface HostState {
  time: number;
  user: string;
  k3s?: { version: string; nodeAt: number; readyAt: number };
  objects: Record<string, Stored>;
  pods: Record<string, Pod>;
  pvcs: Record<string, { labels: Record<string, string> }>;
  /** mongod's data, by the PVC it lives on (survives pods, like the volume). */
  mongod: Record<string, MongodVolume>;
  events: any[];
  registry: Record<string, { private: boolean }>;
  localImages: string[];
  /** DOCKER_CONFIG dir -> token logged in there. */
  logins: Record<string, string>;
  behaviour: Behaviour;
  calls: string[][];
  /** Pods (draining ones included) whose Redis password a running Redis refused: their clients fail. */
  redisRefused: string[];
}

const STEP_MS = 5_000;
/** The pod template annotation `kubectl rollout restart` sets. */
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const NODE_NAME = 'vm';
export const K3S_YAML = '/etc/rancher/k3s/k3s.yaml';
const NAMESPACED = new Set(['Deployment', 'StatefulSet', 'Service', 'NetworkPolicy', 'PodDisruptionBudget', 'ConfigMap', 'Secret', 'Pod', 'PersistentVolumeClaim']);
const KINDS: Record<string, string> = {
  deployment: 'Deployment', deployments: 'Deployment', 'deployment.apps': 'Deployment',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet',
  service: 'Service', services: 'Service', svc: 'Service',
  networkpolicy: 'NetworkPolicy', networkpolicies: 'NetworkPolicy',
  poddisruptionbudget: 'PodDisruptionBudget', poddisruptionbudgets: 'PodDisruptionBudget',
  configmap: 'ConfigMap', configmaps: 'ConfigMap', secret: 'Secret', secrets: 'Secret',
  namespace: 'Namespace', namespaces: 'Namespace', storageclass: 'StorageClass', storageclasses: 'StorageClass',
  pod: 'Pod', pods: 'Pod', event: 'Event', events: 'Event', node: 'Node', nodes: 'Node',
  persistentvolumeclaim: 'PersistentVolumeClaim', persistentvolumeclaims: 'PersistentVolumeClaim', pvc: 'PersistentVolumeClaim',
};
const GROUP: Record<string, string> = {
  Deployment: 'apps.v1', StatefulSet: 'apps.v1', NetworkPolicy: 'networking.k8s.io.v1', PodDisruptionBudget: 'policy.v1',
  StorageClass: 'storage.k8s.io.v1', Service: 'v1', ConfigMap: 'v1', Secret: 'v1', Namespace: 'v1',
};
const PLURAL: Record<string, string> = {
  Deployment: 'deployments.apps', StatefulSet: 'statefulsets.apps', Service: 'services', ConfigMap: 'configmaps', Secret: 'secrets',
  Namespace: 'namespaces', NetworkPolicy: 'networkpolicies.networking.k8s.io', PodDisruptionBudget: 'poddisruptionbudgets.policy',
  StorageClass: 'storageclasses.storage.k8s.io', Pod: 'pods', Node: 'nodes',
};

const ok = (stdout = '', stderr = ''): Result => ({ status: 0, stdout, stderr });
const fail = (status: number, stderr: string, stdout = ''): Result => ({ status, stdout, stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` });
const hashOf = (value: unknown) => crypto.createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10);
const keyOf = (kind: string, namespace: string | undefined, name: string) => `${kind}/${NAMESPACED.has(kind) ? namespace ?? 'default' : ''}/${name}`;
/** What the deploy's fields are: server-side apply by the single owner replaces them (status and server fields stay). */
const body = (o: any) => JSON.stringify({ labels: o.metadata?.labels ?? {}, annotations: o.metadata?.annotations ?? {}, spec: o.spec, data: o.data, binaryData: o.binaryData, rest: restOf(o) });
const restOf = (o: any) => Object.fromEntries(Object.entries(o).filter(([k]) => !['apiVersion', 'kind', 'metadata', 'spec', 'data', 'binaryData', 'status'].includes(k)));
const quantity = (q: string | number | undefined): number => {
  if (q === undefined) return 0;
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(String(q));
  if (!m) throw new Error(`fake: quantity ${q}`);
  const f: Record<string, number> = { m: 1e-3, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? f[m[2]] : 1);
};

export function defaultBehaviour(): Behaviour {
  return { arch: 'x86_64', crashInCluster: [], smokeFails: [], drainSeconds: {}, publicPackages: [], tokens: {}, allocatable: { cpu: 16, memory: 64 * 1024 ** 3 } };
}

export class FakeHost {
  constructor(readonly state: HostState, readonly hostRoot: string) {}

  static create(hostRoot: string, behaviour: Partial<Behaviour> = {}): FakeHost {
    return new FakeHost({
      time: Date.parse('2026-12-01T00:00:00Z'), user: 'runner', objects: {}, pods: {}, pvcs: {}, mongod: {}, events: [],
      registry: {}, localImages: [], logins: {}, behaviour: { ...defaultBehaviour(), ...behaviour }, calls: [], redisRefused: [],
    }, hostRoot);
  }

  now(): number { return this.state.time; }

  /** Modelled time passes; controllers and kubelet act every 5 s. */
  advance(ms: number): void {
    const until = this.state.time + ms;
    while (this.state.time + STEP_MS <= until) {
      this.state.time += STEP_MS;
      this.reconcile();
    }
    this.state.time = until;
  }

  handle(inv: Invocation): Result {
    this.state.calls.push([inv.command, ...inv.args]);
    switch (inv.command) {
      case 'kubectl': return this.kubectl(inv);
      case 'docker': return this.docker(inv);
      case 'sudo': return this.sudo(inv);
      case 'uname': return ok(`${this.state.behaviour.arch}\n`);
      case 'id': return ok(`${this.state.user}\n`);
      case 'node': return this.smoke(inv);
      default: return fail(127, `fake host: ${inv.command}: command not found`);
    }
  }

  // ------------------------------------------------------------------------------------------
  // sudo: the k3s installer and coreutils install.

  private sudo(inv: Invocation): Result {
    const args = inv.args;
    if (args.some(a => a.endsWith('install-k3s.sh'))) {
      const version = args.find(a => a.startsWith('INSTALL_K3S_VERSION='))?.split('=')[1];
      if (!version) return fail(1, 'INSTALL_K3S_VERSION must name a k3s release');
      // k3s writes its admin kubeconfig mode 600 (write-kubeconfig-mode in config.yaml).
      const file = path.join(this.hostRoot, K3S_YAML);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters: [{name: default, cluster: {server: "https://127.0.0.1:6443"}}]\n`, { mode: 0o600 });
      // The installer returns once the service started; the Node registers some seconds later
      // ("nodes ... not found" while k3s starts: k3s-io/k3s#6324; k3d-io/k3d#512: the cluster is
      // up before its Node is Ready); meanwhile `kubectl wait ... node --all` fails at once with "no
      // matching resources found" (it waits for existing objects unless --for=create: kubectl_wait docs).
      this.state.k3s = { version, nodeAt: this.state.time + 15_000, readyAt: this.state.time + 30_000 };
      return ok('[INFO]  systemd: Starting k3s\n');
    }
    if (args[0] === 'install') {
      // coreutils install -m MODE -o OWNER SRC DEST
      const mode = parseInt(args[args.indexOf('-m') + 1], 8);
      const [src, dest] = args.slice(-2);
      const from = path.join(this.hostRoot, src);
      if (!fs.existsSync(from)) return fail(1, `install: cannot stat '${src}': No such file or directory`);
      fs.writeFileSync(dest, fs.readFileSync(from), { mode });
      fs.chmodSync(dest, mode);
      return ok();
    }
    return fail(1, `fake sudo: unsupported ${args.join(' ')}`);
  }

  // ------------------------------------------------------------------------------------------
  // kubectl

  private kubectl(inv: Invocation): Result {
    const args = [...inv.args];
    // k3s installs kubectl as a link to its own binary, whose wrapper reads
    // /etc/rancher/k3s/k3s.yaml when KUBECONFIG is unset, ignoring ~/.kube/config
    // (k3s-io/k3s#1541, #5257): mode 600 root-owned, so a non-root user is refused.
    const flagAt = args.findIndex(a => a.startsWith('--kubeconfig'));
    let kubeconfig = inv.env.KUBECONFIG;
    if (flagAt >= 0) {
      kubeconfig = args[flagAt].includes('=') ? args[flagAt].split('=')[1] : args[flagAt + 1];
      args.splice(flagAt, args[flagAt].includes('=') ? 1 : 2);
    }
    if (!kubeconfig) {
      if (!this.state.k3s) return fail(1, 'The connection to the server localhost:8080 was refused - did you specify the right host or port?');
      if (this.state.user !== 'root') {
        return fail(1, `error: error loading config file "${K3S_YAML}": open ${K3S_YAML}: permission denied`);
      }
    } else if (!fs.existsSync(kubeconfig)) {
      return fail(1, `error: error loading config file "${kubeconfig}": open ${kubeconfig}: no such file or directory`);
    }
    if (!this.state.k3s) return fail(1, 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?');

    const opt = (name: string): string | undefined => {
      const i = args.findIndex(a => a === name || a.startsWith(`${name}=`));
      if (i < 0) return undefined;
      return args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1];
    };
    const has = (name: string) => args.includes(name);
    const dashdash = args.indexOf('--');
    const valueFlags = ['-n', '-l', '-o', '-f', '-c', '--field-selector', '--for', '--timeout', '--tail', '--field-manager', '--raw'];
    const positional: string[] = [];
    for (let i = 0; i < (dashdash >= 0 ? dashdash : args.length); i++) {
      if (valueFlags.includes(args[i])) { i++; continue; }
      if (args[i].startsWith('-')) continue;
      positional.push(args[i]);
    }
    const [verb, ...rest] = positional;
    const down = this.state.behaviour.apiDownAtVerb;
    if (down && `${positional.join(' ')} `.startsWith(`${down} `) && !(this.state.behaviour.apiDownSkip && this.state.behaviour.apiDownSkip-- > 0)) {
      this.state.behaviour.apiDownAtVerb = undefined;
      // kubectl prints this and exits 1 when nothing listens on the API server's port
      // (standardErrorMessage in k8s.io/kubectl/pkg/cmd/util/helpers.go; the apiserver down:
      // kubernetes/kubernetes#23726).
      // kubectl diff reports its own errors with exit code + 1 (CheckDiffErr in
      // k8s.io/kubectl/pkg/cmd/util/helpers.go), so that 1 stays "differences found"
      // (kubectl diff --help: "0 No differences, 1 Differences were found, >1 Kubectl or diff
      // failed with an error"); other verbs exit 1.
      return fail(verb === 'diff' ? 2 : 1, 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?');
    }
    const ns = opt('-n') ?? 'default';
    const items = () => this.readInput(inv.input ?? '');
    switch (verb) {
      case 'apply': return this.apply(items(), ns, opt('--dry-run') === 'server', opt('--field-manager'));
      case 'diff': return this.diff(items(), ns);
      case 'get': return this.get(rest, ns, opt('-l'), opt('-o'), opt('--field-selector'), opt('--raw'), opt('-f') ? items() : undefined, has('--ignore-not-found'));
      case 'delete': return this.delete(rest, ns, has('--ignore-not-found'));
      case 'wait': return this.wait(rest[0], opt('--for')!, opt('--timeout'));
      case 'exec': return this.exec(rest[0], dashdash >= 0 ? args.slice(dashdash + 1) : [], inv.input);
      case 'rollout': return this.rollout(rest, ns);
      case 'logs': return this.logs(rest[0], has('--previous'));
      default: return fail(1, `fake kubectl: unsupported ${args.join(' ')}`);
    }
  }

  private readInput(input: string): any[] {
    const doc = JSON.parse(input);
    return doc.kind === 'List' ? doc.items : [doc];
  }

  private nsExists(ns: string) { return !!this.state.objects[keyOf('Namespace', undefined, ns)]; }

  private ref(o: any): string {
    const group = (PLURAL[o.kind] ?? '').split('.').slice(1).join('.');
    return `${o.kind.toLowerCase()}${group ? `.${group}` : ''}/${o.metadata.name}`;
  }

  /** Why the API server refuses `o` as an update of `live` (immutable fields), or undefined. */
  private immutable(o: any, live: any | undefined): string | undefined {
    if (!live) return undefined;
    if (o.kind === 'StatefulSet') {
      // apps/v1 validation: only these StatefulSet spec fields may change (kubernetes#68737).
      const mutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
      const strip = (s: any) => JSON.stringify(Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => !mutable.includes(k)).sort()));
      if (strip(o.spec) !== strip(live.spec)) {
        return `The StatefulSet "${o.metadata.name}" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`;
      }
    }
    if (o.kind === 'StorageClass') {
      // storage/v1 validation: provisioner, parameters, reclaimPolicy, volumeBindingMode are immutable.
      for (const field of ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode']) {
        if (JSON.stringify(o[field]) !== JSON.stringify(live[field])) {
          return `StorageClass.storage.k8s.io "${o.metadata.name}" is invalid: ${field}: Forbidden: updates to ${field} are forbidden.`;
        }
      }
    }
    if (o.kind === 'Deployment' && JSON.stringify(o.spec.selector) !== JSON.stringify(live.spec.selector)) {
      return `The Deployment "${o.metadata.name}" is invalid: spec.selector: Invalid value: ...: field is immutable`;
    }
    return undefined;
  }

  /**
   * Pod Security admission (kubernetes.io/docs/concepts/security/pod-security-admission): Pods
   * violating the namespace's `enforce` level are refused; workload objects are accepted with a
   * warning naming the level (enforce and warn levels both warn on workloads).
   */
  private podSecurity(spec: any, level: string | undefined): string[] {
    if (!level || level === 'privileged') return [];
    const problems: string[] = [];
    const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    // Baseline: no privileged containers, no host ports (Pod Security Standards, "Baseline").
    for (const c of containers) {
      if (c.securityContext?.privileged) problems.push(`privileged (container "${c.name}" must not set securityContext.privileged=true)`);
      for (const p of c.ports ?? []) if (p.hostPort) problems.push(`hostPort (container "${c.name}" uses hostPort ${p.hostPort})`);
    }
    if (level === 'restricted') {
      for (const c of containers) {
        if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`allowPrivilegeEscalation != false (container "${c.name}")`);
        if (!(c.securityContext?.capabilities?.drop ?? []).includes('ALL')) problems.push(`unrestricted capabilities (container "${c.name}")`);
        if (!(c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot)) problems.push(`runAsNonRoot != true (container "${c.name}")`);
        const seccomp = c.securityContext?.seccompProfile?.type ?? spec.securityContext?.seccompProfile?.type;
        if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) problems.push(`seccompProfile (container "${c.name}")`);
      }
    }
    return problems;
  }

  private namespaceLevels(ns: string): { enforce?: string; warn?: string } {
    const labels = this.state.objects[keyOf('Namespace', undefined, ns)]?.object.metadata.labels ?? {};
    return { enforce: labels['pod-security.kubernetes.io/enforce'], warn: labels['pod-security.kubernetes.io/warn'] };
  }

  private admissionWarnings(o: any, ns: string): string[] {
    if (!['Deployment', 'StatefulSet'].includes(o.kind)) return [];
    const { enforce, warn } = this.namespaceLevels(ns);
    const warnings: string[] = [];
    for (const level of [...new Set([enforce, warn])]) {
      const problems = this.podSecurity(o.spec.template.spec, level);
      if (problems.length) warnings.push(`Warning: would violate PodSecurity "${level}:latest": ${problems.join(', ')}`);
    }
    return warnings;
  }

  /** One object through admission; returns the error line or the stored result. */
  private admit(o: any, defaultNs: string, dryRun: boolean, pendingNamespaces: Set<string>): { error?: string; warnings: string[]; key: string } {
    const ns = NAMESPACED.has(o.kind) ? o.metadata.namespace ?? defaultNs : undefined;
    const key = keyOf(o.kind, ns, o.metadata.name);
    // A namespaced object in a namespace that does not exist, a dry-run-created one included,
    // is refused (kubernetes#83562).
    if (ns && !this.nsExists(ns) && !(!dryRun && pendingNamespaces.has(ns))) {
      return { error: `Error from server (NotFound): namespaces "${ns}" not found`, warnings: [], key };
    }
    const live = this.state.objects[key]?.object;
    const refused = this.immutable(o, live);
    if (refused) return { error: `Error from server (Invalid): ${refused}`, warnings: [], key };
    return { warnings: ns ? this.admissionWarnings(o, ns) : [], key };
  }

  private store(o: any, key: string): boolean {
    const entry = this.state.objects[key];
    const object = structuredClone(o);
    if (!entry) {
      object.metadata = { ...object.metadata, generation: 1, uid: crypto.randomUUID(), creationTimestamp: new Date(this.state.time).toISOString() };
      if (NAMESPACED.has(o.kind)) object.metadata.namespace = object.metadata.namespace ?? 'default';
      this.state.objects[key] = { object, status: {}, revisions: [], lastProgress: this.state.time };
      this.onCreate(key);
      return true;
    }
    // Server-side apply leaves fields another field manager owns (Server-Side Apply docs, "Field
    // management"): the restartedAt annotation `kubectl rollout restart` set stays.
    const restartedAt = entry.object.spec?.template?.metadata?.annotations?.[RESTARTED_AT];
    if (restartedAt && object.spec?.template && !object.spec.template.metadata?.annotations?.[RESTARTED_AT]) {
      object.spec.template.metadata = { ...object.spec.template.metadata, annotations: { ...object.spec.template.metadata?.annotations, [RESTARTED_AT]: restartedAt } };
    }
    if (body(entry.object) === body(object)) return false;
    // metadata.generation moves only when the spec changes (API conventions).
    const generation = entry.object.metadata.generation + (JSON.stringify(entry.object.spec) !== JSON.stringify(object.spec) ? 1 : 0);
    object.metadata = { ...object.metadata, generation, uid: entry.object.metadata.uid, creationTimestamp: entry.object.metadata.creationTimestamp, namespace: entry.object.metadata.namespace };
    entry.object = object;
    return true;
  }

  private onCreate(key: string) {
    const e = this.state.objects[key];
    if (e.object.kind === 'Namespace') {
      e.object.metadata.labels = { ...e.object.metadata.labels, 'kubernetes.io/metadata.name': e.object.metadata.name };
    }
  }

  private apply(objects: any[], ns: string, dryRun: boolean, manager?: string): Result {
    const out: string[] = [];
    const errors: string[] = [];
    const warnings: string[] = [];
    const pending = new Set(objects.filter(o => o.kind === 'Namespace').map(o => o.metadata.name));
    for (const o of objects) {
      const r = this.admit(o, ns, dryRun, pending);
      warnings.push(...r.warnings);
      if (r.error) { errors.push(r.error); continue; }
      if (dryRun) { out.push(`${this.ref(o)} serverside-applied (server dry run)`); continue; }
      // An API server restart mid-apply (k3s restarting): kubectl reports each remaining object
      // and exits 1; objects before it are applied: a partial apply.
      const left = this.state.behaviour.apiRestartAfterWrites;
      if (left !== undefined && left <= 0) {
        errors.push(`The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?`);
        continue;
      }
      if (left !== undefined) this.state.behaviour.apiRestartAfterWrites = left - 1;
      this.store(o, r.key);
      if (!manager) this.state.objects[r.key].object.metadata.annotations = { ...this.state.objects[r.key].object.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': '...' };
      out.push(`${this.ref(o)} serverside-applied`);
    }
    // The API server is back for the next command.
    if (errors.some(e => e.includes('6443 was refused'))) this.state.behaviour.apiRestartAfterWrites = undefined;
    const stderr = [...warnings, ...errors].join('\n');
    return errors.length ? fail(1, stderr, out.join('\n')) : ok(out.join('\n') + '\n', stderr ? `${stderr}\n` : '');
  }

  /** kubectl diff: exit 0 none, 1 differences, >1 an error (kubectl diff --help; CheckDiffErr adds 1). */
  private diff(objects: any[], ns: string): Result {
    const out: string[] = [];
    for (const o of objects) {
      const r = this.admit(o, ns, true, new Set());
      if (r.error) return fail(2, r.error);
      const live = this.state.objects[r.key]?.object;
      if (live && body(live) === body(o)) continue;
      const file = `${GROUP[o.kind] ?? 'v1'}.${o.kind}.${o.metadata.namespace ?? ''}${o.metadata.namespace ? '.' : ''}${o.metadata.name}`.replace('..', '.');
      out.push(`diff -u -N /tmp/LIVE-1/${file} /tmp/MERGED-2/${file}`, `--- /tmp/LIVE-1/${file}`, `+++ /tmp/MERGED-2/${file}`);
      out.push(live ? `-${body(live).slice(0, 60)}` : '', `+${body(o).slice(0, 60)}`);
    }
    return { status: out.length ? 1 : 0, stdout: out.join('\n') + (out.length ? '\n' : ''), stderr: '' };
  }

  private view(e: Stored): any {
    return { ...e.object, status: e.status };
  }

  private kindsOf(spec: string): string[] {
    return spec.split(',').map(k => {
      const kind = KINDS[k];
      if (!kind) throw new Error(`fake kubectl: kind ${k}`);
      return kind;
    });
  }

  private matches(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
    if (!selector) return true;
    return selector.split(',').every(s => { const [k, v] = s.split('='); return labels?.[k] === v; });
  }

  private get(rest: string[], ns: string, selector?: string, output?: string, fieldSelector?: string, raw?: string, fromInput?: any[], ignoreNotFound = false): Result {
    if (raw !== undefined) return this.proxy(raw);
    if (fromInput) {
      const found = fromInput.map(o => this.state.objects[keyOf(o.kind, NAMESPACED.has(o.kind) ? o.metadata.namespace ?? ns : undefined, o.metadata.name)]).filter(Boolean);
      if (!ignoreNotFound && found.length < fromInput.length) return fail(1, 'Error from server (NotFound): not found');
      return ok(JSON.stringify({ kind: 'List', items: found.map(e => this.view(e)) }));
    }
    let [what, name] = rest;
    if (what.includes('/')) [what, name] = what.split('/');
    const kinds = this.kindsOf(what);
    if (kinds[0] === 'Node') {
      const node = this.node();
      if (name && (!node || name !== NODE_NAME)) return fail(1, `Error from server (NotFound): nodes "${name}" not found`);
      return ok(JSON.stringify(name ? node : { kind: 'List', items: node ? [node] : [] }));
    }
    if (kinds[0] === 'Pod') {
      const pods = Object.values(this.state.pods).filter(p => this.matches(p.labels, selector) && (!name || p.name === name));
      // -o name: one `pod/<name>` per line, terminating pods included (kubectl get docs, "Output options").
      if (output === 'name') return ok(pods.map(p => `pod/${p.name}\n`).join(''));
      return ok(JSON.stringify({ kind: 'List', items: pods.map(p => this.podView(p, ns)) }));
    }
    if (kinds[0] === 'Event') {
      const events = this.state.events.filter(e => e.metadata.namespace === ns
        && (!fieldSelector || e.involvedObject.name === fieldSelector.split('=')[1]));
      return ok(JSON.stringify({ kind: 'List', items: events }));
    }
    if (name) {
      const e = this.state.objects[keyOf(kinds[0], ns, name)];
      if (!e) return ignoreNotFound ? ok() : fail(1, `Error from server (NotFound): ${PLURAL[kinds[0]]} "${name}" not found`);
      return ok(output === 'name' ? `${this.ref(e.object)}\n` : JSON.stringify(this.view(e)));
    }
    const items = Object.values(this.state.objects).filter(e => kinds.includes(e.object.kind)
      && (!NAMESPACED.has(e.object.kind) || e.object.metadata.namespace === ns) && this.matches(e.object.metadata.labels, selector));
    return ok(JSON.stringify({ kind: 'List', items: items.map(e => this.view(e)) }));
  }

  private delete(rest: string[], ns: string, ignoreNotFound: boolean): Result {
    let [what, name] = rest;
    if (what.includes('/')) [what, name] = what.split('/');
    const kind = this.kindsOf(what)[0];
    if (kind === 'Pod') {
      const pod = this.state.pods[name];
      if (!pod) return ignoreNotFound ? ok() : fail(1, `Error from server (NotFound): pods "${name}" not found`);
      this.terminate(pod);
      return ok(`pod "${name}" deleted\n`);
    }
    const key = keyOf(kind, ns, name);
    if (!this.state.objects[key]) return ignoreNotFound ? ok() : fail(1, `Error from server (NotFound): ${PLURAL[kind]} "${name}" not found`);
    delete this.state.objects[key];
    // Background cascading deletion removes the workload's pods; StatefulSet PVCs stay
    // (persistentVolumeClaimRetentionPolicy Retain).
    for (const p of Object.values(this.state.pods)) if (p.owner === `${kind}/${name}`) this.terminate(p);
    return ok(`${kind.toLowerCase()}.apps "${name}" deleted\n`);
  }

  private node(): any | undefined {
    const k = this.state.k3s;
    if (!k || this.state.time < k.nodeAt) return undefined;
    const a = this.state.behaviour.allocatable;
    return {
      kind: 'Node', metadata: { name: NODE_NAME },
      status: { allocatable: { cpu: String(a.cpu), memory: `${Math.floor(a.memory / 1024)}Ki` },
        conditions: [{ type: 'Ready', status: this.state.time >= k.readyAt ? 'True' : 'False' }] },
    };
  }

  /** kubectl wait: --for=create (kubectl >= 1.31) waits for existence; a condition of a missing object fails at once. */
  private wait(target: string, forWhat: string, timeout = '30s'): Result {
    const deadline = this.state.time + Number(timeout.replace(/s$/, '')) * 1000;
    const [kind, name] = target.split('/');
    if (KINDS[kind] !== 'Node') return fail(1, `fake kubectl wait: unsupported ${target}`);
    if (forWhat === 'create') {
      while (!this.node() && this.state.time < deadline) this.advance(STEP_MS);
      return this.node() ? ok(`node/${name} condition met\n`) : fail(1, `error: timed out waiting for the condition on nodes/${name}`);
    }
    if (!this.node() || name !== NODE_NAME) return fail(1, `Error from server (NotFound): nodes "${name}" not found`);
    while (this.node().status.conditions[0].status !== 'True' && this.state.time < deadline) this.advance(STEP_MS);
    return this.node().status.conditions[0].status === 'True' ? ok(`node/${name} condition met\n`) : fail(1, `error: timed out waiting for the condition on nodes/${name}`);
  }

  /** `kind/name` of a workload, or a bare pod name (kubectl exec POD). */
  private podsOfRef(ref: string): Pod[] {
    const [kind, name] = ref.includes('/') ? ref.split('/') : ['pod', ref];
    const owner = `${KINDS[kind] ?? kind}/${name}`;
    return Object.values(this.state.pods).filter(p => (p.owner === owner || p.name === name) && !p.terminatingUntil);
  }

  private exec(ref: string, command: readonly string[], input?: string): Result {
    const pod = this.podsOfRef(ref).sort((a, b) => a.name.localeCompare(b.name))[0];
    if (!pod || !pod.startedAt) return fail(1, `error: unable to upgrade connection: container not found`);
    if (command[0] === 'redis-cli' && command.length === 1 && pod.redisPasswords) return this.redisCli(pod, input ?? '');
    if (pod.owner === 'StatefulSet/mongodb' && command[0] === 'mongosh') {
      const r = this.mongosh(pod, command, input ?? '');
      // kubectl exec passes the command's exit code on (kubectl exec docs).
      return r.status === 0 ? r : { ...r, stderr: `${r.stderr}command terminated with exit code ${r.status}\n` };
    }
    return pod.ready ? ok('') : fail(1, `command terminated with exit code 1`);
  }

  /**
   * redis-cli reading commands from stdin, authenticated by REDISCLI_AUTH (the pod's env). It
   * exits 0 whatever the replies (checked with redis-cli 7.0: refused connections and error
   * replies alike); only `ACL SETUSER default !<sha256>` is modelled: it removes the password
   * with that SHA-256, or answers that it does not exist (ACL docs, "!<hash>").
   */
  private redisCli(pod: Pod, input: string): Result {
    if (!pod.ready) return ok('', 'Could not connect to Redis at 127.0.0.1:6379: Connection refused\n');
    if (!pod.redisPasswords!.includes(pod.secrets.REDISCLI_AUTH ?? '')) return ok('', 'AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n');
    const out: string[] = [];
    for (const line of input.split('\n').filter(Boolean)) {
      const m = /^ACL SETUSER default !([0-9a-f]{64})$/.exec(line.trim());
      if (!m) { out.push(`ERR unknown command (fake: only ACL SETUSER default !<hash> is modelled)`); continue; }
      const at = pod.redisPasswords!.findIndex(p => crypto.createHash('sha256').update(p).digest('hex') === m[1]);
      if (at < 0) { out.push(`ERR Error in ACL SETUSER modifier '!${m[1]}': The password you are trying to remove from the user does not exist`); continue; }
      pod.redisPasswords!.splice(at, 1);
      out.push('OK');
    }
    return ok(out.join('\n') + '\n');
  }

  /** Whether the running Redis accepts `password` now (for assertions). */
  redisAccepts(password: string): boolean {
    const redis = Object.values(this.state.pods).find(x => x.owner === 'StatefulSet/redis' && x.ready && !x.terminatingUntil);
    return !!redis?.redisPasswords?.includes(password);
  }

  /**
   * `kubectl rollout restart`: kubectl sets the pod template annotation
   * kubectl.kubernetes.io/restartedAt (kubectl polymorphichelpers/objectrestarter.go), a
   * template change, so the controller rolls the pods as for any new revision.
   */
  private rollout(rest: string[], ns: string): Result {
    const [sub, target] = rest;
    if (sub !== 'restart' || !target) return fail(1, `fake kubectl: unsupported rollout ${rest.join(' ')}`);
    const [kind, name] = target.split('/');
    const key = keyOf(KINDS[kind] ?? kind, ns, name);
    const e = this.state.objects[key];
    if (!e) return fail(1, `Error from server (NotFound): ${PLURAL[KINDS[kind]] ?? kind} "${name}" not found`);
    const o = structuredClone(e.object);
    o.spec.template.metadata = { ...o.spec.template.metadata, annotations: { ...o.spec.template.metadata?.annotations, [RESTARTED_AT]: new Date(this.state.time).toISOString() } };
    this.store(o, key);
    return ok(`${this.ref(o)} restarted\n`);
  }

  // ------------------------------------------------------------------------------------------
  // mongod and mongosh inside the mongodb pod (the official image, docker-library/mongo).

  /** The files a pod's Secret volumes hold, by path (items, or every key). */
  private mountedFiles(p: Pod, ns = 'codeclashers'): Record<string, string> {
    // Secret volumes follow their Secret after a kubelet sync (Kubernetes docs, "Mounted Secrets
    // are updated automatically"); that delay is modelled in fake-mongo-cluster.ts, here at once.
    const files: Record<string, string> = {};
    for (const c of p.spec.containers ?? []) {
      for (const m of c.volumeMounts ?? []) {
        const v = (p.spec.volumes ?? []).find((x: any) => x.name === m.name);
        const secret = v?.secret && this.state.objects[keyOf('Secret', ns, v.secret.secretName)]?.object;
        if (!secret) continue;
        const items: { key: string; path: string }[] = v.secret.items ?? Object.keys(secret.data ?? {}).map(key => ({ key, path: key }));
        for (const item of items) {
          if (secret.data?.[item.key] !== undefined) files[`${m.mountPath}/${item.path}`] = Buffer.from(secret.data[item.key], 'base64').toString('utf8');
        }
      }
    }
    return files;
  }

  private mongodVolume(p: Pod): MongodVolume | undefined {
    return this.state.mongod[`data-${p.name}`];
  }

  /**
   * The official image's first start with an empty data dir: file_env reads
   * MONGO_INITDB_ROOT_USERNAME/_PASSWORD or their _FILE forms (both set: the entrypoint exits),
   * and the root user is created; a data dir that has users is left as it is
   * (docker-library/mongo docker-entrypoint.sh).
   */
  private mongodFirstStart(p: Pod): string | undefined {
    const volume = `data-${p.name}`;
    if (this.state.mongod[volume]) return undefined;
    const c = (p.spec.containers ?? []).find((x: any) => x.name === 'mongodb');
    const env = Object.fromEntries((c?.env ?? []).map((e: any) => [e.name, e.value]));
    const files = this.mountedFiles(p);
    const read = (name: string) => {
      if (p.secrets[name] !== undefined && env[`${name}_FILE`]) return { error: `error: both ${name} and ${name}_FILE are set (but are exclusive)` };
      return { value: p.secrets[name] ?? env[name] ?? (env[`${name}_FILE`] ? files[env[`${name}_FILE`]] : undefined) };
    };
    const user = read('MONGO_INITDB_ROOT_USERNAME');
    const pwd = read('MONGO_INITDB_ROOT_PASSWORD');
    if (user.error || pwd.error) return user.error ?? pwd.error;
    const users: Record<string, MongoUser> = {};
    if (user.value && pwd.value) users[`admin.${user.value}`] = { db: 'admin', user: user.value, pwd: pwd.value, roles: [{ role: 'root', db: 'admin' }] };
    this.state.mongod[volume] = { users, certificateRotations: 0 };
    return undefined;
  }

  /** mongod's TLS mode, from its container args (mongod docs, net.tls.mode); no --tlsMode: disabled. */
  private mongodTlsMode(p: Pod): string {
    const args: string[] = (p.spec.containers ?? []).find((x: any) => x.name === 'mongodb')?.args ?? [];
    const i = args.indexOf('--tlsMode');
    return i >= 0 ? args[i + 1] : 'disabled';
  }

  /**
   * mongosh in the mongodb container against its mongod. The connection first: requireTLS closes
   * a plain connection, a server without TLS fails a TLS handshake (mongod docs, net.tls.mode);
   * with TLS mongosh verifies the server certificate against --tlsCAFile and the host it
   * connects to (mongosh docs, "TLS Options"); either failure is a MongoServerSelectionError,
   * exit 1. Then the script (--eval, or stdin) runs against mongod's users.
   */
  private mongosh(p: Pod, command: readonly string[], input: string): Result {
    const opt = (name: string) => (command.includes(name) ? command[command.indexOf(name) + 1] : undefined);
    const mode = this.mongodTlsMode(p);
    const tls = command.includes('--tls');
    const host = opt('--host') ?? 'localhost';
    if (!p.ready && !this.mongodVolume(p)) return fail(1, `MongoServerSelectionError: connect ECONNREFUSED ${host}:27017`);
    if (mode === 'requireTLS' && !tls) return fail(1, `MongoServerSelectionError: connection <monitor> to ${host}:27017 closed`);
    if (mode === 'disabled' && tls) return fail(1, `MongoServerSelectionError: ${host}:27017: SSL routines:ssl3_get_record:wrong version number`);
    const files = this.mountedFiles(p);
    if (tls) {
      const caFile = opt('--tlsCAFile');
      const caPem = caFile ? files[caFile] : undefined;
      const serverPem = files['/etc/mongodb-tls/server.pem'];
      if (caFile && caPem === undefined) return fail(1, `MongoParseError: ENOENT: no such file or directory, open '${caFile}'`);
      if (!serverPem || !caPem) return fail(1, 'MongoServerSelectionError: unable to get local issuer certificate');
      const server = new crypto.X509Certificate(serverPem);
      if (!server.verify(new crypto.X509Certificate(caPem).publicKey)) return fail(1, 'MongoServerSelectionError: unable to verify the first certificate');
      if (!(server.checkHost(host) || server.checkIP(host))) return fail(1, `MongoServerSelectionError: Hostname/IP does not match certificate's altnames: ${host}`);
    }
    const volume = this.mongodVolume(p)!;
    const behaviour = this.state.behaviour;
    const data: MongodData = {
      get: k => volume.users[k], has: k => k in volume.users,
      set: (k, u) => {
        if (behaviour.mongodOutOfDisk) throw Object.assign(new Error('Can\'t take a write lock while out of disk space'), { name: 'MongoServerError', code: 14031, codeName: 'OutOfDiskSpace' });
        volume.users[k] = u;
      },
      delete: k => {
        if (behaviour.mongodOutOfDisk) throw Object.assign(new Error('Can\'t take a write lock while out of disk space'), { name: 'MongoServerError', code: 14031, codeName: 'OutOfDiskSpace' });
        const had = k in volume.users;
        delete volume.users[k];
        return had;
      },
      rotateCertificates: () => { volume.certificateRotations++; },
    };
    const evalAt = command.indexOf('--eval');
    const r = runMongoshScript(evalAt >= 0 ? command[evalAt + 1] : input, data, { readFile: f => this.mountedFiles(p)[f], sleep: () => this.advance(STEP_MS) });
    return { status: r.code, stdout: r.stdout, stderr: '' };
  }

  /**
   * Whether a pod's MongoDB login (MONGODB_USERNAME/MONGODB_PASSWORD in its environment, the
   * URI's authSource codeclashers) is accepted now: SCRAM accepts exactly the user's current
   * password (a user has one password, db.changeUserPassword replaces it: mongodb.com/docs/manual/
   * reference/method/db.changeUserPassword; SCRAM: mongodb.com/docs/manual/core/security-scram);
   * with net.tls.mode requireTLS only a TLS URI connects (mongodb.com/docs/manual/reference/
   * configuration-options, net.tls.mode). Undefined:
   * it works; else why not. What Colyseus needs to record a match result.
   */
  mongoLoginProblem(p: Pod): string | undefined {
    const mongod = Object.values(this.state.pods).find(x => x.owner === 'StatefulSet/mongodb' && x.ready);
    if (!mongod) return 'mongod is not ready';
    const uri = (p.spec.containers ?? []).flatMap((c: any) => c.env ?? []).find((e: any) => e.name === 'MONGODB_URI')?.value ?? '';
    if (this.mongodTlsMode(mongod) === 'requireTLS' && !uri.includes('tls=true')) return 'a plain connection to a requireTLS mongod';
    const authSource = /authSource=([^&]+)/.exec(uri)?.[1] ?? 'admin';
    const user = this.mongodVolume(mongod)?.users[`${authSource}.${p.secrets.MONGODB_USERNAME}`];
    if (!user) return `no user ${p.secrets.MONGODB_USERNAME} in ${authSource}`;
    return user.pwd === p.secrets.MONGODB_PASSWORD ? undefined : `${user.user}: AuthenticationFailed`;
  }

  /** mongod's data on the mongodb pod's volume. */
  mongodData(): MongodVolume | undefined {
    return this.state.mongod['data-mongodb-0'];
  }

  private logs(name: string, previous: boolean): Result {
    const pod = this.state.pods[name];
    if (!pod) return fail(1, `Error from server (NotFound): pods "${name}" not found`);
    if (previous) {
      if (!pod.restarts) return fail(1, `Error from server (BadRequest): previous terminated container "${pod.spec.containers[0].name}" in pod "${name}" not found`);
      return ok(`${pod.reason ?? 'exited'}\n`);
    }
    return pod.startedAt ? ok('starting\n') : fail(1, `Error from server (BadRequest): container "${pod.spec.containers[0].name}" in pod "${name}" is waiting to start: ${pod.reason}`);
  }

  /** API server service proxy: a ready endpoint answers; none gives 503 "no endpoints available". */
  private proxy(raw: string): Result {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^:/]+):(\d+)\/proxy(\/.*)$/.exec(raw);
    if (!m) return fail(1, `Error from server (NotFound): the server could not find the requested resource`);
    const service = this.state.objects[keyOf('Service', m[1], m[2])]?.object;
    if (!service) return fail(1, `Error from server (NotFound): services "${m[2]}" not found`);
    const ready = Object.values(this.state.pods).filter(p => p.ready && !p.terminatingUntil
      && Object.entries(service.spec.selector ?? {}).every(([k, v]) => p.labels[k] === v));
    if (!ready.length) return fail(1, `Error from server (ServiceUnavailable): no endpoints available for service "${m[2]}"`);
    return ok('ok');
  }

  private podView(p: Pod, ns: string): any {
    return {
      kind: 'Pod', metadata: { name: p.name, namespace: ns, labels: p.labels, annotations: p.annotations, deletionTimestamp: p.terminatingUntil ? new Date(p.terminatingUntil).toISOString() : undefined },
      spec: p.spec,
      status: {
        phase: p.startedAt ? 'Running' : 'Pending',
        conditions: [{ type: 'Ready', status: p.ready ? 'True' : 'False' }],
        containerStatuses: (p.spec.containers ?? []).map((c: any) => ({ name: c.name, restartCount: p.restarts, ready: p.ready, state: p.reason ? { waiting: { reason: p.reason } } : { running: {} } })),
      },
    };
  }

  // ------------------------------------------------------------------------------------------
  // Controllers, scheduler and kubelet, one step at a time.

  private event(ns: string, kind: string, name: string, type: string, reason: string, message: string) {
    const at = new Date(this.state.time).toISOString();
    const same = this.state.events.find(e => e.involvedObject.name === name && e.reason === reason && e.message === message);
    if (same) { same.count++; same.lastTimestamp = at; return; }
    this.state.events.push({ metadata: { namespace: ns, name: `${name}.${this.state.events.length}` }, involvedObject: { kind, name, namespace: ns }, type, reason, message, count: 1, firstTimestamp: at, lastTimestamp: at });
  }

  private terminate(p: Pod) {
    if (p.terminatingUntil) return;
    const workload = p.owner.split('/')[1];
    const grace = p.spec.terminationGracePeriodSeconds ?? 30;
    // A pod exits when its process does, at the latest after its grace period (SIGKILL).
    const drain = p.ready ? Math.min(grace, this.state.behaviour.drainSeconds[workload] ?? 0) : 0;
    p.terminatingUntil = this.state.time + drain * 1000;
    p.ready = false;
  }

  private createPod(owner: Stored, name: string, hash: string, extraLabels: Record<string, string>, eventTarget: { kind: string; name: string }): Pod | undefined {
    const o = owner.object;
    const ns = o.metadata.namespace;
    const template = o.spec.template;
    // Pod Security admission refuses the pod itself; the controller records FailedCreate.
    const problems = this.podSecurity(template.spec, this.namespaceLevels(ns).enforce);
    if (problems.length) {
      this.event(ns, eventTarget.kind, eventTarget.name, 'Warning', 'FailedCreate',
        `Error creating: pods "${name}" is forbidden: violates PodSecurity "${this.namespaceLevels(ns).enforce}:latest": ${problems.join(', ')}`);
      return undefined;
    }
    const pod: Pod = {
      name, owner: `${o.kind}/${o.metadata.name}`, hash, labels: { ...template.metadata?.labels, ...extraLabels }, annotations: { ...template.metadata?.annotations }, spec: structuredClone(template.spec),
      created: this.state.time, scheduled: false, secrets: {}, restarts: 0, ready: false,
    };
    this.state.pods[name] = pod;
    return pod;
  }

  private requests(p: Pod): { cpu: number; memory: number } {
    return (p.spec.containers ?? []).reduce((t: any, c: any) => ({
      cpu: t.cpu + quantity(c.resources?.requests?.cpu), memory: t.memory + quantity(c.resources?.requests?.memory),
    }), { cpu: 0, memory: 0 });
  }

  /** Scheduler: requests of every pod on the node, terminating ones included, within allocatable. */
  private schedule(p: Pod) {
    const used = Object.values(this.state.pods).filter(x => x.scheduled && x !== p).reduce((t, x) => {
      const r = this.requests(x);
      return { cpu: t.cpu + r.cpu, memory: t.memory + r.memory };
    }, { cpu: 0, memory: 0 });
    const need = this.requests(p);
    const a = this.state.behaviour.allocatable;
    if (used.cpu + need.cpu > a.cpu + 1e-9 || used.memory + need.memory > a.memory) {
      p.reason = 'Pending';
      this.event('codeclashers', 'Pod', p.name, 'Warning', 'FailedScheduling', `0/1 nodes are available: 1 Insufficient ${used.cpu + need.cpu > a.cpu ? 'cpu' : 'memory'}.`);
      return;
    }
    p.scheduled = true;
  }

  /** Kubelet: pull, env from Secrets, start, readiness. */
  private kubelet(p: Pod, ns: string) {
    if (!p.scheduled) return this.schedule(p);
    if (p.startedAt) {
      // Crash-looping containers restart with back-off; they never become ready.
      if (p.reason === 'CrashLoopBackOff') { p.restarts++; return; }
      if (!p.ready && this.state.time - p.startedAt >= STEP_MS) p.ready = this.readyNow(p);
      return;
    }
    for (const c of p.spec.containers ?? []) {
      const pull = this.pullable(c.image, p.spec.imagePullSecrets ?? [], ns);
      if (pull) {
        p.reason = 'ImagePullBackOff';
        this.event(ns, 'Pod', p.name, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${pull}`);
        return;
      }
    }
    // A Secret volume whose Secret (or item key) is missing keeps the pod in ContainerCreating
    // with FailedMount events until it appears (Kubernetes docs, "Secrets": "the Pod will not
    // start"; kubelet secret volume plugin messages).
    for (const v of p.spec.volumes ?? []) {
      if (!v.secret || v.secret.optional) continue;
      const secret = this.state.objects[keyOf('Secret', ns, v.secret.secretName)]?.object;
      const missingKey = secret && (v.secret.items ?? []).find((i: any) => secret.data?.[i.key] === undefined);
      if (!secret || missingKey) {
        p.reason = 'ContainerCreating';
        this.event(ns, 'Pod', p.name, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${v.name}" : ${secret ? `references non-existent secret key: ${missingKey.key}` : `secret "${v.secret.secretName}" not found`}`);
        return;
      }
    }
    const secrets: Record<string, string> = {};
    for (const c of p.spec.containers ?? []) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const secret = this.state.objects[keyOf('Secret', ns, ref.name)]?.object;
        // An optional reference to a missing Secret or key leaves the variable unset
        // (EnvVarSource secretKeyRef.optional, Kubernetes API reference).
        if (ref.optional && secret?.data?.[ref.key] === undefined) continue;
        if (!secret) {
          p.reason = 'CreateContainerConfigError';
          this.event(ns, 'Pod', p.name, 'Warning', 'Failed', `Error: secret "${ref.name}" not found`);
          return;
        }
        secrets[e.name] = Buffer.from(secret.data?.[ref.key] ?? '', 'base64').toString('utf8');
      }
    }
    p.secrets = secrets;
    p.startedAt = this.state.time;
    p.reason = undefined;
    const crash = this.crashReason(p) ?? (p.owner === 'StatefulSet/mongodb' ? this.mongodFirstStart(p) : undefined);
    if (crash) {
      p.reason = 'CrashLoopBackOff';
      p.restarts = 1;
      this.event(ns, 'Pod', p.name, 'Warning', 'BackOff', `Back-off restarting failed container: ${crash}`);
    } else if (p.owner === 'StatefulSet/redis') {
      p.redisPasswords = this.redisStart(p);
    }
  }

  /**
   * The passwords Redis' default user has after its start script: REDIS_PASSWORD and, when set,
   * different and free of `"` and `\` (which never worked: the script skips them),
   * REDIS_PASSWORD_PREVIOUS, in one `user default on resetpass >a >b ...` line of
   * the config file; Redis reads it only at start (ACL docs: "user" directives in redis.conf;
   * a user may have several passwords). Checked against redis-server 7.0 with the script lib/
   * synthesizes (test/redis-store.test.ts).
   */
  private redisStart(p: Pod): string[] {
    const { REDIS_PASSWORD: current = '', REDIS_PASSWORD_PREVIOUS: previous } = p.secrets;
    return previous && previous !== current && !/["\\]/.test(previous) ? [current, previous] : [current];
  }

  /**
   * Clients of Redis, draining pods included (a draining Colyseus pod still serves its match):
   * when Redis restarts their connections drop and they reconnect with the password in their
   * environment; a Redis that does not accept it answers WRONGPASS and a client that was
   * serving fails (ioredis: reconnect, then AUTH error). A client never connected is just unready.
   */
  private redisClients() {
    const redis = Object.values(this.state.pods).find(x => x.owner === 'StatefulSet/redis' && x.ready && !x.terminatingUntil);
    if (!redis) return;
    for (const p of Object.values(this.state.pods)) {
      if (p.owner === 'StatefulSet/redis' || !p.startedAt || p.secrets.REDIS_PASSWORD === undefined) continue;
      if (redis.redisPasswords!.includes(p.secrets.REDIS_PASSWORD)) p.redisConnected = true;
      else if (p.redisConnected && !this.state.redisRefused.includes(p.name)) this.state.redisRefused.push(p.name);
    }
  }

  private crashReason(p: Pod): string | undefined {
    const images = (p.spec.containers ?? []).map((c: any) => c.image);
    const bad = images.find((i: string) => this.state.behaviour.crashInCluster.some(c => i === c || (c.endsWith(':') && i.startsWith(c))));
    if (bad) return `${bad}: process exited with code 1`;
    // Redis parses `user default on resetpass ">value" ...` from the config file the start script
    // writes; a quote inside the value ends the string early and redis-server exits ("Unbalanced
    // quotes in configuration line", redis src/config.c, sdssplitargs; seen with redis-server 7.0).
    if (p.owner === 'StatefulSet/redis' && (p.secrets.REDIS_PASSWORD ?? '').includes('"')) {
      return '*** FATAL CONFIG FILE ERROR (Redis) *** Reading the configuration file, at line 1 >>> \'user default on resetpass ">..."\' Unbalanced quotes in configuration line';
    }
    return undefined;
  }

  /**
   * Readiness: a Redis client answers /readyz only while Redis accepts its password (Redis reads
   * its passwords at start; a client with another one gets WRONGPASS).
   */
  private readyNow(p: Pod): boolean {
    // mongod: its readiness probe's command, run as the kubelet runs it.
    if (p.owner === 'StatefulSet/mongodb') {
      const probe = (p.spec.containers ?? []).find((c: any) => c.name === 'mongodb')?.readinessProbe?.exec?.command ?? [];
      if (probe[0] === 'mongosh') return this.mongosh({ ...p, ready: true }, probe, '').status === 0;
    }
    if (p.owner !== 'StatefulSet/redis' && p.secrets.REDIS_PASSWORD !== undefined) {
      const redis = Object.values(this.state.pods).find(x => x.owner === 'StatefulSet/redis' && x.ready);
      if (!redis?.redisPasswords?.includes(p.secrets.REDIS_PASSWORD)) return false;
    }
    return true;
  }

  /** Why the kubelet cannot pull `image` with these pull Secrets (undefined: it can). */
  private pullable(image: string, pullSecrets: { name: string }[], ns: string): string | undefined {
    const repository = image.replace(/[:@][^/]*$/, '');
    const entry = this.state.registry[image];
    const ours = Object.keys(this.state.registry).some(i => i.startsWith(`${repository}:`)) || image.includes('/codeclashers-');
    if (!ours) return undefined; // public images (mongo, redis, postgres, judge0) from Docker Hub
    if (!entry) return `${image}: not found`;
    if (!entry.private || this.state.behaviour.publicPackages.includes(repository)) return undefined;
    for (const s of pullSecrets) {
      const secret = this.state.objects[keyOf('Secret', ns, s.name)]?.object;
      const config = secret && JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
      const auth = config && Object.values(config.auths as Record<string, any>)[0];
      if (auth && (this.state.behaviour.tokens[auth.password] ?? []).includes('read:packages')) return undefined;
    }
    return 'unauthorized: authentication required';
  }

  private templateHash(o: any): string {
    return hashOf(o.spec.template);
  }

  private reconcile() {
    for (const p of Object.values(this.state.pods)) {
      if (p.terminatingUntil !== undefined && this.state.time >= p.terminatingUntil) delete this.state.pods[p.name];
    }
    for (const e of Object.values(this.state.objects)) {
      if (e.object.kind === 'Deployment') this.deployment(e);
      if (e.object.kind === 'StatefulSet') this.statefulSet(e);
    }
    for (const p of Object.values(this.state.pods)) if (!p.terminatingUntil) this.kubelet(p, 'codeclashers');
    this.redisClients();
  }

  /**
   * Deployment controller, RollingUpdate with maxSurge 1 / maxUnavailable 0: a new ReplicaSet
   * (revision) exists only when .spec.template changes; going back to an old template reuses its
   * ReplicaSet with a new revision number (Deployments docs, "Rolling Back a Deployment").
   * Terminating pods do not count against maxSurge but hold their requests while they drain.
   */
  private deployment(e: Stored) {
    const d = e.object;
    const hash = this.templateHash(d);
    const max = Math.max(0, ...e.revisions.map(r => r.revision));
    const current = e.revisions.find(r => r.hash === hash);
    if (!current) { e.revisions.push({ hash, revision: max + 1 }); e.lastProgress = this.state.time; }
    else if (current.revision !== max) { current.revision = max + 1; e.lastProgress = this.state.time; }
    const want = d.spec.replicas ?? 1;
    const live = () => Object.values(this.state.pods).filter(p => p.owner === `Deployment/${d.metadata.name}` && !p.terminatingUntil);
    const before = JSON.stringify(live().map(p => [p.name, p.ready]));
    let pods = live();
    const fresh = () => pods.filter(p => p.hash === hash);
    while (fresh().length < want && pods.length < want + 1) {
      const pod = this.createPod(e, `${d.metadata.name}-${hash}-${crypto.randomBytes(3).toString('hex')}`, hash, { 'pod-template-hash': hash }, { kind: 'ReplicaSet', name: `${d.metadata.name}-${hash}` });
      if (!pod) break;
      pods = live();
    }
    for (const p of fresh().slice(want)) this.terminate(p);
    pods = live();
    let ready = pods.filter(p => p.ready).length;
    const old = pods.filter(p => p.hash !== hash).sort((a, b) => Number(a.ready) - Number(b.ready));
    for (const p of old) {
      if (!p.ready) { this.terminate(p); continue; }
      if (ready - 1 >= want) { this.terminate(p); ready--; }
    }
    pods = live();
    if (JSON.stringify(pods.map(p => [p.name, p.ready])) !== before) e.lastProgress = this.state.time;
    const updated = pods.filter(p => p.hash === hash);
    const available = pods.filter(p => p.ready).length;
    const complete = updated.length === want && pods.length === want && available >= want;
    const deadline = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
    const condition = complete
      ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }
      : this.state.time - e.lastProgress > deadline
        ? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${d.metadata.name}-${hash}" has timed out progressing.` }
        : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' };
    e.status = {
      observedGeneration: d.metadata.generation, replicas: pods.length, updatedReplicas: updated.length,
      readyReplicas: available, availableReplicas: available, conditions: [condition],
    };
  }

  /**
   * StatefulSet controller, OrderedReady + RollingUpdate: pods are created in order, each after
   * the previous is Ready; updates go from the highest ordinal down and only while every pod is
   * Running and Ready, so a pod broken on a bad revision is never replaced, even after the
   * template is reverted ("Forced rollback", StatefulSet docs; kubernetes#67250). The status
   * (observedGeneration, updateRevision) catches up on the controller's next pass.
   */
  private statefulSet(e: Stored) {
    const s = e.object;
    const name = s.metadata.name;
    const hash = this.templateHash(s);
    if ((e.status.observedGeneration ?? 0) < s.metadata.generation) {
      if (!e.status.pendingSince) { e.status = { ...e.status, pendingSince: this.state.time }; return; }
      if (!e.revisions.some(r => r.hash === hash)) e.revisions.push({ hash, revision: Math.max(0, ...e.revisions.map(r => r.revision)) + 1 });
      e.status = { ...e.status, observedGeneration: s.metadata.generation, updateRevision: `${name}-${hash}`, pendingSince: undefined };
      if (!e.status.currentRevision) e.status.currentRevision = `${name}-${hash}`;
    }
    const update = e.status.updateRevision as string;
    const want = s.spec.replicas ?? 1;
    const pods = () => Object.values(this.state.pods).filter(p => p.owner === `StatefulSet/${name}` && !p.terminatingUntil);
    const terminating = Object.values(this.state.pods).some(p => p.owner === `StatefulSet/${name}` && p.terminatingUntil);
    for (let i = 0; i < want && !terminating; i++) {
      const pod = this.state.pods[`${name}-${i}`];
      if (!pod) {
        // PVCs from volumeClaimTemplates carry the template's labels and the selector's.
        for (const t of s.spec.volumeClaimTemplates ?? []) {
          const claim = `${t.metadata.name}-${name}-${i}`;
          if (!this.state.pvcs[claim]) this.state.pvcs[claim] = { labels: { ...t.metadata.labels, ...s.spec.selector.matchLabels } };
        }
        this.createPod(e, `${name}-${i}`, update.slice(name.length + 1), { 'controller-revision-hash': update, 'statefulset.kubernetes.io/pod-name': `${name}-${i}` }, { kind: 'StatefulSet', name });
        break;
      }
      if (!pod.ready) break;
    }
    const all = pods();
    if (!terminating && all.length >= want && all.every(p => p.ready)) {
      const stale = all.filter(p => p.labels['controller-revision-hash'] !== update).sort((a, b) => b.name.localeCompare(a.name))[0];
      if (stale) this.terminate(stale);
    }
    const now = pods();
    const updated = now.filter(p => p.labels['controller-revision-hash'] === update).length;
    const readyCount = now.filter(p => p.ready).length;
    e.status = {
      ...e.status, replicas: now.length, readyReplicas: readyCount, updatedReplicas: updated,
      currentRevision: updated === want && readyCount === want ? update : e.status.currentRevision,
    };
    e.status.currentReplicas = now.filter(p => p.labels['controller-revision-hash'] === e.status.currentRevision).length;
  }

  // ------------------------------------------------------------------------------------------
  // Docker, buildx and GHCR.

  private docker(inv: Invocation): Result {
    const a = inv.args;
    const config = inv.env.DOCKER_CONFIG;
    if (a[0] === 'buildx' && a[1] === 'imagetools' && a[2] === 'inspect') {
      const image = a[3];
      const entry = this.state.registry[image];
      if (!entry) return fail(1, `ERROR: ${image}: not found`);
      const repository = image.replace(/:[^/]*$/, '');
      // The runner's own login (GITHUB_TOKEN, packages: write) reads the repository's packages;
      // another DOCKER_CONFIG has only what was logged in there. New GHCR packages are private.
      if (config !== undefined && entry.private && !this.state.behaviour.publicPackages.includes(repository)) {
        const token = this.state.logins[config];
        if (!token || !(this.state.behaviour.tokens[token] ?? []).includes('read:packages')) {
          return fail(1, `ERROR: failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token: 401 Unauthorized`);
        }
      }
      return ok(`Name:      ${image}\nMediaType: application/vnd.oci.image.index.v1+json\n`);
    }
    if (a[0] === 'buildx' && a[1] === 'build') {
      const file = a[a.indexOf('-f') + 1];
      const context = a[a.length - 1];
      if (!fs.existsSync(path.join(inv.cwd, context, file))) return fail(1, `ERROR: failed to solve: failed to read dockerfile: open ${file}: no such file or directory`);
      this.state.localImages.push(a[a.indexOf('--tag') + 1]);
      return ok(`#1 [internal] load build definition from ${file}\n#9 DONE\n`);
    }
    if (a[0] === 'push') {
      if (!this.state.localImages.includes(a[1])) return fail(1, `An image does not exist locally with the tag: ${a[1]}`);
      const repository = a[1].replace(/:[^/]*$/, '');
      const known = Object.keys(this.state.registry).some(i => i.startsWith(`${repository}:`));
      const wasPrivate = Object.entries(this.state.registry).find(([i]) => i.startsWith(`${repository}:`))?.[1].private;
      this.state.registry[a[1]] = { private: known ? wasPrivate ?? true : true };
      return ok(`${a[1].split(':').pop()}: digest: sha256:${hashOf(a[1])} size: 1234\n`);
    }
    if (a[0] === 'login') {
      const token = (inv.input ?? '').trim();
      if (!(token in this.state.behaviour.tokens)) return fail(1, 'Error response from daemon: Get "https://ghcr.io/v2/": denied: denied');
      if (config) this.state.logins[config] = token;
      return ok('Login Succeeded\n');
    }
    return fail(1, `fake docker: unsupported ${a.join(' ')}`);
  }

  /** scripts/images/smoke.ts (contract: exit 0, or non-zero with one line on stderr). */
  private smoke(inv: Invocation): Result {
    const image = inv.args[inv.args.indexOf('--image') + 1];
    if (!this.state.localImages.includes(image)) return fail(1, `smoke: ${image} does not exist locally`);
    if (this.state.behaviour.smokeFails.includes(image)) return fail(1, `smoke: ${image}: /readyz did not answer 200 within 30 s`);
    return ok(`smoke: ${image} ok\n`);
  }

  // ------------------------------------------------------------------------------------------
  // For assertions.

  live(kind: string, name: string, ns = 'codeclashers'): any | undefined {
    const e = this.state.objects[keyOf(kind, ns, name)];
    return e && this.view(e);
  }

  podsOf(kind: string, name: string): Pod[] {
    return Object.values(this.state.pods).filter(p => p.owner === `${kind}/${name}` && !p.terminatingUntil);
  }

  templateHashOf(manifest: any): string {
    return hashOf(manifest.spec.template);
  }
}
