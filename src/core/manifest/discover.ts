import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE_NAME } from './types';

// The project is the nearest folder holding claude-bottle.json, found the way git finds `.git`.

/** The absolute path of the first claude-bottle.json in `startDir` or a folder above it. */
export function findManifest(startDir: string): string | undefined {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, MANIFEST_FILE_NAME);
    if (fs.statSync(candidate, { throwIfNoEntry: false })?.isFile() ?? false) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
