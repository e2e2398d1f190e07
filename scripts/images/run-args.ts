// How a Deployment's pod runs, translated once into `docker run` options, so the smoke test
// runs an image the way the cluster will and follows the manifests when they change.
// Pure: manifest and choices in, arguments out. What has no local equivalent is refused with one
// line naming the field, rather than silently run differently.
import { Manifest } from '../../lib/manifest';
import { parseQuantity } from '../../lib/quantity';

export interface LocalRunOptions {
  /** The image to run instead of the manifest's (the one just built). */
  readonly image: string;
  /**
   * The value a `secretKeyRef` reads: test values, never the real Secret.
   * The same key must give the same value (two variables may read one key).
   */
  readonly secretValue: (secret: string, key: string) => string;
  /**
   * Cluster addresses the variables name (`redis:6379`) and where they are reached here
   * (`127.0.0.1:40123`); replaced in every value after `$(VAR)` expansion.
   * @default {} (names stay as they are and do not resolve here)
   */
  readonly endpoints?: Readonly<Record<string, string>>;
  /**
   * Host networking shares the host's ports, and on a shared machine the manifest's port may be
   * taken: the port to listen on instead. It is set through the variables whose value is the
   * container port (the manifests set `PORT` to it), and the probes follow it.
   * @default the container port
   */
  readonly listenPort?: number;
  /**
   * Variables left out of the environment (to see the service refuse to start without them).
   * @default []
   */
  readonly omit?: readonly string[];
  /**
   * The host directory Secret volumes are mounted from (`<secretDir>/<volume name>`), holding
   * the files of `LocalRun.files`.
   * @default '/nonexistent' (only a manifest without Secret volumes runs)
   */
  readonly secretDir?: string;
}

export interface HttpProbe {
  readonly path: string;
  readonly port: number;
  readonly periodSeconds: number;
  readonly failureThreshold: number;
  readonly timeoutSeconds: number;
}

export interface LocalRun {
  /** `docker run` options (the environment is in `env`, for an env file: no values on a command line). */
  readonly options: string[];
  readonly image: string;
  /** What follows the image: the manifest's `args`. */
  readonly args: string[];
  /** The container's environment, in the manifest's order, references expanded. */
  readonly env: Readonly<Record<string, string>>;
  /** Files to write under `secretDir` before the run (Secret volumes' test contents), by relative path. */
  readonly files: Readonly<Record<string, string>>;
  readonly startupProbe?: HttpProbe;
  readonly readinessProbe?: HttpProbe;
  readonly livenessProbe?: HttpProbe;
  /** terminationGracePeriodSeconds: how long SIGTERM may take before the kubelet kills. */
  readonly gracePeriodSeconds: number;
}

/** Kubernetes' default grace period (PodSpec.terminationGracePeriodSeconds). */
const DEFAULT_GRACE_SECONDS = 30;

