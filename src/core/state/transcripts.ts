import fs from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readRegularFile, type SkippedEntry, UnsafeFileError, type WalkedEntry, walkNoFollow } from '../fs/safeFiles';
import { showUntrusted } from '../text/untrusted';
import { writeFailure } from './diskErrors';
import type { StateStore } from './stateStore';

// Claude Code keeps each conversation as JSON lines under $CLAUDE_CONFIG_DIR/projects/<cwd>/.
// The live copy sits in the bottle's Claude storage; a snapshot is a dated copy beside it, taken
// whenever a session ends, so a transcript survives even if the live storage is later damaged.
//
// The storage is the bottle's to write, so the snapshot treats it as hostile (docs/security.md):
// it never follows a link, copies only regular files, checks each is still the file it listed,
// caps sizes and time, and lists what it skipped (SKIPPED.txt in the snapshot) instead of waiting.

export const TRANSCRIPT_LIMITS = {
  maxFileBytes: 64 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  /** The whole snapshot; past it the rest is skipped (the container is still removed). */
  timeoutMs: 30_000,
} as const;

const SKIPPED_FILE = 'SKIPPED.txt';

async function conversationFiles(projectsDir: string, deadline: number): Promise<{ files: WalkedEntry[]; skipped: SkippedEntry[] }> {
  const walk = await walkNoFollow(projectsDir, { deadline });
  const files = walk.entries.filter((entry) => entry.kind === 'file' && entry.relative.endsWith('.jsonl'));
  // Claude itself writes only files and folders there: anything else was put there, and is reported.
  return { files, skipped: walk.skipped };
}

export async function hasConversation(store: StateStore, slug: string): Promise<boolean> {
  return (await conversationFiles(join(store.claudeDir(slug), 'projects'), Date.now() + TRANSCRIPT_LIMITS.timeoutMs)).files.length > 0;
}

export interface Snapshot {
  dir: string;
  copied: number;
  skipped: SkippedEntry[];
}

/** Copies every conversation file into transcripts/<timestamp>/; returns that folder, if any. */
export async function snapshotTranscript(store: StateStore, slug: string, now = new Date()): Promise<string | undefined> {
  return (await takeSnapshot(store, slug, now))?.dir;
}

/** The snapshot with what it copied and what it skipped (and why). */
export async function takeSnapshot(store: StateStore, slug: string, now = new Date()): Promise<Snapshot | undefined> {
  const projectsDir = join(store.claudeDir(slug), 'projects');
  const deadline = Date.now() + TRANSCRIPT_LIMITS.timeoutMs;
  const { files, skipped } = await conversationFiles(projectsDir, deadline);
  if (files.length === 0 && skipped.length === 0) return undefined;
  const target = join(store.transcriptsDir(slug), now.toISOString().replace(/[:.]/g, '-'));
  let total = 0;
  let copied = 0;
  for (const file of files) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      skipped.push({ path: file.path, why: `was not copied: the snapshot ran past ${TRANSCRIPT_LIMITS.timeoutMs / 1000} s` });
      continue;
    }
    if (total + file.size > TRANSCRIPT_LIMITS.maxTotalBytes) {
      skipped.push({ path: file.path, why: `was not copied: the snapshot reached ${TRANSCRIPT_LIMITS.maxTotalBytes / 1024 / 1024} MiB` });
      continue;
    }
    let content: Buffer;
    try {
      content = await readRegularFile(file.path, { maxBytes: TRANSCRIPT_LIMITS.maxFileBytes, timeoutMs: remaining, expect: { dev: file.dev, ino: file.ino } });
    } catch (error) {
      // Whatever the bottle did to it (gone, swapped, a link now), it is the bottle's file: skipped.
      skipped.push({ path: file.path, why: error instanceof UnsafeFileError ? error.why : `could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
      continue;
    }
    // Names come from readdir (no "/" and no ".."), so the copy stays under the snapshot folder.
    const copy = join(target, file.relative);
    try {
      await fs.mkdir(dirname(copy), { recursive: true, mode: 0o700 });
      await fs.writeFile(copy, content, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // A snapshot is whole or absent: a partial one would look like a saved conversation.
      await fs.rm(target, { recursive: true, force: true }).catch(() => undefined);
      throw writeFailure(copy, error, store.root);
    }
    total += content.length;
    copied += 1;
  }
  if (copied === 0 && skipped.length === 0) return undefined;
  await fs.mkdir(target, { recursive: true, mode: 0o700 });
  if (skipped.length > 0) {
    // Names are the bottle's: a newline or a control character in one is shown escaped, as one line.
    const lines = skipped.map((entry) => `${showUntrusted(entry.path.slice(projectsDir.length + 1) || entry.path)}\t${entry.why}`);
    await fs.writeFile(join(target, SKIPPED_FILE), `Entries of Claude's storage this snapshot did not copy, and why:\n${lines.join('\n')}\n`, { mode: 0o600 });
  }
  return { dir: target, copied, skipped };
}

export async function listSnapshots(store: StateStore, slug: string): Promise<string[]> {
  try {
    return (await fs.readdir(store.transcriptsDir(slug))).sort().map((name) => join(store.transcriptsDir(slug), name));
  } catch {
    return [];
  }
}
