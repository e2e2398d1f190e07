// Pulls the third-party images (Docker Hub: MongoDB, Redis, PostgreSQL, Judge0) into k3s's
// containerd before the first deploy, retrying on Docker Hub's rate limits, with `df` before
// and after: the pods then start from the node's image store (imagePullPolicy IfNotPresent)
// and a rate limit shows up here, named, instead of as an ImagePullBackOff in a rollout.
// With --base-images it warms the buildx builder with the Dockerfiles' base images instead,
// so the deploy's builds find them in the builder's cache.
//
//   sudo env "PATH=$PATH" node -r tsx/cjs scripts/e2e/prepull.ts   (reads dist/*.k8s.yaml; K8S_JUDGE0_MODE)
//   node -r tsx/cjs scripts/e2e/prepull.ts --base-images            (reads backend/*/Dockerfile)
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { type Judge0Mode } from '../../lib/config';
import { Manifest, workloadsOf } from '../../lib/manifest';
import { servicesOf } from '../deploy/preflight';
import { judge0ModeOf } from './plan';
import { JUDGE0_WORKLOADS, OWN_WORKLOADS } from './workloads';

/** Distinct third-party images the deploy will run, given the Judge0 mode. */
export function imagesToPull(objects: readonly Manifest[], judge0Mode: Judge0Mode): string[] {
  const images = workloadsOf(objects)
    .filter(w => !OWN_WORKLOADS.includes(w.object.metadata.name))
    .filter(w => judge0Mode === 'cluster' || !JUDGE0_WORKLOADS.includes(w.object.metadata.name))
    .flatMap(w => w.containers.map((c: any) => String(c.image)));
  return [...new Set(images)].sort();
}

/**
 * Images a Dockerfile builds FROM: not `scratch`, not an earlier stage's name, and not one
 * built from an ARG (`$`), which only the build itself can resolve.
 */
export function baseImagesOf(dockerfile: string): string[] {
  // ARGs declared before the first FROM may be used in FROM lines; their defaults are what a
  // build without --build-arg pulls (docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact).
  const args = new Map<string, string>();
  const stages: string[] = [];
  const images: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const arg = /^\s*ARG\s+(\w+)=(\S+)/i.exec(line);
    if (arg && stages.length === 0 && images.length === 0) {
      args.set(arg[1], arg[2].replace(/\$\{?(\w+)\}?/g, (whole, name) => args.get(name) ?? whole));
      continue;
    }
    const match = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!match) continue;
    const [, written, stage] = match;
    const image = written.replace(/\$\{?(\w+)\}?/g, (whole, name) => args.get(name) ?? whole);
    if (image !== 'scratch' && !image.includes('$') && !stages.includes(image.toLowerCase()) && !images.includes(image)) images.push(image);
    if (stage) stages.push(stage.toLowerCase());
  }
  return images;
}

/**
 * Seconds to wait before pull attempt `attempt` (1-based, the first retry is 1) after `error`,
 * or undefined to give up. Docker Hub answers 429 "toomanyrequests" when its anonymous pull
 * limit is reached (docs.docker.com/docker-hub/usage/); the limit is per 6 hours, so waiting
 * helps only against bursts: a few growing waits, then a clear failure.
 */
export function retryDelaySeconds(attempt: number, error: string): number | undefined {
  const rateLimited = /toomanyrequests|429 Too Many Requests|rate limit/i.test(error);
  const transient = /timeout|connection reset|i\/o timeout|TLS handshake|EOF|503|502/i.test(error);
  if (rateLimited) return attempt <= 4 ? 30 * attempt : undefined;
  if (transient) return attempt <= 3 ? 10 * attempt : undefined;
  return undefined;
}

/** Runs `command` until it succeeds, waiting as retryDelaySeconds says; false when it gives up. */
function withRetries(what: string, command: string, args: string[], input?: string): boolean {
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    const r = spawnSync(command, args, { encoding: 'utf8', input });
    if (r.status === 0) {
      console.log(`${what}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      return true;
    }
    const error = `${r.stderr ?? ''}${r.stdout ?? ''}${r.error?.message ?? ''}`.trim();
    const wait = retryDelaySeconds(attempt, error);
    if (wait === undefined) {
      console.error(`error: ${what} failed after ${attempt} attempt(s): ${error.split('\n').pop()}`);
      return false;
    }
    console.log(`${what} failed (${error.split('\n').pop()}); retrying in ${wait} s`);
    spawnSync('sleep', [String(wait)]);
  }
}

function warmBuilder(root: string): number {
  const images = [...new Set(servicesOf(root).flatMap(svc => baseImagesOf(fs.readFileSync(path.join(root, 'backend', svc, 'Dockerfile'), 'utf8'))))];
  // A build that runs something in the image (Dockerfile on stdin, no context) makes BuildKit
  // fetch its layers, which it otherwise fetches lazily; they stay in the builder's cache.
  return images.every(image => withRetries(`pull of ${image} into the builder`, 'docker', ['buildx', 'build', '--progress=plain', '-'], `FROM ${image}\nRUN true\n`)) ? 0 : 1;
}

function main(root: string): number {
  if (process.argv.includes('--base-images')) return warmBuilder(root);
  const mode = judge0ModeOf(process.env.K8S_JUDGE0_MODE);
  const objects = ['2-stores.k8s.yaml', '3-apps.k8s.yaml']
    .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(root, 'dist', f), 'utf8')).map(d => d.toJS() as Manifest))
    .filter(Boolean);
  const df = () => spawnSync('df', ['-h', '/'], { encoding: 'utf8' }).stdout.trim();
  console.log(`Disk before the pulls:\n${df()}`);
  for (const image of imagesToPull(objects, mode)) {
    if (!withRetries(`pull of ${image} into k3s`, 'k3s', ['crictl', 'pull', image])) return 1;
  }
  console.log(`Disk after the pulls:\n${df()}`);
  return 0;
}

if (require.main === module) process.exitCode = main(path.resolve(__dirname, '../..'));