/** The one container of a Deployment's pod, as `docker run` with host networking runs it. */
export function localRunOf(deployment: Manifest, options: LocalRunOptions): LocalRun {
  const where = `${deployment.kind}/${deployment.metadata.name}`;
  const refuse = (field: string, value: unknown, accepted: string): never => {
    throw new Error(`${where}: ${field}=${JSON.stringify(value)} has no local translation; supported: ${accepted}`);
  };
  const pod = deployment.spec?.template?.spec;
  if (!pod) refuse('spec.template.spec', pod, 'a pod template');
  if (pod.containers?.length !== 1) refuse('containers', (pod.containers ?? []).map((c: any) => c.name), 'exactly one container');
  if (pod.initContainers?.length) refuse('initContainers', pod.initContainers.map((c: any) => c.name), 'none');
  const container = pod.containers[0];
  const podSecurity = pod.securityContext ?? {};
  const security = { ...podSecurity, ...(container.securityContext ?? {}) };
  const out: string[] = ['--network', 'host'];

  // Identity: uid/gid, and fsGroup/supplementalGroups as the groups the process gets.
  if (security.runAsUser !== undefined) out.push('--user', `${security.runAsUser}:${security.runAsGroup ?? 0}`);
  if (security.runAsNonRoot && security.runAsUser === 0) refuse('securityContext.runAsUser', 0, 'non-zero with runAsNonRoot');
  for (const group of [podSecurity.fsGroup, ...(podSecurity.supplementalGroups ?? [])]) {
    if (group !== undefined) out.push('--group-add', String(group));
  }

  // Confinement.
  if (security.readOnlyRootFilesystem) out.push('--read-only');
  if (security.privileged) out.push('--privileged');
  if (security.allowPrivilegeEscalation === false) out.push('--security-opt', 'no-new-privileges');
  for (const cap of security.capabilities?.drop ?? []) out.push('--cap-drop', cap);
  for (const cap of security.capabilities?.add ?? []) out.push('--cap-add', cap);
  const seccomp = security.seccompProfile?.type;
  if (seccomp === 'Unconfined') out.push('--security-opt', 'seccomp=unconfined');
  else if (seccomp !== undefined && seccomp !== 'RuntimeDefault') refuse('seccompProfile.type', seccomp, 'RuntimeDefault, Unconfined');

  // Writable places: emptyDir volumes as tmpfs. Kubernetes makes an emptyDir 0777 and, with an
  // fsGroup, group-owned by it with the setgid bit (kubelet SetVolumeOwnership). Secret volumes:
  // read-only files (kubelet mounts them read-only), one per key or per `items` entry, holding
  // test values, bind-mounted from `secretDir`.
  const volumes = new Map<string, any>((pod.volumes ?? []).map((v: any) => [v.name, v]));
  const files: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    if (mount.subPath) refuse(`volumeMounts[${mount.name}].subPath`, mount.subPath, 'none');
    if (volume?.secret) {
      const items: { key: string; path: string }[] | undefined = volume.secret.items;
      if (!items?.length) refuse(`volumes[${mount.name}].secret.items`, items, 'the keys listed (test values cannot guess a Secret\'s keys)');
      for (const item of items!) files[`${mount.name}/${item.path}`] = options.secretValue(volume.secret.secretName, item.key);
      out.push('--volume', `${options.secretDir ?? '/nonexistent'}/${mount.name}:${mount.mountPath}:ro`);
      continue;
    }
    if (!volume?.emptyDir) refuse(`volumeMounts[${mount.name}]`, volume ? Object.keys(volume).filter(k => k !== 'name') : 'no such volume', 'emptyDir, secret');
    const tmpfs = [mount.readOnly ? 'ro' : 'rw', 'exec', 'nosuid', 'nodev'];
    if (volume.emptyDir.sizeLimit) tmpfs.push(`size=${parseQuantity(volume.emptyDir.sizeLimit)}`);
    tmpfs.push(podSecurity.fsGroup !== undefined ? 'mode=2777' : 'mode=0777');
    out.push('--tmpfs', `${mount.mountPath}:${tmpfs.join(',')}`);
  }

  // The limits the kubelet sets (a service that needs more memory than its limit fails here too).
  const limits = container.resources?.limits ?? {};
  if (limits.memory) out.push('--memory', String(parseQuantity(limits.memory)));
  if (limits.cpu) out.push('--cpus', String(parseQuantity(limits.cpu)));
  if (container.workingDir) out.push('--workdir', container.workingDir);
  if (container.command?.length) {
    if (container.command.length > 1) refuse('command', container.command, 'one entry (the rest belongs in args)');
    out.push('--entrypoint', container.command[0]);
  }
  // Kubernetes ignores the image's HEALTHCHECK; so does this run.
  out.push('--no-healthcheck');

  const containerPort: number | undefined = container.ports?.[0]?.containerPort;
  const env = environmentOf(container.env ?? [], where, options, containerPort);
  const probe = (p: any): HttpProbe | undefined => {
    if (!p) return undefined;
    if (!p.httpGet) refuse('probe', Object.keys(p).filter(k => k.endsWith('Get') || k === 'exec' || k === 'tcpSocket'), 'httpGet');
    const port = typeof p.httpGet.port === 'number' ? p.httpGet.port : container.ports?.find((cp: any) => cp.name === p.httpGet.port)?.containerPort;
    if (port === undefined) refuse('httpGet.port', p.httpGet.port, 'a number or a named container port');
    return {
      path: p.httpGet.path ?? '/',
      port: port === containerPort && options.listenPort !== undefined ? options.listenPort : port,
      // Kubernetes' defaults (Probe: periodSeconds 10, failureThreshold 3, timeoutSeconds 1).
      periodSeconds: p.periodSeconds ?? 10,
      failureThreshold: p.failureThreshold ?? 3,
      timeoutSeconds: p.timeoutSeconds ?? 1,
    };
  };
  return {
    options: out,
    image: options.image,
    args: container.args ?? [],
    env,
    files,
    startupProbe: probe(container.startupProbe),
    readinessProbe: probe(container.readinessProbe),
    livenessProbe: probe(container.livenessProbe),
    gracePeriodSeconds: pod.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
  };
}

function environmentOf(vars: any[], where: string, options: LocalRunOptions, containerPort: number | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  let moved = false;
  for (const v of vars) {
    let value: string;
    if (v.value !== undefined) {
      value = expand(String(v.value), env);
    } else if (v.valueFrom?.secretKeyRef) {
      value = options.secretValue(v.valueFrom.secretKeyRef.name, v.valueFrom.secretKeyRef.key);
    } else if (v.valueFrom?.fieldRef?.fieldPath === 'status.podIP') {
      value = '127.0.0.1'; // host networking: the pod's address is the loopback
    } else if (v.valueFrom === undefined) {
      value = '';
    } else {
      throw new Error(`${where}: env ${v.name} valueFrom=${JSON.stringify(v.valueFrom)} has no local translation; supported: value, secretKeyRef, fieldRef status.podIP`);
    }
    for (const [cluster, local] of Object.entries(options.endpoints ?? {})) value = value.split(cluster).join(local);
    if (options.listenPort !== undefined && containerPort !== undefined && value === String(containerPort)) {
      value = String(options.listenPort);
      moved = true;
    }
    env[v.name] = value;
  }
  if (options.listenPort !== undefined && !moved) {
    throw new Error(`${where}: no variable is set to the container port ${containerPort}, so it cannot listen on ${options.listenPort} instead`);
  }
  for (const name of options.omit ?? []) {
    if (!(name in env)) throw new Error(`${where}: cannot leave out ${name}: the manifest does not set it`);
    delete env[name];
  }
  return env;
}

/**
 * Kubernetes' `$(VAR)` expansion of env values (k8s.io/kubernetes third_party/forked/golang/
 * expansion): `$(NAME)` is the value of a variable defined earlier in the list, `$$` is a
 * literal `$`, and a reference to anything else stays as written.
 */
export function expand(text: string, defined: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$' || i + 1 >= text.length) { out += text[i]; continue; }
    const next = text[i + 1];
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '(') {
      const close = text.indexOf(')', i + 2);
      if (close !== -1) {
        const name = text.slice(i + 2, close);
        out += name in defined ? defined[name] : `$(${name})`;
        i = close;
        continue;
      }
    }
    out += '$';
  }
  return out;
}
