// Prints the k3s release the deploy pins (its DEFAULT_K3S_VERSION), for the e2e workflow to
// install exactly what production installs: `INSTALL_K3S_VERSION=$(node -r tsx/cjs scripts/e2e/k3s-version.ts)`.
import { DEFAULT_K3S_VERSION } from '../deploy/options';

console.log(DEFAULT_K3S_VERSION);
