// Keeps every snapshot in the top-level __snapshots__/ so manifest diffs are easy to find in review.
const path = require('path');
const root = path.resolve(__dirname, '..');
module.exports = {
  resolveSnapshotPath: (testPath, ext) => path.join(root, '__snapshots__', path.basename(testPath) + ext),
  resolveTestPath: (snapshotPath, ext) => {
    const name = path.basename(snapshotPath, ext);
    const integ = path.join(root, 'test', 'integ', name);
    return require('fs').existsSync(integ) ? integ : path.join(root, 'test', name);
  },
  testPathForConsistencyCheck: path.join(root, 'test', 'example.test.ts'),
};
