// Step 4: build what changed, smoke-test it, push it, then pull every image the way the
// cluster will, before the cluster is touched.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Context, DeployError, must } from './context';

export interface ImagePlan { readonly service: string; readonly image: string; readonly build: boolean }

/** Which images exist in the registry already (an unchanged service keeps its tag and its pods). */
export async function planImages(ctx: Context, images: Readonly<Record<string, string>>): Promise<ImagePlan[]> {
  const plans: ImagePlan[] = [];
  for (const [service, image] of Object.entries(images)) {
    const exists = (await ctx.run('docker', ['buildx', 'imagetools', 'inspect', image])).status === 0;
    plans.push({ service, image, build: !exists });
  }
  return plans;
}

export async function buildImages(ctx: Context, plans: readonly ImagePlan[]): Promise<void> {
  ctx.log('\n==> Images');
  for (const p of plans) {
    if (!p.build) {
      ctx.log(`${p.image} exists: backend/${p.service} unchanged, not rebuilt.`);
      continue;
    }
    const label = ctx.opts.repository ? ['--label', `org.opencontainers.image.source=https://github.com/${ctx.opts.repository}`] : [];
    // The repository root is the build context (the Dockerfiles copy the root lockfile).
    await must(ctx, 'docker', ['buildx', 'build', '--load', '-f', `backend/${p.service}/Dockerfile`, '--tag', p.image, ...label, '.'], { stream: true });
    const smoke = await ctx.run('node', ['-r', 'tsx/cjs', 'scripts/images/smoke.ts', '--service', p.service, '--image', p.image]);
    if (smoke.status !== 0) {
      throw new DeployError(`${p.image} failed its smoke test, nothing was pushed or applied: ${ctx.redact(smoke.stderr.trim().split('\n').pop() ?? '')}`);
    }
    await must(ctx, 'docker', ['push', p.image], { stream: true });
  }
}

/**
 * A fresh Docker config directory that still finds the user's CLI plugins (buildx): the Docker
 * CLI looks plugins up in $DOCKER_CONFIG/cli-plugins (default ~/.docker/cli-plugins) and the
 * system plugin directories (docs.docker.com/engine/extend/cli_plugins), so an empty
 * DOCKER_CONFIG would hide a buildx installed per user. Only the plugins are shared, no login.
 */
export function isolatedDockerConfig(env: Readonly<Record<string, string | undefined>>): string {
  const config = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-pull-'));
  const userPlugins = path.join(env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker'), 'cli-plugins');
  if (fs.existsSync(userPlugins)) fs.symlinkSync(userPlugins, path.join(config, 'cli-plugins'));
  return config;
}

/**
 * Every image, fetched with the cluster's credentials (anonymous, or GHCR_PULL_TOKEN) in a
 * Docker config of its own: the runner's push login must not make a private package look
 * pullable. New GHCR packages start private.
 */
export async function checkPullable(ctx: Context, images: readonly string[]): Promise<void> {
  const config = isolatedDockerConfig(ctx.env);
  try {
    const env = { DOCKER_CONFIG: config };
    if (ctx.opts.pullToken) {
      const host = images[0]?.split('/')[0] ?? 'ghcr.io';
      const login = await ctx.run('docker', ['login', host, '-u', ctx.opts.pullUser, '--password-stdin'], { input: ctx.opts.pullToken, env });
      if (login.status !== 0) {
        throw new DeployError(`GHCR_PULL_TOKEN was refused by ${host}: it must be a classic personal access token with read:packages (${ctx.redact(login.stderr.trim().split('\n').pop() ?? '')})`);
      }
    }
    for (const image of images) {
      const r = await ctx.run('docker', ['buildx', 'imagetools', 'inspect', image], { env });
      if (r.status !== 0) {
        throw new DeployError(ctx.opts.pullToken
          ? `${image} cannot be pulled with GHCR_PULL_TOKEN: it must be a classic token with read:packages and access to the package, nothing was applied`
          : `${image} cannot be pulled anonymously (new GHCR packages are private): make the package public or set GHCR_PULL_TOKEN (a classic token with read:packages), nothing was applied`);
      }
    }
    ctx.log(`The cluster can pull ${images.length} images (${ctx.opts.pullToken ? 'GHCR_PULL_TOKEN' : 'anonymously'}).`);
  } finally {
    fs.rmSync(config, { recursive: true, force: true });
  }
}
