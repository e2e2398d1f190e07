// Names and labels shared by the constructs, the policy plugin and the deploy helpers.
// No imports: the policy plugin loads this on every synth and must stay quick.

export const NAMESPACE = 'codeclashers';
export const PART_OF = 'codeclashers';
export const NAME_LABEL = 'app.kubernetes.io/name';
/** The architecture diagram's file in the synth's staging directory; the policy plugin publishes it. */
export const ARCHITECTURE_FILE = 'architecture.md';
/** Pull credential for the GHCR images; created by the deploy script (a missing one is only a warning). */
export const IMAGE_PULL_SECRET = 'ghcr-pull';

/**
 * Selector labels. Written out, not derived from construct paths: a selector is immutable, so
 * it must not change when code is refactored.
 */
export function selectorFor(name: string): Record<string, string> {
  return { [NAME_LABEL]: name };
}

/** Labels of every object and pod of workload `name`. */
export function labelsFor(name: string, component: string): Record<string, string> {
  return { ...selectorFor(name), 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/component': component };
}

/** Annotation that records why a workload is exempt from a rule; the policy plugin reads it. */
export const EXEMPTION_ANNOTATION_PREFIX = 'policy.codeclashers.dev/exempt-';

