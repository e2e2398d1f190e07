// Step 1: everything that can be decided without touching the cluster or the registry.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, KNOBS, loadConfig } from '../../lib/config';
import { Manifest } from '../../lib/manifest';
import { mongodbPreflight } from '../mongodb/steps';
import { Context, DeployError, must } from './context';
import { Judge0Mode, hostRefusals, requiredSecretsFor } from './host';
import { imageTag } from './image-tags';
import { readDist } from './manifests';

export interface Preflight {
  readonly judge0Mode: Judge0Mode;
  /** Image per service, e.g. colyseus -> ghcr.io/acme/codeclashers-colyseus:<tag>. */
  readonly images: Readonly<Record<string, string>>;
  /** dist/ as synthesized with those images. */
  readonly objects: Manifest[];
  readonly commit: string;
}

/** The services built here: the root package.json's workspaces (backend/<service>). */
export function servicesOf(root: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return (pkg.workspaces as string[]).map(w => path.basename(w));
}

/** The knob that carries a service's image into the synth, e.g. COLYSEUS_IMAGE. */
export function imageVariable(service: string): string {
  const name = `${service.toUpperCase()}_IMAGE`;
  if (!KNOBS.some(k => k.name === name)) throw new Error(`lib/config.ts has no knob ${name} for backend/${service}`);
  return name;
}

async function buildInputs(ctx: Context, service: string): Promise<Record<string, string>> {
  // Tracked and untracked-but-not-ignored files: what a build of this checkout would see.
  const listed = await must(ctx, 'git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', `backend/${service}`]);
  const files: Record<string, string> = {};
  for (const file of listed.stdout.split('\n').filter(Boolean).sort()) {
    const full = path.join(ctx.root, file);
    if (fs.existsSync(full)) files[file] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
  }
  return files;
}

export async function preflight(ctx: Context): Promise<Preflight> {
  ctx.log('\n==> Preflight');
  const problems: string[] = [];
  let judge0Mode: Judge0Mode = 'off';
  try {
    const j = loadConfig(ctx.env).judge0;
    judge0Mode = j.mode;
    const arch = (await must(ctx, 'uname', ['-m'])).stdout.trim();
    const cgroupV2 = fs.existsSync(path.join(ctx.opts.hostRoot, 'sys/fs/cgroup/cgroup.controllers'));
    problems.push(...hostRefusals({ arch, cgroupV2, judge0Mode: j.mode, judge0Limits: j.limits }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const missing = requiredSecretsFor(judge0Mode).filter(k => !ctx.env[k]?.trim());
  if (missing.length) problems.push(`missing secrets (GitHub: Settings > Environments > production > secrets): ${missing.join(', ')}`);
  problems.push(...mongodbPreflight(ctx.env));
  if (problems.length) throw new DeployError(`preflight failed, nothing was changed:\n  - ${problems.join('\n  - ')}`);

  const lock = JSON.parse(fs.readFileSync(path.join(ctx.root, 'package-lock.json'), 'utf8'));
  const rootPackage = JSON.parse(fs.readFileSync(path.join(ctx.root, 'package.json'), 'utf8'));
  const images: Record<string, string> = {};
  for (const service of servicesOf(ctx.root)) {
    const tag = imageTag(service, { files: await buildInputs(ctx, service), lock, rootPackage });
    images[service] = `${ctx.opts.imageRegistry}/codeclashers-${service}:${tag}`;
  }
  // The commit is what is checked out, whose files are built and applied. Never GITHUB_SHA: in
  // a workflow_run job that is the newest commit on main, not the tested one deploy.yml checks out.
  const head = await ctx.run('git', ['rev-parse', 'HEAD']);
  if (head.status !== 0) throw new DeployError(`git rev-parse HEAD failed in ${ctx.root}: ${head.stderr.trim()}`);
  const commit = head.stdout.trim();

  ctx.log('Synthesizing the manifests with these images (policy included)');
  const synth = await ctx.run(process.execPath, [path.join(ctx.root, 'node_modules/cdk8s-cli/bin/cdk8s'), 'synth', '--no-check-upgrade'], {
    env: Object.fromEntries(Object.entries(images).map(([service, image]) => [imageVariable(service), image])),
  });
  if (synth.status !== 0) throw new DeployError(`cdk8s synth failed, nothing was changed:\n${ctx.redact(`${synth.stdout}\n${synth.stderr}`.trim())}`);
  return { judge0Mode, images, objects: readDist(ctx.root), commit };
}
