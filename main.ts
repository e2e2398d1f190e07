// Entry point of `cdk8s synth`: validates the K8S_* environment, then writes the manifests.
import { App } from 'cdk8s';
import { CodeClashersBackend } from './lib/codeclashers-backend';
import { ConfigError, loadConfig } from './lib/config';

function main(): void {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // One line per problem, no stack trace; nothing has been written.
    for (const problem of error.problems) console.error(`error: ${problem}`);
    // Under `cdk8s synth` (which sets CDK8S_OUTDIR) a non-zero exit makes cdk8s-cli print its
    // own stack trace; exiting without output makes it fail (exit 1) with one line instead.
    process.exit(process.env.CDK8S_OUTDIR ? 0 : 1);
  }
  // Outside `cdk8s synth`, write to the staging directory too: only the policy plugin publishes dist/.
  const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? '.cdk8s.out' });
  new CodeClashersBackend(app, config);
  app.synth();
}

main();
