// Step 2 and 3: k3s installed and reachable with this user's kubeconfig; the node fits the rollout.
import * as fs from 'fs';
import * as path from 'path';
import { Manifest } from '../../lib/manifest';
import { parseQuantity } from '../../lib/quantity';
import { Context, DeployError, must, mustKubectl } from './context';
import { rolloutCapacityProblems } from './manifests';

export const K3S_KUBECONFIG = '/etc/rancher/k3s/k3s.yaml';

export function k3sInstalled(ctx: Context): boolean {
  return fs.existsSync(path.join(ctx.opts.hostRoot, K3S_KUBECONFIG));
}

/** First run: install k3s. Every run: this user's kubeconfig (k3s rotates certificates), node Ready. */
export async function ensureK3s(ctx: Context): Promise<void> {
  ctx.log('\n==> k3s');
  if (k3sInstalled(ctx)) {
    ctx.log('k3s is installed: skipping the installer.');
  } else {
    ctx.log(`Installing k3s ${ctx.opts.k3sVersion} (first run)`);
    await must(ctx, 'sudo', ['env', `INSTALL_K3S_VERSION=${ctx.opts.k3sVersion}`, 'bash', path.join(ctx.root, 'scripts/install-k3s.sh')], { stream: true });
  }
  if (!ctx.env.KUBECONFIG) {
    const user = (await must(ctx, 'id', ['-un'])).stdout.trim();
    fs.mkdirSync(path.dirname(ctx.opts.kubeconfig), { recursive: true, mode: 0o700 });
    // Mode 600, owned by the runner user: readable by it and nobody else (644 would make every
    // local user cluster-admin).
    await must(ctx, 'sudo', ['install', '-m', '600', '-o', user, K3S_KUBECONFIG, ctx.opts.kubeconfig]);
  }
  // Right after the installer returns the Node may not be registered yet, and waiting for a
  // condition of no node fails at once: wait for it to exist first (kubectl >= 1.31).
  await mustKubectl(ctx, ['wait', '--for=create', `node/${ctx.opts.nodeName}`, '--timeout=300s']);
  await mustKubectl(ctx, ['wait', '--for=condition=Ready', `node/${ctx.opts.nodeName}`, '--timeout=300s']);
}

/** Requests at a rollout's worst moment (draining old pods included) against the node's allocatable. */
export async function checkCapacity(ctx: Context, objects: readonly Manifest[]): Promise<void> {
  ctx.log('\n==> Capacity');
  const nodes = JSON.parse((await mustKubectl(ctx, ['get', 'nodes', '-o', 'json'])).stdout).items as any[];
  const cpu = nodes.reduce((t, n) => t + parseQuantity(String(n.status.allocatable.cpu)), 0);
  const memory = nodes.reduce((t, n) => t + parseQuantity(String(n.status.allocatable.memory)), 0);
  const problems = rolloutCapacityProblems(objects, { cpu: String(cpu), memory: String(memory) });
  if (problems.length) {
    throw new DeployError(`the manifests do not fit the node during a rollout (old pods drain while new ones start), nothing was changed: ${problems.join('; ')}. `
      + 'Lower K8S_<SVC>_REPLICAS or K8S_<SVC>_{CPU,MEMORY}_REQUEST (repository variables).');
  }
  ctx.log('Requests fit the node, draining pods included.');
}
