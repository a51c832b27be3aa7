// A folder as a Docker build context: which files go in (its `.dockerignore`, with Docker's
// rules), the tar stream sent to the engine, and a content hash over exactly the same files.
// Both stream file contents; nothing holds the whole project in memory.

import { createHash, type Hash } from 'node:crypto';
import fsCallbacks, { lstatSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import { pack, type PackOptions, type Headers as TarHeaders } from 'tar-fs';
import { createNoFollowReadStream, openRegularFile, readRegularFile, readRegularFileSync } from '../fs/safeFiles';

/** A .dockerignore is a list of patterns; past this it is not one. */
const DOCKERIGNORE_MAX_BYTES = 1024 * 1024;

/** Bumped whenever the hash recipe changes, so old hashes never match new ones. */
const HASH_FORMAT = 'claude-bottle-context-v1';

export type ExtraFiles = Record<string, string | Buffer>;

/** Which paths of a context folder are sent, by Docker's `.dockerignore` rules. */
export interface ContextFilter {
  /** `rel` is relative to the context, posix separators, no leading `./`. */
  includes(rel: string, isDirectory: () => boolean): boolean;
}

/**
 * Reads `<dir>/.dockerignore` (if any) into a filter. As Docker does, an ignored folder is not
 * entered unless an exception (`!pattern`) names something inside it; paths in `alwaysInclude`
 * (and the folders that hold them) are kept whatever the patterns say.
 */
export async function readContextFilter(dir: string, options: { alwaysInclude?: string[] } = {}): Promise<ContextFilter> {
  let text = '';
  try {
    // The project may be the bottle's to write: a FIFO or a huge file here is an error, not a hang.
    text = (await readRegularFile(path.join(dir, '.dockerignore'), { maxBytes: DOCKERIGNORE_MAX_BYTES, followLinks: true })).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return contextFilterFrom(text, options.alwaysInclude ?? []);
}

export function contextFilterFrom(dockerignoreText: string, alwaysInclude: string[] = []): ContextFilter {
  const patterns = dockerignoreText
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const matcher = dockerignore({ ignorecase: false }).add(patterns);
  const exceptions = patterns
    .filter((pattern) => pattern.startsWith('!'))
    .map((pattern) => path.posix.normalize(pattern.slice(1).trim().replace(/^\/+/, '')));
  const kept = new Set<string>();
  for (const file of alwaysInclude.map(toPosixRelative)) {
    for (let p = file; p && p !== '.'; p = path.posix.dirname(p)) kept.add(p);
  }
  return {
    includes(rel, isDirectory) {
      if (kept.has(rel) || !matcher.ignores(rel)) return true;
      // An ignored folder is still entered when an exception may re-include something in it.
      return exceptions.length > 0 && exceptions.some((pattern) => pattern.startsWith(`${rel}/`)) && isDirectory();
    },
  };
}

function toPosixRelative(p: string): string {
  return path.posix.normalize(p.split(path.sep).join('/')).replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

export interface PackOptionsForContext {
  /** Files added at the root of the archive (a generated Dockerfile); they replace project files of the same path. */
  extraFiles?: ExtraFiles;
  /** Put the folder's entries under this archive folder (`project/workspace`) instead of the root. */
  prefix?: string;
  /** Relative paths sent even when `.dockerignore` excludes them (the Dockerfile, as the docker CLI does). */
  alwaysInclude?: string[];
}

/**
 * The build context for `dir` as a tar stream: the folder's files minus what its `.dockerignore`
 * excludes (symlinks as links, sockets and devices skipped), plus `extraFiles`. Entries are
 * sorted and owned by root: nothing of the host's uids reaches the image.
 */
export function packContext(dir: string, options: PackOptionsForContext = {}): { tar: Readable } {
  const root = path.resolve(dir);
  const extra = options.extraFiles ?? {};
  const extraNames = new Set(Object.keys(extra).map(toPosixRelative));
  const prefix = options.prefix ? toPosixRelative(options.prefix) : '';
  const filter = contextFilterFrom(readDockerignoreSync(root), options.alwaysInclude ?? []);
  const packOptions: PackOptions & { sort: boolean; umask: number; fs: typeof fsCallbacks } = {
    // tar-fs opens each file it found regular by its path: opened non-blocking and without
    // following a link, a FIFO swapped in meanwhile fails the build instead of hanging it.
    fs: { ...fsCallbacks, createReadStream: (file: string, range: { start: number; end: number }) => createNoFollowReadStream(file, range) } as typeof fsCallbacks,
    sort: true,
    strict: false,
    umask: 0o022,
    finalize: false,
    ignore: (absolute) => {
      const rel = toPosixRelative(path.relative(root, absolute));
      if (!prefix && extraNames.has(rel)) return true;
      return !filter.includes(rel, () => isDirectoryNoFollow(absolute));
    },
    map: (header: TarHeaders) => {
      const name = header.name === '.' ? '' : toPosixRelative(header.name);
      return { ...header, name: prefix ? (name ? `${prefix}/${name}` : prefix) : name || '.', uid: 0, gid: 0 };
    },
    finish: (archive) => {
      for (const [name, content] of Object.entries(extra)) {
        const data = typeof content === 'string' ? Buffer.from(content) : content;
        archive.entry({ name: toPosixRelative(name), mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, data);
      }
      archive.finalize();
    },
  };
  const tarball = pack(root, packOptions);
  // A Node stream over tar-stream's (streamx) one: errors and destroy() travel both ways.
  return { tar: Readable.from(tarball as AsyncIterable<Buffer>, { objectMode: false }) };
}

function readDockerignoreSync(root: string): string {
  try {
    return readRegularFileSync(path.join(root, '.dockerignore'), { maxBytes: DOCKERIGNORE_MAX_BYTES, followLinks: true }).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

function isDirectoryNoFollow(absolute: string): boolean {
  try {
    return lstatSync(absolute).isDirectory();
  } catch {
    return false;
  }
}

export interface HashOptions {
  /** Extra files, hashed as `packContext` (without `prefix`) adds them: replacing same-named project files. */
  extra?: ExtraFiles;
  /** As for `packContext`. */
  alwaysInclude?: string[];
  signal?: AbortSignal;
}

/**
 * A sha256 (hex) over the files `packContext` would send: each entry's relative path, type,
 * executable bit and content (a symlink by its target), in sorted order. The same files give
 * the same hash; a changed, added, removed or renamed file gives another. Timestamps and
 * ownership are not part of it.
 */
export async function hashContext(dir: string, options: HashOptions = {}): Promise<string> {
  const root = path.resolve(dir);
  const filter = await readContextFilter(root, options.alwaysInclude ? { alwaysInclude: options.alwaysInclude } : {});
  const extra = options.extra ?? {};
  const extraNames = new Set(Object.keys(extra).map(toPosixRelative));
  const hash = createHash('sha256');
  hash.update(`${HASH_FORMAT}\0`);

  const walk = async (relDir: string): Promise<void> => {
    const names = (await fs.readdir(path.join(root, relDir))).sort();
    for (const name of names) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      const rel = relDir ? `${relDir}/${name}` : name;
      const absolute = path.join(root, rel);
      if (extraNames.has(rel)) continue;
      let stats: Stats | undefined;
      const statNow = (): Stats => (stats ??= lstatSync(absolute));
      if (!filter.includes(rel, () => statNow().isDirectory())) continue;
      try {
        stats = stats ?? (await fs.lstat(absolute));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
        throw error;
      }
      if (stats.isDirectory()) {
        record(hash, 'D', rel, stats);
        await walk(rel);
      } else if (stats.isSymbolicLink()) {
        record(hash, 'L', rel, stats);
        const target = await fs.readlink(absolute);
        hash.update(`${Buffer.byteLength(target)}\0${target}\0`);
      } else if (stats.isFile()) {
        record(hash, 'F', rel, stats);
        hash.update(`${stats.size}\0`);
        await hashFile(hash, absolute, stats, options.signal);
        hash.update('\0');
      }
      // Sockets, pipes and devices are not sent (tar cannot carry them), so not hashed either.
    }
  };
  await walk('');

  for (const name of [...extraNames].sort()) {
    const content = extra[name] ?? extra[Object.keys(extra).find((key) => toPosixRelative(key) === name) ?? ''];
    const data = typeof content === 'string' ? Buffer.from(content) : (content ?? Buffer.alloc(0));
    hash.update(`E\0${name}\0${data.length}\0`);
    hash.update(data);
    hash.update('\0');
  }
  return hash.digest('hex');
}

function record(hash: Hash, type: 'D' | 'L' | 'F', rel: string, stats: Stats): void {
  const executable = (stats.mode & 0o111) !== 0 ? 'x' : '-';
  hash.update(`${type}\0${rel}\0${type === 'F' ? executable : '-'}\0`);
}

/** Only the regular file the walk saw (a FIFO swapped in would block forever), up to its size then. */
async function hashFile(hash: Hash, absolute: string, seen: Stats, signal?: AbortSignal): Promise<void> {
  if (seen.size === 0) return;
  const handle = await openRegularFile(absolute, { maxBytes: Number.MAX_SAFE_INTEGER, expect: { dev: seen.dev, ino: seen.ino } });
  const stream = handle.createReadStream({ start: 0, end: Math.max(seen.size - 1, 0), ...(signal ? { signal } : {}) });
  try {
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
