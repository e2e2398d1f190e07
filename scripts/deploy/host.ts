// Whether this host can run what the configuration asks for, decided before anything is touched.
import { requiredSecrets } from '../../lib/app-secrets';
import { Judge0Limits, Judge0Mode } from '../../lib/config';
import { JUDGE0_IMAGE } from '../../lib/judge0-settings';

export type { Judge0Limits, Judge0Mode };

/** The variable that picks the Judge0 mode, for messages. */
export const JUDGE0_MODE_VARIABLE = 'K8S_JUDGE0_MODE';

/** Judge0 runs in this cluster, so its secrets are required. */
export function requiredSecretsFor(mode: Judge0Mode): string[] {
  return requiredSecrets(mode === 'cluster');
}

export interface HostFacts {
  /** `uname -m` */
  readonly arch: string;
  /** /sys/fs/cgroup/cgroup.controllers exists */
  readonly cgroupV2: boolean;
  readonly judge0Mode: Judge0Mode;
  readonly judge0Limits: Judge0Limits;
}

/** Why this host cannot take this configuration (one line each); empty: it can. */
export function hostRefusals(facts: HostFacts): string[] {
  const refusals: string[] = [];
  const arm = /^(aarch64|arm64)$/.test(facts.arch);
  if (facts.judge0Mode === 'cluster' && arm) {
    // Judge0's image is published for amd64 only (judge0#361, #485): exec format error.
    refusals.push(`Judge0's image ${JUDGE0_IMAGE} is amd64-only and this host is ${facts.arch}: set ${JUDGE0_MODE_VARIABLE}=external (a Judge0 elsewhere) or ${JUDGE0_MODE_VARIABLE}=off`);
  }
  if (facts.judge0Mode === 'cluster' && facts.judge0Limits === 'cgroup' && facts.cgroupV2) {
    // isolate's cgroup limits need cgroup v1 (judge0#543, #597).
    refusals.push('Judge0 with cgroup limits needs cgroup v1 and this host uses cgroup v2: use per-process limits');
  }
  return refusals;
}
