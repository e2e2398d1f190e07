// The rules every synthesized manifest must pass before it reaches dist/ (and so the cluster).
// Each rule says why it exists and how to fix a violation; README.md lists them.
import { SECRET_KEYS } from '../lib/app-secrets';
import { EXEMPTION_ANNOTATION_PREFIX } from '../lib/labels';
import { isQuantity, parseQuantity } from '../lib/quantity';
import { kubernetesSchema, schemaVersions } from './schema';
import { type Manifest, type Workload, idOf, selects, workloadsOf } from '../lib/manifest';

export interface Finding {
  /** `Deployment/colyseus` */
  readonly object: string;
  /** Where in the object, e.g. `spec.template.spec.containers[colyseus].readinessProbe`. */
  readonly location: string;
  readonly message: string;
}

export interface Rule {
  readonly name: string;
  /** Why the rule exists. */
  readonly why: string;
  readonly fix: string;
  /**
   * Annotation suffixes (after `policy.codeclashers.dev/exempt-`) whose presence, with a reason
   * as the value, exempts a workload. Rules without any admit no exemption.
   */
  readonly exemptions?: readonly string[];
  check(objects: readonly Manifest[], env: Readonly<Record<string, string | undefined>>): Finding[];
}

const CONTAINERS = 'spec.template.spec.containers';

/** One finding per container that fails `ok`. */
function perContainer(
  workloads: Workload[], what: string, ok: (container: any, w: Workload) => boolean,
): Finding[] {
  return workloads.flatMap(w => w.containers
    .filter(c => !ok(c, w))
    .map(c => ({ object: w.id, location: `${CONTAINERS}[${c.name}]`, message: `container ${c.name}: ${what}` })));
}

function setting(c: any, w: Workload, field: string): unknown {
  return c.securityContext?.[field] ?? w.podSpec.securityContext?.[field];
}

