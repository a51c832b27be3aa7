import fsSync, { constants, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

// Reading files the app does not fully control — a bottle's Claude storage, a manifest in a
// project the bottle can write, a state record — without being trapped by them: never through a
// symbolic link (unless asked), never opening anything but a regular file (a FIFO would block
// forever, a device could be endless), never more than a cap, never for longer than a timeout, and
// never by walking into a linked folder. A hostile entry is reported, not waited on. See
// docs/security.md ("Files a bottle can write").

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

// Undefined on Windows, where `| undefined` adds nothing: the checks before and after the open remain.
const NO_FOLLOW = constants.O_NOFOLLOW;
const NO_BLOCK = constants.O_NONBLOCK;
const FOLDER_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | NO_FOLLOW | NO_BLOCK;

function readFlags(followLinks: boolean | undefined): number {
  return constants.O_RDONLY | NO_BLOCK | (followLinks ? 0 : NO_FOLLOW);
}

/**
 * Why `stats` (from lstat, or stat when links are followed) may not be opened, or undefined for a
 * regular file within the cap. Checked before the open, so a FIFO or a device is never opened at all.
 */
function refusal(stats: Stats, maxBytes: number): string | undefined {
  if (stats.isSymbolicLink()) return 'is a symbolic link; it is not followed';
  if (!stats.isFile()) return `is ${describeKind(stats)}, not a regular file`;
  if (stats.size > maxBytes) return `is larger than ${formatSize(maxBytes)} (${formatSize(stats.size)})`;
  return undefined;
}

/** After the open: still a regular file, and the very one checked before (nothing swapped in between). */
function refusalAfterOpen(opened: Stats, before: Stats, options: Pick<ReadOptions, 'maxBytes' | 'expect'>): string | undefined {
  const why = refusal(opened, options.maxBytes);
  if (why) return why;
  if (opened.dev !== before.dev || opened.ino !== before.ino) return 'changed while it was being opened';
  if (options.expect && (opened.dev !== options.expect.dev || opened.ino !== options.expect.ino)) return 'changed since it was listed';
  return undefined;
}

function openFailure(file: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' || code === 'EMLINK') return new UnsafeFileError(file, 'is a symbolic link; it is not followed');
  if (code === 'ENXIO') return new UnsafeFileError(file, 'is a socket, not a regular file');
  return error;
}

/**
 * The whole content of a regular file, within the cap and the timeout (which covers the open too);
 * UnsafeFileError naming the file and what was wrong otherwise. A missing file is the usual ENOENT.
 */
export async function readRegularFile(file: string, options: ReadOptions): Promise<Buffer> {
  const timeoutMs = options.timeoutMs ?? SAFE_FILE_LIMITS.readTimeoutMs;
  const abandoned = { now: false };
  const work = readChecked(file, options, abandoned);
  try {
    return await withTimeout(work, timeoutMs, () => new UnsafeFileError(file, `did not finish reading within ${timeoutMs / 1000} s`));
  } catch (error) {
    abandoned.now = true; // the read in flight stops at its next chunk and closes the file
    throw error;
  }
}

async function readChecked(file: string, options: ReadOptions, abandoned: { now: boolean }): Promise<Buffer> {
  const handle = await openRegularFile(file, options);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    // The size from fstat can lie (a growing file): read until the end, stopping past the cap.
    while (!abandoned.now) {
      const buffer = Buffer.alloc(Math.min(1024 * 1024, options.maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > options.maxBytes) throw new UnsafeFileError(file, `is larger than ${formatSize(options.maxBytes)}`);
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * An open handle on a regular file, checked as `readRegularFile` checks it (kind before and after
 * the open, the same file both times, the cap), for a caller that streams it; the caller closes it.
 */
export async function openRegularFile(file: string, options: Omit<ReadOptions, 'timeoutMs'>): Promise<fs.FileHandle> {
  const before = options.followLinks ? await fs.stat(file) : await fs.lstat(file);
  const why = refusal(before, options.maxBytes);
  if (why) throw new UnsafeFileError(file, why);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, readFlags(options.followLinks));
  } catch (error) {
    throw openFailure(file, error);
  }
  try {
    const changed = refusalAfterOpen(await handle.stat(), before, options);
    if (changed) throw new UnsafeFileError(file, changed);
    return handle;
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/**
 * A read stream for a file a walk found to be regular, opened so that it cannot block or follow a
 * link: should it have become a FIFO meanwhile, reading fails instead of waiting for a writer.
 * `end` (inclusive) bounds it to the size the walk saw.
 */
export function createNoFollowReadStream(file: string, range: { start: number; end: number }): fsSync.ReadStream {
  // Node opens the stream with fs.open, which takes numeric flags; the typings only list strings.
  const flags = readFlags(false) as unknown as string;
  return fsSync.createReadStream(file, { flags, start: range.start, end: range.end });
}

/**
 * The synchronous twin of `readRegularFile` for the few callers that must stay synchronous: the same
 * checks, without a timeout, so the worst case is one bounded read of a regular file.
 */
export function readRegularFileSync(file: string, options: Omit<ReadOptions, 'timeoutMs'>): Buffer {
  const before = options.followLinks ? fsSync.statSync(file) : fsSync.lstatSync(file);
  const why = refusal(before, options.maxBytes);
  if (why) throw new UnsafeFileError(file, why);
  let fd: number;
  try {
    fd = fsSync.openSync(file, readFlags(options.followLinks));
  } catch (error) {
    throw openFailure(file, error);
  }
  try {
    const changed = refusalAfterOpen(fsSync.fstatSync(fd), before, options);
    if (changed) throw new UnsafeFileError(file, changed);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.alloc(Math.min(1024 * 1024, options.maxBytes + 1 - total));
      const read = fsSync.readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) return Buffer.concat(chunks, total);
      total += read;
      if (total > options.maxBytes) throw new UnsafeFileError(file, `is larger than ${formatSize(options.maxBytes)}`);
      chunks.push(buffer.subarray(0, read));
    }
  } finally {
    fsSync.closeSync(fd);
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), timeoutMs);
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

export interface WalkLimits {
  maxEntries?: number;
  maxDepth?: number;
  /** A time (Date.now()) past which the rest is skipped and reported. */
  deadline?: number;
}

/**
 * Every regular file and folder under `root`, without following a symbolic link anywhere (a linked
 * folder is skipped, not entered), bounded in entries, depth and time. `root` itself must be a
 * folder, not a link to one.
 *
 * Each folder is opened without following a link and must be the folder its parent listed (device
 * and inode). On Linux it is then listed, and its entries examined, through that open descriptor
 * (/proc/self/fd/N), so a folder swapped for a link meanwhile cannot redirect the walk; elsewhere
 * the folder is checked again after it was listed.
 */
export async function walkNoFollow(root: string, limits: WalkLimits = {}): Promise<Walk> {
  const maxEntries = limits.maxEntries ?? SAFE_FILE_LIMITS.maxWalkEntries;
  const maxDepth = limits.maxDepth ?? SAFE_FILE_LIMITS.maxWalkDepth;
  const walk: Walk = { entries: [], skipped: [] };
  const rootStats = await fs.lstat(root).catch(() => undefined);
  if (!rootStats) return walk;
  if (!rootStats.isDirectory()) {
    walk.skipped.push({ path: root, why: `is ${describeKind(rootStats)}, not a folder` });
    return walk;
  }
  const queue: Array<{ dir: string; depth: number; dev: number; ino: number }> = [{ dir: root, depth: 0, dev: rootStats.dev, ino: rootStats.ino }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { dir, depth } = next;
    if (limits.deadline !== undefined && Date.now() > limits.deadline) {
      walk.skipped.push({ path: dir, why: 'was not listed: the walk ran out of time' });
      continue;
    }
    const listing = await listFolder(dir, next);
    if ('why' in listing) {
      walk.skipped.push({ path: dir, why: listing.why });
      continue;
    }
    for (const { name, stats } of listing.children) {
      const full = path.join(dir, name);
      if (walk.entries.length >= maxEntries) {
        walk.skipped.push({ path: full, why: `is past the first ${maxEntries} entries` });
        return walk;
      }
      const relative = path.relative(root, full);
      if (stats.isDirectory()) {
        walk.entries.push({ path: full, relative, kind: 'dir', dev: stats.dev, ino: stats.ino, size: 0 });
        if (depth + 1 >= maxDepth) walk.skipped.push({ path: full, why: `is deeper than ${maxDepth} folders` });
        else queue.push({ dir: full, depth: depth + 1, dev: stats.dev, ino: stats.ino });
      } else if (stats.isFile()) {
        walk.entries.push({ path: full, relative, kind: 'file', dev: stats.dev, ino: stats.ino, size: stats.size });
      } else {
        walk.skipped.push({ path: full, why: `is ${describeKind(stats)}` });
      }
    }
  }
  return walk;
}

type Listing = { children: Array<{ name: string; stats: Stats }> } | { why: string };

/** The entries of one folder (lstat of each), provided it is still the folder `expected` describes. */
async function listFolder(dir: string, expected: { dev: number; ino: number }): Promise<Listing> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(dir, FOLDER_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') return { why: 'was replaced by something that is not a folder; not entered' };
    return { why: `cannot be opened (${code ?? 'error'})` };
  }
  try {
    const opened = await handle.stat();
    if (!opened.isDirectory() || opened.dev !== expected.dev || opened.ino !== expected.ino) return { why: 'changed while it was being walked; not entered' };
    const anchor = (await procFdWorks()) ? `/proc/self/fd/${handle.fd}` : dir;
    const names = (await fs.readdir(anchor)).sort();
    const children: Array<{ name: string; stats: Stats }> = [];
    for (const name of names) {
      const stats = await fs.lstat(path.join(anchor, name)).catch(() => undefined);
      if (stats) children.push({ name, stats });
    }
    if (anchor === dir) {
      const after = await fs.lstat(dir).catch(() => undefined);
      if (!after?.isDirectory() || after.dev !== expected.dev || after.ino !== expected.ino) return { why: 'changed while it was being walked; not entered' };
    }
    return { children };
  } catch (error) {
    return { why: `cannot be listed (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

let procFd: Promise<boolean> | undefined;

/** Whether an open folder can be listed by its descriptor (Linux's /proc/self/fd). */
function procFdWorks(): Promise<boolean> {
  procFd ??= process.platform === 'linux'
    ? fs.stat('/proc/self/fd').then(
        (stats) => stats.isDirectory(),
        () => false,
      )
    : Promise.resolve(false);
  return procFd;
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
