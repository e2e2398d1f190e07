// Lets `require` load this project's TypeScript: each .ts file is compiled to CommonJS by swc
// (@swc/core, the compiler the jest tests already use). Nothing is type-checked (`npm test` runs
// tsc). Compiled files are kept in node_modules/.cache/require-typescript under the hash of their
// source and the compiler: a changed file is compiled again, so nothing can go stale, and swc
// (a 100 ms native library load) is loaded only when something changed.
// Used by the app (cdk8s.yaml) and the policy plugin (policy/index.js) instead of tsx, whose hook
// also scans every JavaScript file it loads for ESM syntax (cdk8s-plus-27's 2.5 MB k8s.js
// included): README, "Benchmark". @swc-node/register, the library for this, reads tsconfig.json
// through the TypeScript compiler package, whose load alone takes more than the app's budget.
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const OPTIONS = {
  swcrc: false,
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
};
const CACHE = path.join(__dirname, '../node_modules/.cache/require-typescript');

// V8's compiled code of every module loaded from here on (cdk8s, the 2.5 MB k8s.js, yaml), kept
// by Node itself and checked against each file's content (https://nodejs.org/api/module.html#module-compile-cache).
Module.enableCompileCache?.(path.join(__dirname, '../node_modules/.cache/node-compile-cache'));

let swc;
let compiler;

function compile(source, filename) {
  compiler ??= `${require('@swc/core/package.json').version} ${JSON.stringify(OPTIONS)}`;
  const cached = path.join(CACHE, `${crypto.createHash('sha256').update(compiler).update('\0').update(source).digest('hex')}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    swc ??= require('@swc/core');
    const { code } = swc.transformSync(source, { ...OPTIONS, filename });
    try { // best effort: a read-only checkout still works, only slower
      fs.mkdirSync(CACHE, { recursive: true });
      const partial = `${cached}.${process.pid}`;
      fs.writeFileSync(partial, code);
      fs.renameSync(partial, cached);
    } catch { /* not cached */ }
    return code;
  }
}

if (!Module._extensions['.ts']) {
  Module._extensions['.ts'] = (module, filename) => {
    module._compile(compile(fs.readFileSync(filename, 'utf8'), filename), filename);
  };
}
