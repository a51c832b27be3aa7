import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE_NAME } from './types';

// The project is the nearest folder holding claude-bottle.json, found the way git finds `.git`.

/** The absolute path of the first claude-bottle.json in `startDir` or a folder above it. */
export function findManifest(startDir: string): string | undefined {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, MANIFEST_FILE_NAME);
    // Anything by that name but a folder is the project's manifest: a FIFO or a device there is then
    // refused when it is read, instead of the search going on to a manifest further up.
    const stats = fs.statSync(candidate, { throwIfNoEntry: false });
    if (stats && !stats.isDirectory()) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
