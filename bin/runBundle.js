'use strict';

// Runs the bundled CLI (out/cli/claude-bottle.cjs) from a V8 code cache: compiling the bundle is
// the largest part of the CLI's own start, and Node 20 keeps no code cache for it (it has no
// module.enableCompileCache). See docs/architecture.md, "How the CLI starts fast".
//
// The cache is bytecode V8 will run, kept where only this user writes: under the state root's
// cache folder, which no bottle can reach (bottles mount only their own folders below it). It is
// still read as harmless-if-wrong: named by a hash of the bundle and of Node's version, read only
// when it is a regular file of this user that nobody else may write, never through a link, never
// beyond a size cap; and V8 rejects data made by another V8, other flags or another source length.
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { isAscii } = require('node:buffer');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

/** A cache is a few MB; anything much larger is not one of ours. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** A cache, or one left half-written by a process that died: `<hash>-<command>.v8[.<pid>.tmp]`. */
const CACHE_NAME = /^([0-9a-f]{64})-[a-z-]+\.v8(\.\d+\.tmp)?$/;

/** Runs the bundle's `main(argv)`; returns what it returns. */
function runBundle(bundle, argv) {
  const bytes = fs.readFileSync(bundle);
  // The build writes ASCII only; Latin-1 then reads it as it is, faster than decoding UTF-8.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const cacheFile = codeCacheFile(bytes, argv[0]);
  const cachedData = cacheFile ? readCache(cacheFile) : undefined;
  // Node's own CommonJS wrapper, on a line of its own so the bundle's line numbers stay right; strict,
  // as the ES module bundle it replaces was.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { 'use strict';\n${source}\n})`, {
    filename: bundle,
    lineOffset: -1,
    ...(cachedData ? { cachedData } : {}),
  });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    // Made at exit, so that it holds the functions this command compiled as it ran, not only the top level.
    process.once('exit', () => writeCache(cacheFile, () => script.createCachedData()));
  }
  const bundleModule = { exports: {} };
  script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, path.dirname(bundle));
  return bundleModule.exports.main(argv);
}

/**
 * `<state root>/cache/cli-code/<hash>-<command>.v8`. One per command, since each holds what its
 * first run compiled: `start` then finds what `start` needs even if `--help` ran first.
 */
function codeCacheFile(bytes, command) {
  const root = stateRoot(process.env);
  const key = createHash('sha256').update(`${process.version}\0${process.arch}\0`).update(bytes).digest('hex');
  const name = /^[a-z][a-z-]{0,19}$/.test(command ?? '') ? command : 'other';
  return path.join(root, 'cache', 'cli-code', `${key}-${name}.v8`);
}

/** The cache's bytes, or undefined when there is none or it is not a file this user alone wrote. */
function readCache(file) {
  let fd;
  try {
    // O_NONBLOCK: a FIFO put there is refused below, not waited on.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const stats = fs.fstatSync(fd);
    if (!stats.isFile() || stats.size === 0 || stats.size > MAX_CACHE_BYTES || (stats.mode & 0o022) !== 0) return undefined;
    if (process.getuid && stats.uid !== process.getuid()) return undefined;
    const data = Buffer.allocUnsafe(stats.size);
    let read = 0;
    while (read < data.length) {
      const n = fs.readSync(fd, data, read, data.length - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    return data;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes the cache and removes those of other (older) bundles; a failure only costs the next start its speed. */
function writeCache(file, make) {
  const dir = path.dirname(file);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Never through a link: a folder that is not a plain one of this user's is left alone.
    const folder = fs.lstatSync(dir);
    if (!folder.isDirectory() || (process.getuid && folder.uid !== process.getuid())) return;
    const data = make();
    if (data.length > MAX_CACHE_BYTES) return;
    // 'wx': a link or file already at the temporary name fails the write instead of being followed.
    fs.writeFileSync(temporary, data, { flag: 'wx', mode: 0o600 });
    fs.renameSync(temporary, file);
    for (const name of fs.readdirSync(dir)) {
      const kept = CACHE_NAME.exec(name);
      if (kept && !path.basename(file).startsWith(kept[1])) fs.rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * The state root as src/core/state/stateRoot.ts finds it (env-paths' data folder), without loading
 * an ES module; test/cli/codeCache.test.ts checks they agree.
 */
function stateRoot(env) {
  const override = env.CLAUDE_BOTTLE_HOME;
  if (override) return override.startsWith('~/') ? path.join(homedir(), override.slice(2)) : override;
  if (process.platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'claude-bottle');
  if (process.platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(homedir(), 'AppData', 'Local'), 'claude-bottle', 'Data');
  return path.join(env.XDG_DATA_HOME || path.join(homedir(), '.local', 'share'), 'claude-bottle');
}

module.exports = { runBundle, stateRoot };
