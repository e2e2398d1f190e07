// Prints the k3s release the deploy pins (its DEFAULT_K3S_VERSION), for the e2e workflow to
// install exactly what production installs: `INSTALL_K3S_VERSION=$(node -r tsx/cjs scripts/e2e/k3s-version.ts)`.
import * as deploy from '../deploy';

const version = (deploy as { DEFAULT_K3S_VERSION?: unknown }).DEFAULT_K3S_VERSION;
if (typeof version !== 'string' || !version) {
  console.error('error: scripts/deploy exports no DEFAULT_K3S_VERSION; accepted: the pinned k3s release, e.g. v1.33.13+k3s1');
  process.exit(1);
}
console.log(version);
