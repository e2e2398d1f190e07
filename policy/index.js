// cdk8s-cli loads validation plugins with require(); lib/require-typescript.cjs lets it load the TypeScript source.
require('../lib/require-typescript.cjs');
module.exports = require('./plugin.ts');