export const RULES: readonly Rule[] = [
  {
    name: 'kubernetes-schema',
    why: 'An object the API server rejects fails the deploy halfway through an apply.',
    fix: 'Correct the field named in the message (unknown fields, types, required fields, quantity formats).',
    check: objects => {
      // The newest committed version is the k3s the deploy installs (test/api-schema.test.ts
      // checks it is committed, and every Judge0 mode against all of them).
      const schema = kubernetesSchema(schemaVersions().at(-1)!);
      return objects.flatMap(o => schema.check(o).map(message => ({ object: idOf(o), location: '', message })));
    },
  },
  {
    name: 'image-pinned',
    why: 'A floating tag (:latest or none) deploys whatever the registry holds today and cannot be rolled back to.',
    fix: 'Use an explicit version tag or a digest (image:1.2.3, image@sha256:...).',
    check: objects => perContainer(workloadsOf(objects), 'image must carry a version tag or digest, not :latest', c => {
      const image = String(c.image ?? '');
      const tag = /@sha256:[a-f0-9]{64}$/.test(image) ? 'digest' : /:([\w][\w.-]*)$/.exec(image.split('/').pop() ?? '')?.[1];
      return !!tag && tag !== 'latest';
    }),
  },
  {
    name: 'resources',
    why: 'Without requests the scheduler overcommits the single node; without limits one service can starve the others.',
    fix: 'Set K8S_<SVC>_{CPU,MEMORY}_{REQUEST,LIMIT} so that each request is <= its limit.',
    check: objects => perContainer(workloadsOf(objects), 'needs cpu and memory requests and limits, each request <= its limit', c => {
      const r = c.resources ?? {};
      return (['cpu', 'memory'] as const).every(k => {
        const request = r.requests?.[k];
        const limit = r.limits?.[k];
        return request !== undefined && limit !== undefined && isQuantity(String(request)) && isQuantity(String(limit))
          && parseQuantity(String(request)) <= parseQuantity(String(limit));
      });
    }),
  },
  {
    name: 'probes',
    why: 'Without a readiness probe a rollout sends traffic to pods that are not serving; without liveness a hung process is never restarted.',
    fix: 'Give the container a readinessProbe and a livenessProbe that exercise the real service.',
    check: objects => perContainer(workloadsOf(objects), 'needs a readinessProbe and a livenessProbe', c => !!c.readinessProbe && !!c.livenessProbe),
  },
  {
    name: 'selectors',
    why: 'A selector that matches no pods leaves a Service without endpoints, a budget or policy without effect.',
    fix: 'Make the selector a subset of the pod template labels (lib/pod.ts selectorFor).',
    check: objects => {
      const workloads = workloadsOf(objects);
      const findings: Finding[] = workloads
        .filter(w => !selects(w.object.spec?.selector, w.podLabels) || !Object.keys(w.object.spec?.selector?.matchLabels ?? {}).length)
        .map(w => ({ object: w.id, location: 'spec.selector', message: 'selector does not match the pod template labels' }));
      const selectorField = (o: Manifest) => (o.kind === 'NetworkPolicy' ? 'podSelector' : 'selector');
      for (const o of objects.filter(x => ['Service', 'PodDisruptionBudget', 'NetworkPolicy'].includes(x.kind))) {
        const raw = o.spec?.[selectorField(o)];
        const selector = o.kind === 'Service' ? { matchLabels: raw } : raw;
        if (o.kind === 'NetworkPolicy' && !Object.keys(selector?.matchLabels ?? {}).length) continue; // namespace-wide
        const inNamespace = workloads.filter(w => w.object.metadata.namespace === o.metadata.namespace);
        if (!inNamespace.some(w => selects(selector, w.podLabels))) {
          findings.push({ object: idOf(o), location: `spec.${selectorField(o)}`, message: 'selects no pods of any workload' });
        }
      }
      return findings;
    },
  },
  {
    name: 'disruption-budget',
    why: 'A node drain may evict every replica at once unless a PodDisruptionBudget limits it; a budget that allows no eviction blocks the drain.',
    fix: 'Give every multi-replica workload a PodDisruptionBudget with maxUnavailable: 1 (lib/stateless-deployment.ts); none on single-replica stores.',
    check: objects => {
      const budgets = objects.filter(o => o.kind === 'PodDisruptionBudget');
      return workloadsOf(objects).flatMap(w => {
        const mine = budgets.filter(b => b.metadata.namespace === w.object.metadata.namespace && selects(b.spec?.selector, w.podLabels));
        const findings: Finding[] = [];
        if (w.replicas > 1 && mine.length === 0) {
          findings.push({ object: w.id, location: 'spec.replicas', message: `${w.replicas} replicas and no PodDisruptionBudget` });
        }
        for (const b of mine) {
          const blocks = b.spec?.maxUnavailable === 0 || (typeof b.spec?.minAvailable === 'number' && b.spec.minAvailable >= w.replicas);
          if (blocks) findings.push({ object: idOf(b), location: 'spec', message: `allows no eviction of ${w.id}: a node drain would hang` });
        }
        return findings;
      });
    },
  },
  {
    name: 'privileged',
    why: 'A privileged container, or one that can gain privileges, controls the node.',
    fix: 'Set privileged: false and allowPrivilegeEscalation: false (lib/pod.ts HARDENED_CONTAINER).',
    exemptions: ['privileged'],
    check: objects => perContainer(workloadsOf(objects), 'must not be privileged and must set allowPrivilegeEscalation: false',
      c => c.securityContext?.privileged !== true && c.securityContext?.allowPrivilegeEscalation === false),
  },
  {
    name: 'non-root',
    why: 'A process running as root in the container is one kernel bug away from root on the node.',
    fix: 'Run as the image\'s own non-root uid (lib/pod.ts nonRootPod) and set runAsNonRoot: true.',
    exemptions: ['non-root', 'privileged'],
    check: objects => perContainer(workloadsOf(objects), 'must run with runAsNonRoot: true and a non-zero runAsUser',
      (c, w) => setting(c, w, 'runAsNonRoot') === true && setting(c, w, 'runAsUser') !== 0),
  },
  {
    name: 'read-only-root',
    why: 'A writable image lets an intruder plant files that survive until the pod is replaced.',
    fix: 'Set readOnlyRootFilesystem: true and mount the paths the program writes as emptyDir (lib/pod.ts scratchDirs).',
    exemptions: ['read-only-root', 'privileged'],
    check: objects => perContainer(workloadsOf(objects), 'must set readOnlyRootFilesystem: true',
      c => c.securityContext?.readOnlyRootFilesystem === true),
  },
  {
    name: 'capabilities',
    why: 'Default Linux capabilities (NET_RAW, CHOWN, ...) are unused by these services and help an attacker.',
    fix: 'Set capabilities: { drop: [ALL] } and add none.',
    exemptions: ['capabilities', 'privileged'],
    check: objects => perContainer(workloadsOf(objects), 'must drop ALL capabilities and add none', c => {
      const caps = c.securityContext?.capabilities;
      return !!caps?.drop?.includes('ALL') && !(caps.add?.length);
    }),
  },
  {
    name: 'seccomp',
    why: 'Without a seccomp profile every system call is open to the process.',
    fix: 'Set seccompProfile: { type: RuntimeDefault } on the pod or container.',
    exemptions: ['seccomp', 'privileged'],
    check: objects => perContainer(workloadsOf(objects), 'needs seccompProfile RuntimeDefault or Localhost',
      (c, w) => ['RuntimeDefault', 'Localhost'].includes((setting(c, w, 'seccompProfile') as any)?.type)),
  },
  {
    name: 'service-account-token',
    why: 'No service here talks to the Kubernetes API; a mounted token only helps an intruder.',
    fix: 'Set automountServiceAccountToken: false on the pod.',
    check: objects => workloadsOf(objects)
      .filter(w => w.podSpec.automountServiceAccountToken !== false)
      .map(w => ({ object: w.id, location: 'spec.template.spec.automountServiceAccountToken', message: 'must be false' })),
  },
  {
    name: 'network-policy',
    why: 'Without a default deny and a policy of its own, a compromised pod can reach every other pod and the internet.',
    fix: 'Keep the namespace default-deny (lib/codeclashers-namespace.ts) and add the workload\'s lanes to the lane table (lib/codeclashers-backend.ts).',
    check: objects => {
      const policies = objects.filter(o => o.kind === 'NetworkPolicy');
      const findings: Finding[] = [];
      const namespaces = new Set(workloadsOf(objects).map(w => w.object.metadata.namespace));
      for (const ns of namespaces) {
        const denies = policies.some(p => p.metadata.namespace === ns && !Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length
          && ['Ingress', 'Egress'].every(t => p.spec?.policyTypes?.includes(t)) && !p.spec?.ingress?.length && !p.spec?.egress?.length);
        if (!denies) findings.push({ object: `Namespace/${ns}`, location: '', message: 'no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)' });
      }
      for (const w of workloadsOf(objects)) {
        const own = policies.some(p => p.metadata.namespace === w.object.metadata.namespace
          && Object.keys(p.spec?.podSelector?.matchLabels ?? {}).length > 0 && selects(p.spec.podSelector, w.podLabels));
        if (!own) findings.push({ object: w.id, location: 'spec.template.metadata.labels', message: 'no NetworkPolicy of its own selects these pods' });
      }
      return findings;
    },
  },
  {
    name: 'no-secret-data',
    why: 'dist/ is committed to review and printed in CI: a secret there is a leaked secret.',
    fix: 'Read secrets from Secret app-secrets (lib/app-secrets.ts secretEnv); never inline a value or synthesize a Secret.',
    check: (objects, env) => {
      const findings: Finding[] = [];
      for (const o of objects) {
        if (o.kind === 'Secret' && (o.data || o.stringData)) {
          findings.push({ object: idOf(o), location: 'data', message: 'Secret objects with data must not be synthesized' });
        }
      }
      for (const w of workloadsOf(objects)) {
        for (const c of w.containers) {
          for (const e of c.env ?? []) {
            // `<NAME>_FILE` holding an absolute path names where a mounted Secret is (the official
            // images' file_env convention), not a value.
            const path = /_FILE$/.test(e.name) && /^\/[\w./-]*$/.test(e.value ?? '');
            if (e.value !== undefined && /PASSWORD|SECRET|TOKEN|API_KEY|ACCESS_KEY/.test(e.name) && !/^\$\(\w+\)$/.test(e.value) && !path) {
              findings.push({ object: w.id, location: `${CONTAINERS}[${c.name}].env[${e.name}]`, message: `${e.name} has a literal value; read it from app-secrets` });
            }
          }
        }
      }
      // The real values, where the synth environment has them, must appear nowhere.
      const text = JSON.stringify(objects);
      for (const key of SECRET_KEYS) {
        const value = env[key];
        if (value && value.length >= 6 && text.includes(value)) {
          findings.push({ object: '(output)', location: '', message: `the value of ${key} appears in the output (the value is not shown)` });
        }
      }
      return findings;
    },
  },
];

function exemptionOf(o: Manifest, rule: Rule): string | undefined {
  for (const key of rule.exemptions ?? []) {
    const reason = o.metadata.annotations?.[`${EXEMPTION_ANNOTATION_PREFIX}${key}`];
    if (reason !== undefined) return reason;
  }
  return undefined;
}

export interface RuleResult {
  readonly rule: Rule;
  readonly findings: Finding[];
}

/** Runs every rule; findings on objects with a reasoned exemption for that rule are dropped. */
export function evaluate(objects: readonly Manifest[], env: Readonly<Record<string, string | undefined>> = {}, rules = RULES): RuleResult[] {
  const byId = new Map(objects.map(o => [idOf(o), o]));
  return rules.map(rule => ({
    rule,
    findings: rule.check(objects, env).flatMap(f => {
      const object = byId.get(f.object);
      const reason = object && exemptionOf(object, rule);
      if (reason === undefined) return [f];
      if (reason.trim().length < 20) {
        return [{ ...f, message: `${f.message} (the exemption annotation must say why, in at least 20 characters)` }];
      }
      return [];
    }),
  }));
}
