import fs from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { StateStore } from './stateStore';

// Claude Code keeps each conversation as JSON lines under $CLAUDE_CONFIG_DIR/projects/<cwd>/.
// The live copy sits in the bottle's Claude storage; a snapshot is a dated copy beside it, taken
// whenever a session ends, so a transcript survives even if the live storage is later damaged.

async function conversationFiles(projectsDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(projectsDir, { recursive: true });
  } catch {
    return [];
  }
  return entries.filter((entry) => entry.endsWith('.jsonl')).map((entry) => join(projectsDir, entry));
}

export async function hasConversation(store: StateStore, slug: string): Promise<boolean> {
  return (await conversationFiles(join(store.claudeDir(slug), 'projects'))).length > 0;
}

/** Copies every conversation file into transcripts/<timestamp>/; returns that folder, if any. */
export async function snapshotTranscript(store: StateStore, slug: string, now = new Date()): Promise<string | undefined> {
  const projectsDir = join(store.claudeDir(slug), 'projects');
  const files = await conversationFiles(projectsDir);
  if (files.length === 0) return undefined;
  const target = join(store.transcriptsDir(slug), now.toISOString().replace(/[:.]/g, '-'));
  for (const file of files) {
    const copy = join(target, relative(projectsDir, file));
    await fs.mkdir(dirname(copy), { recursive: true, mode: 0o700 });
    await fs.copyFile(file, copy);
  }
  return target;
}

export async function listSnapshots(store: StateStore, slug: string): Promise<string[]> {
  try {
    return (await fs.readdir(store.transcriptsDir(slug))).sort().map((name) => join(store.transcriptsDir(slug), name));
  } catch {
    return [];
  }
}
