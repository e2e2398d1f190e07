// Image tags from build inputs (scripts/deploy/image-tags.ts): a change rebuilds exactly the
// services it touches.
import * as fs from 'fs';
import * as path from 'path';
import { BuildInputs, imageTag, lockClosure } from '../scripts/deploy/image-tags';

const lock = {
  lockfileVersion: 3,
  packages: {
    '': { name: 'root', workspaces: ['backend/colyseus', 'backend/bots'] },
    'backend/colyseus': { name: 'codeclashers-colyseus', dependencies: { a: '^1' }, devDependencies: { t: '^1' } },
    'backend/bots': { name: 'codeclashers-bots', dependencies: { c: '^1' } },
    'node_modules/codeclashers-colyseus': { resolved: 'backend/colyseus', link: true },
    'node_modules/a': { version: '1.0.0', integrity: 'sha512-a', dependencies: { b: '^2' } },
    'node_modules/a/node_modules/b': { version: '2.0.0', integrity: 'sha512-b2' },
    'node_modules/b': { version: '3.0.0', integrity: 'sha512-b3' },
    'node_modules/c': { version: '1.0.0', integrity: 'sha512-c' },
    'node_modules/t': { version: '1.0.0', integrity: 'sha512-t' },
    'node_modules/unrelated': { version: '9.9.9', integrity: 'sha512-u' },
  },
};
const inputs = (change: (i: any) => void = () => undefined): BuildInputs => {
  const i = structuredClone({
    files: { 'backend/colyseus/Dockerfile': 'h1', 'backend/colyseus/src/index.ts': 'h2', 'backend/bots/Dockerfile': 'h3', 'backend/bots/src/index.ts': 'h4' },
    lock, rootPackage: { workspaces: ['backend/colyseus', 'backend/bots'], devDependencies: { jest: '^30' } },
  });
  change(i);
  return i;
};
const tags = (i: BuildInputs) => ({ colyseus: imageTag('colyseus', i), bots: imageTag('bots', i) });
const base = tags(inputs());

test('the closure follows Node\'s lookup (nested before hoisted) and leaves other packages out', () => {
  expect(Object.keys(lockClosure(lock, 'backend/colyseus'))).toEqual(['backend/colyseus', 'node_modules/a', 'node_modules/a/node_modules/b', 'node_modules/t']);
  expect(Object.keys(lockClosure(lock, 'backend/bots'))).toEqual(['backend/bots', 'node_modules/c']);
});

test.each([
  ['a source file of bots', (i: any) => { i.files['backend/bots/src/index.ts'] = 'changed'; }, { colyseus: false, bots: true }],
  ['the Colyseus Dockerfile', (i: any) => { i.files['backend/colyseus/Dockerfile'] = 'changed'; }, { colyseus: true, bots: false }],
  ['a transitive dependency of Colyseus only', (i: any) => { i.lock.packages['node_modules/a/node_modules/b'].version = '2.0.1'; }, { colyseus: true, bots: false }],
  ['the hoisted copy Colyseus does not resolve to', (i: any) => { i.lock.packages['node_modules/b'].version = '3.0.1'; }, { colyseus: false, bots: false }],
  ['a package no service uses', (i: any) => { i.lock.packages['node_modules/unrelated'].version = '10.0.0'; }, { colyseus: false, bots: false }],
  ['a root devDependency (not in the images)', (i: any) => { i.rootPackage.devDependencies.jest = '^31'; }, { colyseus: false, bots: false }],
  ['root overrides (change every install)', (i: any) => { i.rootPackage.overrides = { c: '1.0.1' }; }, { colyseus: true, bots: true }],
  ['a new file in bots', (i: any) => { i.files['backend/bots/src/new.ts'] = 'h5'; }, { colyseus: false, bots: true }],
])('a change to %s rebuilds exactly the services it touches', (_, change, rebuilt) => {
  const after = tags(inputs(change));
  expect({ colyseus: after.colyseus !== base.colyseus, bots: after.bots !== base.bots }).toEqual(rebuilt);
});

test('the real lockfile: each workspace\'s closure holds its own dependencies only', () => {
  const real = JSON.parse(fs.readFileSync(path.join(__dirname, '../package-lock.json'), 'utf8'));
  const colyseus = Object.keys(lockClosure(real, 'backend/colyseus'));
  expect(colyseus).toContain('node_modules/@colyseus/core');
  expect(colyseus).not.toContain('node_modules/cdk8s');
  expect(Object.keys(lockClosure(real, 'backend/bots'))).not.toContain('node_modules/@colyseus/core/node_modules/nanoid');
  // The same inputs give the same tag (a fresh parse: no object identity involved); a change to
  // one of Colyseus' own lock entries gives another, one outside its closure does not.
  const tagOf = (lock: any) => imageTag('colyseus', { files: {}, lock, rootPackage: {} });
  const again = JSON.parse(fs.readFileSync(path.join(__dirname, '../package-lock.json'), 'utf8'));
  expect(tagOf(again)).toBe(tagOf(real));
  again.packages['node_modules/@colyseus/core'].version += '-patched';
  expect(tagOf(again)).not.toBe(tagOf(real));
  const outside = JSON.parse(fs.readFileSync(path.join(__dirname, '../package-lock.json'), 'utf8'));
  outside.packages['node_modules/cdk8s'].version += '-patched';
  expect(tagOf(outside)).toBe(tagOf(real));
});
