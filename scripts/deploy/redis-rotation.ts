// A Redis password rotation that keeps the game up. Redis reads its password only at start, so
// a new REDIS_PASSWORD restarts it, while Colyseus pods still draining a match (up to
// K8S_MATCH_SECONDS + 60 s) hold the old one in their environment and reconnect with it. So
// the deploy keeps the old password in a Secret of its own, Redis accepts both (an ACL user may
// have several passwords: https://redis.io/docs/latest/operate/oss_and_stack/management/security/acl/),
// and once no pod started with the old one is left, the deploy drops it.
import { createHash } from 'crypto';
import { NAMESPACE } from '../../lib/labels';
import { Manifest, workloadsOf } from '../../lib/manifest';
import { REDIS_POD, REDIS_PREVIOUS_PASSWORD_KEY, REDIS_PREVIOUS_PASSWORD_SECRET, RedisStore } from '../../lib/redis-store';
import { Context, DeployError, kubectl, mustKubectl } from './context';
import { SECRET_DIGEST_ANNOTATION, SecretValues, decodeSecret, secretKeysByWorkload } from './secrets';

export function previousPasswordManifest(previous: string): Manifest {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: REDIS_PREVIOUS_PASSWORD_SECRET, namespace: NAMESPACE },
    data: { [REDIS_PREVIOUS_PASSWORD_KEY]: Buffer.from(previous).toString('base64') },
  };
}

/** The Secret that keeps the live password accepted when this run changes it (else none). */
export function rotationSecrets(before: SecretValues | undefined, after: SecretValues): Manifest[] {
  const previous = before?.REDIS_PASSWORD;
  return previous && previous !== after.REDIS_PASSWORD ? [previousPasswordManifest(previous)] : [];
}

/**
 * What redis-cli reads on stdin to drop `password`: by its SHA-256 (`!<hash>`, ACL docs), so
 * neither argv nor the command line's quoting ever sees the value.
 */
export function dropPasswordCommand(password: string): string {
  return `ACL SETUSER default !${createHash('sha256').update(password).digest('hex')}\n`;
}

/**
 * redis-cli exits 0 whatever the reply when it reads commands from stdin: the reply decides.
 * A password already gone ("does not exist": Redis restarted without it) is dropped too.
 */
export function dropSucceeded(stdout: string): boolean {
  return /^OK$/m.test(stdout) || stdout.includes('The password you are trying to remove from the user does not exist');
}

interface Reader { readonly id: string; readonly selector: Record<string, string>; readonly digest: string }

/** Workloads that read REDIS_PASSWORD (Redis itself aside) and the digest their pods must carry. */
export function readersOf(prepared: readonly Manifest[]): Reader[] {
  const keys = secretKeysByWorkload(prepared);
  return workloadsOf(prepared)
    .filter(w => w.object.metadata.name !== RedisStore.NAME && (keys.get(w.id) ?? []).includes('REDIS_PASSWORD'))
    .map(w => ({ id: w.id, selector: w.object.spec.selector.matchLabels, digest: w.object.spec.template.metadata?.annotations?.[SECRET_DIGEST_ANNOTATION] }));
}

/** Pods (terminating ones included: they still run) whose secret digest is not their workload's new one. */
export function podsOnOldSecrets(pods: readonly any[], readers: readonly Reader[]): string[] {
  return pods.filter(p => readers.some(r => Object.entries(r.selector).every(([k, v]) => p.metadata?.labels?.[k] === v)
    && p.metadata?.annotations?.[SECRET_DIGEST_ANNOTATION] !== r.digest)).map(p => p.metadata.name);
}

/**
 * After a healthy rollout: waits (at most the readers' longest drain) until no pod started with
 * the previous password is left, then drops it from Redis and deletes the Secret. Left for the
 * next deploy when pods still hold it; never fails the release. Returns the summary line.
 */
export async function dropPreviousPassword(ctx: Context, prepared: readonly Manifest[], values: SecretValues): Promise<string> {
  try {
    return await drop(ctx, prepared, values);
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    return `kept: ${error.message}; the next deploy retries`;
  }
}

async function drop(ctx: Context, prepared: readonly Manifest[], values: SecretValues): Promise<string> {
  const r = await kubectl(ctx, ['get', 'secret', REDIS_PREVIOUS_PASSWORD_SECRET, '-n', NAMESPACE, '-o', 'json']);
  const previous = r.status === 0 ? decodeSecret(JSON.parse(r.stdout).data)[REDIS_PREVIOUS_PASSWORD_KEY] : undefined;
  if (!previous) return 'none';
  if (previous !== values.REDIS_PASSWORD) {
    const readers = readersOf(prepared);
    const drain = Math.max(30, ...workloadsOf(prepared).map(w => w.podSpec.terminationGracePeriodSeconds ?? 30));
    const deadline = ctx.clock.now() + (drain + ctx.opts.pollSeconds) * 1000;
    let printed = '';
    for (;;) {
      const pods = JSON.parse((await mustKubectl(ctx, ['get', 'pods', '-n', NAMESPACE, '-o', 'json'])).stdout).items;
      const stale = podsOnOldSecrets(pods, readers);
      if (!stale.length) break;
      if (ctx.clock.now() > deadline) {
        return `kept: pods ${stale.join(', ')} still hold it; the next deploy drops it`;
      }
      const line = `Redis keeps the previous password while ${stale.join(', ')} drain${stale.length === 1 ? 's' : ''}`;
      if (line !== printed) ctx.log(printed = line);
      await ctx.clock.sleep(ctx.opts.pollSeconds * 1000);
    }
    // The password on redis-cli's stdin; redis-cli authenticates with REDISCLI_AUTH (the pod's env).
    const reply = await kubectl(ctx, ['exec', '-i', '-n', NAMESPACE, REDIS_POD, '-c', RedisStore.NAME, '--', 'redis-cli'], { input: dropPasswordCommand(previous) });
    if (reply.status !== 0 || !dropSucceeded(reply.stdout)) {
      return `kept: Redis did not drop it (${ctx.redact((reply.stdout + reply.stderr).trim().split('\n').pop() ?? '')}); the next deploy retries`;
    }
  }
  // A later Redis restart must not accept it again.
  await mustKubectl(ctx, ['delete', 'secret', REDIS_PREVIOUS_PASSWORD_SECRET, '-n', NAMESPACE, '--ignore-not-found']);
  return previous === values.REDIS_PASSWORD ? 'none (a leftover of a rolled-back rotation removed)' : 'dropped (no pod holds it any more)';
}
