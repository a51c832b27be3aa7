import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ManifestError, type ManifestIssue } from '../errors';
import { readRegularFile, UnsafeFileError } from '../fs/safeFiles';
import { locateManifest } from './discover';
import { sortIssues } from './locate';
import { parseManifestText } from './parse';
import { resolveAgents } from './resolve';
import { MANIFEST_FILE_NAME, type LoadedManifest } from './types';
import { validateManifest } from './validate';

/** A manifest larger than this is not one (and is not read into memory to find out). */
export const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
/** A manifest is read from a local disk in milliseconds; past this something holds it up. */
export const MANIFEST_READ_TIMEOUT_MS = 5_000;

// The one entry point: find, read, parse, validate and resolve a manifest. It returns a manifest
// that is safe to plan from, or throws one ManifestError listing every issue it found.

export interface LoadOptions {
  /** The folder `~` expands to; the user's home folder unless a test says otherwise. */
  home?: string;
}

/**
 * `fileOrDir` is a manifest file, or a folder to search upwards from. Read off the event loop, as a
 * file the agent may have made hostile: see docs/security.md ("Files a bottle can write").
 */
export async function loadManifest(fileOrDir: string, options: LoadOptions = {}): Promise<LoadedManifest> {
  const target = path.resolve(fileOrDir);
  const stat = await fs.stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw unpositioned(target, `cannot read: ${error.message}`);
  });
  if (stat === undefined) throw unpositioned(target, `no such file or folder: ${target}`);
  const file = stat.isDirectory() ? await locateManifest(target) : target;
  if (file === undefined) {
    throw new ManifestError(
      [unpositionedIssue(target, `no ${MANIFEST_FILE_NAME} in ${target} or any folder above it`)],
      'run `claude-bottle init` in the project folder to create one',
    );
  }
  let text: string;
  try {
    // Bounded, timed and non-blocking: a manifest the agent replaced with a FIFO or /dev/zero is refused.
    // A link is followed (a user may link their manifest); what it leads to must be a regular file.
    text = (await readRegularFile(file, { maxBytes: MANIFEST_MAX_BYTES, followLinks: true, timeoutMs: MANIFEST_READ_TIMEOUT_MS })).toString('utf8');
  } catch (error) {
    if (error instanceof UnsafeFileError) throw unpositioned(file, `cannot be read as a manifest: it ${error.why}`);
    throw unpositioned(file, `cannot read the file: ${error instanceof Error ? error.message : String(error)}`);
  }
  return loadManifestText(file, text, options);
}

/** Like `loadManifest`, for text already in hand; `file` names it in issues and sets the project root. */
export function loadManifestText(file: string, text: string, options: LoadOptions = {}): LoadedManifest {
  const absolute = path.resolve(file);
  const resolveOptions = { projectRoot: path.dirname(absolute), home: options.home ?? os.homedir() };
  const parsed = parseManifestText(absolute, text);
  if (!parsed.ok) throw new ManifestError(parsed.issues);

  const validated = validateManifest(parsed.doc, parsed.value);
  if (!validated.ok) {
    // Still check the paths of the agents that are valid on their own, so one pass reports all.
    const partial = resolveAgents(parsed.doc, validated.validParts, resolveOptions);
    throw new ManifestError(sortIssues([...validated.issues, ...partial.issues]));
  }
  const { manifest } = validated;
  const resolved = resolveAgents(parsed.doc, { defaults: manifest.defaults, agents: Object.entries(manifest.agents) }, resolveOptions);
  if (resolved.issues.length > 0) throw new ManifestError(sortIssues(resolved.issues));
  return { file: absolute, projectRoot: resolveOptions.projectRoot, manifest, agents: resolved.agents };
}

function unpositionedIssue(file: string, message: string): ManifestIssue {
  return { file, line: 0, column: 0, keyPath: '', message };
}

function unpositioned(file: string, message: string): ManifestError {
  return new ManifestError([unpositionedIssue(file, message)]);
}
