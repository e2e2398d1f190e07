// Entry point of `cdk8s synth`: validates the K8S_* environment, then writes the manifests and
// the architecture diagram to the staging directory (the policy plugin publishes both).
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { renderArchitecture } from './lib/architecture';
import { CodeClashersBackend } from './lib/codeclashers-backend';
import { ConfigError, processConfig } from './lib/config';
import { ARCHITECTURE_FILE } from './lib/labels';

function main(): void {
  let config;
  try {
    config = processConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One line per problem, no stack trace; nothing has been written.
    for (const problem of error.problems) console.error(`error: ${problem}`);
    // Under `cdk8s synth` (which sets CDK8S_OUTDIR) a non-zero exit makes cdk8s-cli print its
    // own stack trace; exiting without output makes it fail (exit 1) with one line instead.
    process.exit(process.env.CDK8S_OUTDIR ? 0 : 1);
  }
  // Outside `cdk8s synth`, write to the staging directory too: only the policy plugin publishes dist/.
  const outdir = process.env.CDK8S_OUTDIR ?? '.cdk8s.out';
  const app = new App({ outdir });
  const backend = new CodeClashersBackend(app, config);
  app.synth();
  const objects = app.charts.flatMap(c => c.toJson());
  fs.writeFileSync(path.join(outdir, ARCHITECTURE_FILE), renderArchitecture(objects, backend.lanes, config));
}

main();
