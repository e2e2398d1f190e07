// cdk8s-cli loads validation plugins with require(); tsx lets it load the TypeScript source.
require('tsx/cjs');
module.exports = require('./plugin.ts');
