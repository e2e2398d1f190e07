import * as fs from 'fs';
import * as path from 'path';

/**
 * Replaces `target` with the manifests in `files`, all at once: the new tree is written next to
 * it and swapped in by rename, so `target` is never partial and survives any failure before.
 */
export function publishManifests(files: readonly string[], target: string): void {
  const parent = path.dirname(path.resolve(target));
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}-new-`));
  try {
    fs.chmodSync(staging, 0o755); // mkdtemp makes it private; dist/ is an ordinary directory
    for (const file of files) fs.copyFileSync(file, path.join(staging, path.basename(file)));
    const previous = `${path.resolve(target)}.old-${process.pid}`;
    const had = fs.existsSync(target);
    if (had) fs.renameSync(target, previous);
    fs.renameSync(staging, target);
    if (had) fs.rmSync(previous, { recursive: true, force: true });
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Replaces file `target` with `source` by rename: never partial, untouched by a failure before. */
export function publishFile(source: string, target: string): void {
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  const staging = `${path.resolve(target)}.new-${process.pid}`;
  try {
    fs.copyFileSync(source, staging);
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { force: true });
    throw error;
  }
}
