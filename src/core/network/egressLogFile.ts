import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
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
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path.join(dir, EGRESS_LOG.file), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return [];
    const length = Math.min(stats.size, EGRESS_LOG.maxReadBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, stats.size - length);
    const text = buffer.toString('utf8');
    // A cut at the start of the window leaves a partial first line: skip it.
    return parseEgressLog(length < stats.size ? text.slice(text.indexOf('\n') + 1) : text);
  } finally {
    await handle.close();
  }
}
