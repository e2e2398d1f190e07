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
    process.exit(1);
  }
  const app = new App();
  new CodeClashersBackend(app, config);
  app.synth();
}

main();
