// Pulls the third-party images (Docker Hub: MongoDB, Redis, PostgreSQL, Judge0) into k3s's
// containerd before the first deploy, retrying on Docker Hub's rate limits, with `df` before
// and after: the pods then start from the node's image store (imagePullPolicy IfNotPresent)
// and a rate limit shows up here, named, instead of as an ImagePullBackOff in a rollout.
//
//   sudo -E node -r tsx/cjs scripts/e2e/prepull.ts        (reads dist/*.k8s.yaml; K8S_JUDGE0_MODE)
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Manifest, workloadsOf } from '../../lib/manifest';
import { Judge0Mode, judge0ModeOf } from './plan';
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

function main(root: string): number {
  const mode = judge0ModeOf(process.env.K8S_JUDGE0_MODE);
  const objects = ['2-stores.k8s.yaml', '3-apps.k8s.yaml']
    .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(root, 'dist', f), 'utf8')).map(d => d.toJS() as Manifest))
    .filter(Boolean);
  const df = () => spawnSync('df', ['-h', '/'], { encoding: 'utf8' }).stdout.trim();
  console.log(`Disk before the pulls:\n${df()}`);
  for (const image of imagesToPull(objects, mode)) {
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      const r = spawnSync('k3s', ['crictl', 'pull', image], { encoding: 'utf8' });
      if (r.status === 0) {
        console.log(`pulled ${image} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
        break;
      }
      const error = `${r.stderr ?? ''}${r.stdout ?? ''}${r.error?.message ?? ''}`.trim();
      const wait = retryDelaySeconds(attempt, error);
      if (wait === undefined) {
        console.error(`error: could not pull ${image} after ${attempt} attempt(s): ${error.split('\n').pop()}`);
        return 1;
      }
      console.log(`pulling ${image} failed (${error.split('\n').pop()}); retrying in ${wait} s`);
      spawnSync('sleep', [String(wait)]);
    }
  }
  console.log(`Disk after the pulls:\n${df()}`);
  return 0;
}

if (require.main === module) process.exitCode = main(path.resolve(__dirname, '../..'));
