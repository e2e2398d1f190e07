// Image tags that change exactly when a service's build inputs change (issue 17, item 11):
// its sources, its Dockerfile, its part of the root package-lock.json and the root fields that
// shape an install. A dependency bump rebuilds the services that use it and nothing else.
import { createHash } from 'crypto';

export interface BuildInputs {
  /** Files under backend/<service>/ (Dockerfile included), as repository path -> content hash. */
  readonly files: Readonly<Record<string, string>>;
  /** The root package-lock.json, parsed. */
  readonly lock: any;
  /** The root package.json, parsed. */
  readonly rootPackage: any;
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/** Lock key a dependency `name` of the package at lock key `from` resolves to (Node's lookup, upwards). */
function resolveIn(packages: Record<string, any>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!dir) return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : '';
  }
}

/** Lock entries (key -> entry) of workspace `workspace`'s dependency closure, itself included. */
export function lockClosure(lock: any, workspace: string): Record<string, unknown> {
  const packages: Record<string, any> = lock?.packages ?? {};
  if (!packages[workspace]) throw new Error(`package-lock.json has no entry "${workspace}"; run npm install`);
  const seen = new Map<string, unknown>();
  const queue = [workspace];
  while (queue.length) {
    const key = queue.shift()!;
    if (seen.has(key)) continue;
    let entry = packages[key];
    if (entry?.link) entry = packages[entry.resolved];
    seen.set(key, entry);
    for (const field of DEPENDENCY_FIELDS) {
      for (const name of Object.keys(entry?.[field] ?? {}).sort()) {
        const found = resolveIn(packages, entry === packages[key] ? key : packages[key].resolved, name);
        if (found) queue.push(found);
      }
    }
  }
  return Object.fromEntries([...seen.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** The tag: 20 hex characters of a SHA-256 over every input, in a fixed order. */
export function imageTag(service: string, inputs: BuildInputs): string {
  const workspace = `backend/${service}`;
  const files = Object.entries(inputs.files)
    .filter(([p]) => p.startsWith(`${workspace}/`))
    .sort(([a], [b]) => a.localeCompare(b));
  const root = {
    workspaces: inputs.rootPackage?.workspaces,
    overrides: inputs.rootPackage?.overrides,
    engines: inputs.rootPackage?.engines,
    lockfileVersion: inputs.lock?.lockfileVersion,
  };
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ service, files, root, lock: lockClosure(inputs.lock, workspace) }));
  return hash.digest('hex').slice(0, 20);
}
