import fsSync, { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

// Reading files the app does not fully control — a bottle's Claude storage, a manifest in a
// project the bottle can write, a state record — without being trapped by them: never through a
// symbolic link (unless asked), never anything but a regular file (a FIFO would block forever, a
// device could be endless), never more than a cap, never for longer than a timeout, and never by
// walking into a linked folder. A hostile entry is reported, not waited on. See docs/security.md.

export const SAFE_FILE_LIMITS = {
  /** How long one read may take before it is abandoned (a stuck network file system). */
  readTimeoutMs: 10_000,
  /** A walk stops after this many entries, and this deep. */
  maxWalkEntries: 100_000,
  maxWalkDepth: 32,
} as const;

export class UnsafeFileError extends Error {
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(`${file} ${why}`);
    this.name = 'UnsafeFileError';
  }
}

export interface ReadOptions {
  maxBytes: number;
  /** Follow a symbolic link at the last component (a user's own file); never for bottle-written trees. */
  followLinks?: boolean;
  timeoutMs?: number;
  /** When set, the file must still be this one (device and inode from a walk): no swap in between. */
  expect?: { dev: number; ino: number };
}

/** The whole content of a regular file, within the cap and the timeout; UnsafeFileError otherwise. */
export async function readRegularFile(file: string, options: ReadOptions): Promise<Buffer> {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (options.followLinks ? 0 : constants.O_NOFOLLOW);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw new UnsafeFileError(file, 'is a symbolic link; it is not followed');
    if (code === 'ENXIO') throw new UnsafeFileError(file, 'is a socket, not a regular file');
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new UnsafeFileError(file, `is ${describeKind(stats)}, not a regular file`);
    if (options.expect && (stats.dev !== options.expect.dev || stats.ino !== options.expect.ino)) throw new UnsafeFileError(file, 'changed while it was being read');
    if (stats.size > options.maxBytes) throw new UnsafeFileError(file, `is larger than ${formatSize(options.maxBytes)} (${formatSize(stats.size)})`);
    return await withTimeout(readAll(handle, options.maxBytes, file), options.timeoutMs ?? SAFE_FILE_LIMITS.readTimeoutMs, file);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function readAll(handle: fs.FileHandle, maxBytes: number, file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  // The size from fstat can lie (a growing file): read until the end, stopping past the cap.
  for (;;) {
    const buffer = Buffer.alloc(Math.min(1024 * 1024, maxBytes + 1 - total));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes) throw new UnsafeFileError(file, `is larger than ${formatSize(maxBytes)}`);
    chunks.push(buffer.subarray(0, bytesRead));
  }
  return Buffer.concat(chunks, total);
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, file: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnsafeFileError(file, `did not finish reading within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export interface WalkedEntry {
  /** Absolute path. */
  path: string;
  /** Relative to the walk's root, with the platform's separators. */
  relative: string;
  kind: 'file' | 'dir';
  dev: number;
  ino: number;
  size: number;
}

export interface SkippedEntry {
  path: string;
  why: string;
}

export interface Walk {
  entries: WalkedEntry[];
  /** Links, FIFOs, sockets, devices, and what lay past the limits: listed, never opened. */
  skipped: SkippedEntry[];
}

/**
 * Every regular file and folder under `root`, without following a symbolic link anywhere (a linked
 * folder is skipped, not entered), bounded in entries and depth. `root` itself must be a folder.
 */
export async function walkNoFollow(root: string, limits: { maxEntries?: number; maxDepth?: number } = {}): Promise<Walk> {
  const maxEntries = limits.maxEntries ?? SAFE_FILE_LIMITS.maxWalkEntries;
  const maxDepth = limits.maxDepth ?? SAFE_FILE_LIMITS.maxWalkDepth;
  const walk: Walk = { entries: [], skipped: [] };
  const rootStats = await fs.lstat(root).catch(() => undefined);
  if (!rootStats) return walk;
  if (!rootStats.isDirectory()) {
    walk.skipped.push({ path: root, why: `is ${describeKind(rootStats)}, not a folder` });
    return walk;
  }
  const queue: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  while (queue.length > 0) {
    const { dir, depth } = queue.shift() as { dir: string; depth: number };
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (error) {
      walk.skipped.push({ path: dir, why: `cannot be listed (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    for (const name of names.sort()) {
      const full = path.join(dir, name);
      if (walk.entries.length >= maxEntries) {
        walk.skipped.push({ path: full, why: `is past the first ${maxEntries} entries` });
        return walk;
      }
      const stats = await fs.lstat(full).catch(() => undefined);
      if (!stats) continue;
      const relative = path.relative(root, full);
      if (stats.isDirectory()) {
        walk.entries.push({ path: full, relative, kind: 'dir', dev: stats.dev, ino: stats.ino, size: 0 });
        if (depth + 1 >= maxDepth) walk.skipped.push({ path: full, why: `is deeper than ${maxDepth} folders` });
        else queue.push({ dir: full, depth: depth + 1 });
      } else if (stats.isFile()) {
        walk.entries.push({ path: full, relative, kind: 'file', dev: stats.dev, ino: stats.ino, size: stats.size });
      } else {
        walk.skipped.push({ path: full, why: `is ${describeKind(stats)}` });
      }
    }
  }
  return walk;
}

export function describeKind(stats: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean; isDirectory(): boolean }): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'a device';
  if (stats.isDirectory()) return 'a folder';
  return 'not a regular file';
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} B`;
}

/**
 * The synchronous twin of `readRegularFile` for the few callers that must stay synchronous (the
 * manifest loader): the open does not block on a FIFO, and only a regular file within the cap is
 * read, so the worst case is one bounded read of a regular file.
 */
export function readRegularFileSync(file: string, options: Omit<ReadOptions, 'timeoutMs' | 'expect'>): Buffer {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (options.followLinks ? 0 : constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = fsSync.openSync(file, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw new UnsafeFileError(file, 'is a symbolic link; it is not followed');
    if (code === 'ENXIO') throw new UnsafeFileError(file, 'is a socket, not a regular file');
    throw error;
  }
  try {
    const stats = fsSync.fstatSync(fd);
    if (!stats.isFile()) throw new UnsafeFileError(file, `is ${describeKind(stats)}, not a regular file`);
    if (stats.size > options.maxBytes) throw new UnsafeFileError(file, `is larger than ${formatSize(options.maxBytes)} (${formatSize(stats.size)})`);
    const buffer = Buffer.alloc(Math.min(stats.size, options.maxBytes) + 1);
    let total = 0;
    for (;;) {
      const read = fsSync.readSync(fd, buffer, total, buffer.length - total, null);
      if (read === 0) break;
      total += read;
      if (total > options.maxBytes) throw new UnsafeFileError(file, `is larger than ${formatSize(options.maxBytes)}`);
      if (total === buffer.length) break;
    }
    return buffer.subarray(0, total);
  } finally {
    fsSync.closeSync(fd);
  }
}
