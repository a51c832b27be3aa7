import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { openRegularFile } from '../fs/safeFiles';
import { type EgressLogEntry, parseEgressLog } from '../../proxy/egressLog';

// A bottle's egress log in its state folder (egress.log, JSON lines), kept by the process that
// owns the bottle from what the sidecar prints. Bounded: past the cap the file is rotated once
// (egress.log.1), so a bottle that hammers refused hosts cannot fill the disk. See docs/network.md.

export const EGRESS_LOG = {
  file: 'egress.log',
  rotated: 'egress.log.1',
  maxBytes: 5 * 1024 * 1024,
  /** What `logs` and the tab read back at most. */
  maxReadBytes: 2 * 1024 * 1024,
} as const;

export class EgressLogFile {
  private size = -1;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {}

  get file(): string {
    return path.join(this.dir, EGRESS_LOG.file);
  }

  /** When the log was last written (ms), if it exists. */
  async modifiedAt(): Promise<number | undefined> {
    return (await fs.lstat(this.file).catch(() => undefined))?.mtimeMs;
  }

  /** Appends one entry; writes are queued so lines never interleave. Failures are dropped. */
  append(entry: EgressLogEntry): Promise<void> {
    this.writing = this.writing.then(() => this.write(`${JSON.stringify(entry)}\n`)).catch(() => undefined);
    return this.writing;
  }

  private async write(line: string): Promise<void> {
    if (this.size < 0) this.size = (await fs.stat(this.file).catch(() => undefined))?.size ?? 0;
    if (this.size + line.length > EGRESS_LOG.maxBytes) {
      await fs.rename(this.file, path.join(this.dir, EGRESS_LOG.rotated)).catch(() => undefined);
      this.size = 0;
    }
    const handle = await fs.open(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.write(line);
      this.size += Buffer.byteLength(line);
    } finally {
      await handle.close();
    }
  }
}

/** The newest entries of a bottle's egress log (its tail, bounded), oldest first. */
export async function readEgressLog(dir: string): Promise<EgressLogEntry[]> {
  return (await readEgressTail(dir)).entries;
}

interface EgressTail {
  entries: EgressLogEntry[];
  /** The file read and where its tail ended: a follower goes on from there. */
  end?: { ino: number; offset: number };
}

async function readEgressTail(dir: string): Promise<EgressTail> {
  const handle = await openLog(path.join(dir, EGRESS_LOG.file));
  if (!handle) return { entries: [] };
  try {
    const stats = await handle.stat();
    const length = Math.min(stats.size, EGRESS_LOG.maxReadBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, stats.size - length);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    // A cut at the start of the window leaves a partial first line, and a line being written a
    // partial last one: both are skipped (the follower reads the last one whole).
    const whole = text.slice(0, text.lastIndexOf('\n') + 1);
    const entries = parseEgressLog(length < stats.size ? whole.slice(whole.indexOf('\n') + 1) : whole);
    return { entries, end: { ino: stats.ino, offset: stats.size - length + Buffer.byteLength(whole) } };
  } finally {
    await handle.close();
  }
}

/**
 * Reads what a bottle's egress log gains, from where it stood when made (`logs --follow`): by byte
 * offset, so a log past the tail `readEgressLog` returns is not printed again, and across a
 * rotation (the rest of the old file, now egress.log.1, then the new one from its start).
 */
export class EgressLogFollower {
  private constructor(
    private readonly dir: string,
    private at: { ino: number; offset: number } | undefined,
    private partial = '',
  ) {}

  /** The log's tail, and a follower that goes on exactly where it ends. */
  static async afterTail(dir: string): Promise<{ entries: EgressLogEntry[]; follower: EgressLogFollower }> {
    const tail = await readEgressTail(dir);
    return { entries: tail.entries, follower: new EgressLogFollower(dir, tail.end) };
  }

  /** The entries written since the last call, oldest first. */
  async readNew(): Promise<EgressLogEntry[]> {
    const current = await fs.lstat(path.join(this.dir, EGRESS_LOG.file)).catch(() => undefined);
    let text = '';
    if (this.at && current?.ino !== this.at.ino) {
      // Rotated: the old file's last lines are in egress.log.1 now.
      const rotated = path.join(this.dir, EGRESS_LOG.rotated);
      if ((await fs.lstat(rotated).catch(() => undefined))?.ino === this.at.ino) text += await readFrom(rotated, this.at.offset);
      this.at = undefined;
    }
    if (current?.isFile()) {
      const offset = this.at?.offset ?? 0;
      const added = current.size >= offset ? await readFrom(path.join(this.dir, EGRESS_LOG.file), offset) : '';
      text += added;
      this.at = { ino: current.ino, offset: offset + Buffer.byteLength(added) };
    }
    const complete = this.partial + text;
    const end = complete.lastIndexOf('\n') + 1;
    this.partial = complete.slice(end);
    return parseEgressLog(complete.slice(0, end));
  }
}

/** A log file from `offset` to its end (at most its cap), not following links, never blocking. */
async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await openLog(file);
  if (!handle) return '';
  try {
    const stats = await handle.stat();
    if (stats.size <= offset) return '';
    const length = Math.min(stats.size - offset, EGRESS_LOG.maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The log opened as a regular file, never through a link, never blocking; undefined if it is not one. */
async function openLog(file: string): Promise<fs.FileHandle | undefined> {
  // Rotated at maxBytes: twice that is room for the line that crossed it.
  return openRegularFile(file, { maxBytes: 2 * EGRESS_LOG.maxBytes }).catch(() => undefined);
}
