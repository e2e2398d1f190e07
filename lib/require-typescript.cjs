// Lets `require` load this project's TypeScript: each .ts file is compiled to CommonJS by swc
// (@swc/core, the compiler the jest tests already use) as it is loaded. Nothing is type-checked
// (`npm test` runs tsc) and nothing is cached or written: there is no build to go stale.
// Used by the app (cdk8s.yaml) and the policy plugin (policy/index.js) instead of tsx, whose
// hook also scans every JavaScript file it loads for ESM syntax (cdk8s-plus-27's 2.5 MB
// k8s.js included): this halves the app's CPU time (README, "Benchmark").
const fs = require('node:fs');
const Module = require('node:module');

if (!Module._extensions['.ts']) {
  let swc;
  Module._extensions['.ts'] = (module, filename) => {
    swc ??= require('@swc/core');
    const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
      filename,
      swcrc: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    module._compile(code, filename);
  };
}
