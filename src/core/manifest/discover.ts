import fs, { type Stats } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE_NAME } from './types';

// The project is the nearest folder holding claude-bottle.json, found the way git finds `.git`.
// Only names are looked at (stat, never open): whatever holds the name but a folder is the project's
// manifest, so a FIFO or a device there is refused when it is read, instead of the search going on
// to a manifest further up.

function isManifestCandidate(stats: Stats | undefined): boolean {
  return stats !== undefined && !stats.isDirectory();
}

function candidatesFrom(startDir: string): string[] {
  const candidates: string[] = [];
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, MANIFEST_FILE_NAME));
    if (path.dirname(dir) === dir) return candidates;
  }
}

/** The absolute path of the first claude-bottle.json in `startDir` or a folder above it. */
export function findManifest(startDir: string): string | undefined {
  return candidatesFrom(startDir).find((candidate) => isManifestCandidate(fs.statSync(candidate, { throwIfNoEntry: false })));
}

/** As `findManifest`, off the event loop. */
export async function locateManifest(startDir: string): Promise<string | undefined> {
  for (const candidate of candidatesFrom(startDir)) {
    const stats = await fs.promises.stat(candidate).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (isManifestCandidate(stats)) return candidate;
  }
  return undefined;
}
