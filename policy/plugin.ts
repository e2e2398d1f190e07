// cdk8s validation plugin (cdk8s.yaml `validations:`). cdk8s synth writes the manifests to a
// staging directory; this plugin checks them and only when every rule passes publishes them to
// dist/. A failed synth or a violation therefore never touches the previous dist/.
import * as fs from 'fs';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import { processConfig } from '../lib/config';
import { ARCHITECTURE_FILE } from '../lib/labels';
import { capacityOf, formatCapacity } from '../lib/capacity';
import { type Manifest, workloadsOf } from '../lib/manifest';
import { publishFile, publishManifests } from './publish';
import { evaluate } from './rules';

/** The parts of cdk8s-cli's ValidationContext this plugin uses. */
export interface ValidationContext {
  readonly manifests: readonly string[];
  readonly stdout?: boolean;
  readonly logger: { log(message: string): void };
  readonly report: {
    addViolation(violation: {
      ruleName: string; recommendation: string; fix: string;
      violatingResources: { resourceName: string; locations: string[]; manifestPath: string }[];
    }): void;
    submit(status: 'success' | 'failure', metadata?: Record<string, string>): void;
  };
}

export interface CodeClashersPolicyProps {
  /** Directory the manifests are published to when they pass. @default 'dist' */
  readonly publishTo?: string;
  /** Where the app's architecture diagram is published, with the manifests. @default 'docs/architecture.md' */
  readonly architectureTo?: string;
}

/**
 * The objects of the manifest files. js-yaml (YAML 1.2 core schema, as the `yaml` package cdk8s
 * writes with) reads them in a quarter of the CPU time `yaml` takes on a cold start.
 */
export function readManifests(files: readonly string[]): { file: string; object: Manifest }[] {
  return files.flatMap(file => loadAll(fs.readFileSync(file, 'utf8'))
    .filter(Boolean)
    .map(object => ({ file, object: object as Manifest })));
}

export class CodeClashersPolicy {
  private readonly publishTo: string;
  private readonly architectureTo: string;

  constructor(props: CodeClashersPolicyProps = {}) {
    this.publishTo = props.publishTo ?? 'dist';
    this.architectureTo = props.architectureTo ?? 'docs/architecture.md';
  }

  async validate(context: ValidationContext): Promise<void> {
    const documents = readManifests(context.manifests);
    const objects = documents.map(d => d.object);
    const fileOf = (id: string) => documents.find(d => `${d.object.kind}/${d.object.metadata.name}` === id)?.file ?? '';

    let failed = 0;
    for (const { rule, findings } of evaluate(objects, process.env)) {
      if (findings.length === 0) continue;
      failed += findings.length;
      context.report.addViolation({
        ruleName: rule.name,
        recommendation: `${rule.why} ${findings.map(f => `${f.object}: ${f.message}`).join('; ')}`,
        fix: rule.fix,
        violatingResources: findings.map(f => ({ resourceName: f.object, locations: f.location ? [f.location] : [], manifestPath: fileOf(f.object) })),
      });
    }

    // Capacity is a warning: a larger node or fewer replicas are the user's call.
    const config = processConfig();
    const capacity = capacityOf(objects, config.node);
    context.logger.log(`Capacity (requests must fit K8S_NODE_CPU=${config.node.cpu}, K8S_NODE_MEMORY=${config.node.memory}):\n${formatCapacity(capacity)}`);
    for (const w of workloadsOf(objects).filter(x => x.surges && (x.podSpec.terminationGracePeriodSeconds ?? 30) > 120)) {
      context.logger.log(`Note: old ${w.id} pods drain for up to ${w.podSpec.terminationGracePeriodSeconds} s in a rollout and keep their requests meanwhile; leave room for them or new pods wait.`);
    }
    if (capacity.overBudget.length > 0) {
      context.report.addViolation({
        ruleName: 'capacity (warning)',
        recommendation: `Over the node budget: ${capacity.overBudget.join('; ')}. Pods beyond it stay Pending, typically the surge pod of a rollout.`,
        fix: 'Lower K8S_<SVC>_REPLICAS or K8S_<SVC>_{CPU,MEMORY}_REQUEST (largest first in the table above), or raise K8S_NODE_CPU/K8S_NODE_MEMORY for a larger node.',
        violatingResources: [{ resourceName: 'total', locations: [], manifestPath: '' }],
      });
    }

    if (failed > 0) {
      context.report.submit('failure', { violations: String(failed) });
      context.logger.log(`Policy failed: ${this.publishTo}/ was left as it was.`);
      return;
    }
    context.report.submit('success', { objects: String(objects.length), capacity: capacity.overBudget.length ? 'over budget (warning)' : 'fits' });
    if (!context.stdout) {
      publishManifests(context.manifests, this.publishTo);
      context.logger.log(`Published ${context.manifests.length} manifests to ${this.publishTo}/`);
      // Written by the app next to the manifests (main.ts); absent when the app is not ours.
      const diagram = path.join(path.dirname(context.manifests[0]), ARCHITECTURE_FILE);
      if (fs.existsSync(diagram)) {
        publishFile(diagram, this.architectureTo);
        context.logger.log(`Published the architecture diagram to ${this.architectureTo}`);
      }
    }
  }
}
