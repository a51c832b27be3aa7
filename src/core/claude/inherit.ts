import { writeFileReplacing } from '../fs/writeReplacing';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BottleError } from '../errors';
import { describeKind, formatSize, openRegularFile, UnsafeFileError, walkNoFollow } from '../fs/safeFiles';
import type { ClaudeInheritItem } from '../manifest/schema';
import { CLAUDE_FILES, readJsonObject } from './seedStorage';

// The parts of the user's own Claude folder a manifest asks for ("claude": { "inherit": [...] }),
// copied into the bottle's Claude storage at each launch. Only what is named, and only regular
// files: never a symbolic link (a link to ~/.ssh in skills/ would hand over keys), never a FIFO, a
// socket or a device, never past the caps. settings.json loses whatever could carry a credential or
// undo the app's own settings. Credentials, history and other projects' sessions are never read.
// Inherited files overwrite their copies in the bottle; everything else there is kept, so Claude's
// own later changes survive a resume. See docs/manifest.md and docs/security.md.

export const INHERIT_LIMITS = {
  /** Files in agents/, commands/ and skills/ together. */
  maxFiles: 2000,
  /** Everything copied together. */
  maxTotalBytes: 32 * 1024 * 1024,
  /** One file larger than this is skipped, not copied. */
  maxFileBytes: 4 * 1024 * 1024,
  maxSettingsBytes: 1024 * 1024,
  maxDepth: 16,
} as const;

const FOLDER_ITEMS = new Set<ClaudeInheritItem>(['agents', 'commands', 'skills']);
/** Entries of any kind looked at in the folders: a folder of a million links is refused, not listed. */
const MAX_ENTRIES = INHERIT_LIMITS.maxFiles * 4;

interface Totals {
  files: number;
  bytes: number;
  entries: number;
}

/** The user's own Claude folder: $CLAUDE_CONFIG_DIR, else ~/.claude (as Claude Code finds it). */
export function userClaudeFolder(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  return env.CLAUDE_CONFIG_DIR ? path.resolve(env.CLAUDE_CONFIG_DIR) : path.join(home, '.claude');
}

export interface SkippedPart {
  /** Relative to the user's Claude folder. */
  path: string;
  why: string;
}

/** What one named part holds now, for the plan and the preflight. */
export type FoundPart =
  | { item: ClaudeInheritItem; state: 'missing' }
  | { item: ClaudeInheritItem; state: 'unusable'; why: string }
  | { item: ClaudeInheritItem; state: 'found'; files: number; bytes: number; skipped: SkippedPart[] };

export interface ClaudeSetupSurvey {
  from: string;
  parts: FoundPart[];
}

/**
 * What each named part of `from` holds, looked at without opening anything (lstat and folder
 * listings only), synchronously for the plan. Over the caps is an error naming the part and the cap.
 */
export function surveyClaudeSetup(from: string, items: readonly ClaudeInheritItem[]): ClaudeSetupSurvey {
  const root = realFolder(from);
  const totals: Totals = { files: 0, bytes: 0, entries: 0 };
  const parts = items.map((item): FoundPart => {
    if (root === undefined) return { item, state: 'missing' };
    const full = path.join(root, item);
    const stats = fsSync.lstatSync(full, { throwIfNoEntry: false });
    if (!stats) return { item, state: 'missing' };
    if (!FOLDER_ITEMS.has(item)) {
      const why = fileRefusal(stats, item === 'settings.json' ? INHERIT_LIMITS.maxSettingsBytes : INHERIT_LIMITS.maxFileBytes);
      if (why) return { item, state: 'unusable', why };
      addToTotals(totals, 0, stats.size, item);
      return { item, state: 'found', files: 1, bytes: stats.size, skipped: [] };
    }
    if (!stats.isDirectory()) return { item, state: 'unusable', why: `is ${describeKind(stats)}, not a folder; not followed` };
    const found = { item, state: 'found' as const, files: 0, bytes: 0, skipped: [] as SkippedPart[] };
    surveyFolder(root, full, 0, found, totals);
    return found;
  });
  return { from, parts };
}

function surveyFolder(root: string, dir: string, depth: number, found: { item: ClaudeInheritItem; files: number; bytes: number; skipped: SkippedPart[] }, totals: Totals): void {
  const relative = (full: string): string => path.relative(root, full);
  if (depth >= INHERIT_LIMITS.maxDepth) {
    found.skipped.push({ path: relative(dir), why: `is deeper than ${INHERIT_LIMITS.maxDepth} folders` });
    return;
  }
  // An opened folder read entry by entry: a folder of a million names stops at the cap.
  let folder: fsSync.Dir;
  try {
    folder = fsSync.opendirSync(dir);
  } catch (error) {
    found.skipped.push({ path: relative(dir), why: `cannot be listed (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
    return;
  }
  try {
    for (let entry = folder.readSync(); entry; entry = folder.readSync()) {
      totals.entries += 1;
      if (totals.entries > MAX_ENTRIES) throw overCap(found.item, `more than ${MAX_ENTRIES} entries (files, folders, links)`);
      const full = path.join(dir, entry.name);
      const stats = fsSync.lstatSync(full, { throwIfNoEntry: false });
      if (!stats) continue;
      if (stats.isDirectory()) {
        surveyFolder(root, full, depth + 1, found, totals);
        continue;
      }
      const why = fileRefusal(stats, INHERIT_LIMITS.maxFileBytes);
      if (why) {
        found.skipped.push({ path: relative(full), why });
        continue;
      }
      addToTotals(totals, 1, stats.size, found.item);
      found.files += 1;
      found.bytes += stats.size;
    }
  } finally {
    folder.closeSync();
  }
}

function addToTotals(totals: Pick<Totals, 'files' | 'bytes'>, files: number, bytes: number, item: ClaudeInheritItem): void {
  totals.files += files;
  totals.bytes += bytes;
  if (totals.files > INHERIT_LIMITS.maxFiles) throw overCap(item, `more than ${INHERIT_LIMITS.maxFiles} files`);
  if (totals.bytes > INHERIT_LIMITS.maxTotalBytes) throw overCap(item, `more than ${formatSize(INHERIT_LIMITS.maxTotalBytes)}`);
}

function overCap(item: ClaudeInheritItem, what: string): BottleError {
  return new BottleError('unsupported', `the parts of your Claude folder this agent inherits hold ${what} (counted up to ${item}); nothing was copied`, `remove "${item}" from "claude": { "inherit": [...] }, or make it smaller`);
}

/** Why a file is not copied: a link (never followed), not a regular file, or over the cap. */
function fileRefusal(stats: fsSync.Stats, maxBytes: number): string | undefined {
  if (stats.isSymbolicLink()) return 'is a symbolic link; not followed';
  if (!stats.isFile()) return `is ${describeKind(stats)}, not a regular file`;
  if (stats.size > maxBytes) return `is larger than ${formatSize(maxBytes)} (${formatSize(stats.size)})`;
  return undefined;
}

/** The user's folder itself, followed if it is a link (it is the user's own choice of place). */
function realFolder(from: string): string | undefined {
  try {
    const real = fsSync.realpathSync(from);
    return fsSync.statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

export interface InheritOptions {
  /** The user's Claude folder. */
  from: string;
  /** The bottle's Claude storage on the host (its CLAUDE_CONFIG_DIR). */
  to: string;
  items: readonly ClaudeInheritItem[];
  /** Owner of what is written, when the app runs as root and the bottle does not. */
  owner?: { uid: number; gid: number };
}

export interface InheritReport {
  /** Relative paths written into the bottle's storage. */
  copied: string[];
  skipped: SkippedPart[];
  missing: ClaudeInheritItem[];
}

/**
 * Copies the named parts of the user's Claude folder into the bottle's storage. Run at each launch,
 * after the storage was seeded (so the app's own settings are there to win over the user's), and
 * before the bottle starts (nothing in it can race the writes).
 */
export async function inheritClaudeSetup(options: InheritOptions): Promise<InheritReport> {
  const report: InheritReport = { copied: [], skipped: [], missing: [] };
  const root = realFolder(options.from);
  // Checked whole before anything is written: over the caps, nothing is copied.
  surveyClaudeSetup(options.from, options.items);
  const totals = { files: 0, bytes: 0 };
  for (const item of options.items) {
    const source = root === undefined ? undefined : path.join(root, item);
    const stats = source === undefined ? undefined : await fs.lstat(source).catch(() => undefined);
    if (source === undefined || stats === undefined) {
      report.missing.push(item);
    } else if (item === 'settings.json') {
      await inheritSettings(source, options, report);
    } else if (item === 'CLAUDE.md') {
      await copyOne(source, item, undefined, options, report, totals);
    } else if (!stats.isDirectory()) {
      report.skipped.push({ path: item, why: `is ${describeKind(stats)}, not a folder; not followed` });
    } else {
      await inheritFolder(source, item, options, report, totals);
    }
  }
  return report;
}

async function inheritFolder(source: string, item: ClaudeInheritItem, options: InheritOptions, report: InheritReport, totals: { files: number; bytes: number }): Promise<void> {
  const walk = await walkNoFollow(source, { maxDepth: INHERIT_LIMITS.maxDepth, maxEntries: MAX_ENTRIES });
  for (const skipped of walk.skipped) report.skipped.push({ path: path.join(item, path.relative(source, skipped.path)), why: skipped.why });
  await ensureFolder(path.join(options.to, item), options.owner);
  for (const entry of walk.entries) {
    const relative = path.join(item, entry.relative);
    if (entry.kind === 'dir') {
      await ensureFolder(path.join(options.to, relative), options.owner);
    } else if (entry.size > INHERIT_LIMITS.maxFileBytes) {
      report.skipped.push({ path: relative, why: `is larger than ${formatSize(INHERIT_LIMITS.maxFileBytes)} (${formatSize(entry.size)})` });
    } else {
      await copyOne(entry.path, relative, { dev: entry.dev, ino: entry.ino }, options, report, totals);
    }
  }
}

/** One regular file, read without following a link, written over its copy in the bottle. */
async function copyOne(source: string, relative: string, expect: { dev: number; ino: number } | undefined, options: InheritOptions, report: InheritReport, totals: { files: number; bytes: number }): Promise<void> {
  let content: Buffer;
  let executable: boolean;
  try {
    const handle = await openRegularFile(source, { maxBytes: INHERIT_LIMITS.maxFileBytes, ...(expect ? { expect } : {}) });
    try {
      executable = ((await handle.stat()).mode & 0o100) !== 0;
      content = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    report.skipped.push({ path: relative, why: error.why });
    return;
  }
  if (content.length > INHERIT_LIMITS.maxFileBytes) {
    report.skipped.push({ path: relative, why: `is larger than ${formatSize(INHERIT_LIMITS.maxFileBytes)}` });
    return;
  }
  // The survey checked the caps; files that grew since are caught here.
  addToTotals(totals, relative.includes(path.sep) ? 1 : 0, content.length, relative.split(path.sep)[0] as ClaudeInheritItem);
  await writeFileReplacing(path.join(options.to, relative), content, { mode: executable ? 0o700 : 0o600, owner: options.owner });
  report.copied.push(relative);
}

async function inheritSettings(source: string, options: InheritOptions, report: InheritReport): Promise<void> {
  let user: unknown;
  try {
    const handle = await openRegularFile(source, { maxBytes: INHERIT_LIMITS.maxSettingsBytes });
    try {
      user = JSON.parse((await handle.readFile()).toString('utf8'));
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof UnsafeFileError) report.skipped.push({ path: 'settings.json', why: error.why });
    else if (error instanceof SyntaxError) report.skipped.push({ path: 'settings.json', why: 'is not valid JSON' });
    else throw error;
    return;
  }
  if (!isObject(user)) {
    report.skipped.push({ path: 'settings.json', why: 'is not a JSON object' });
    return;
  }
  const target = path.join(options.to, CLAUDE_FILES.settings);
  const merged = mergeInheritedSettings(await readJsonObject(target), user);
  await writeFileReplacing(target, `${JSON.stringify(merged, null, 2)}\n`, { owner: options.owner });
  report.copied.push('settings.json');
}

type JsonObject = Record<string, unknown>;

/**
 * Settings that could carry or fetch a credential, force another login, or undo what the app set
 * (its hooks, the accepted bypass-permissions prompt): never taken from the user's settings.json.
 */
export const DROPPED_SETTINGS: ReadonlySet<string> = new Set([
  'apiKeyHelper',
  'awsAuthRefresh',
  'awsCredentialExport',
  'otelHeadersHelper',
  'forceLoginMethod',
  'forceLoginOrgUUID',
  'disableAllHooks',
  'skipDangerousModePermissionPrompt',
]);

/** `env` names that look like a credential, or would send Claude elsewhere than the bottle's proxy. */
const DROPPED_ENV = [/KEY/i, /TOKEN/i, /SECRET/i, /PASSW/i, /CREDENTIAL/i, /AUTH/i, /COOKIE/i, /^ANTHROPIC_/i, /^AWS_/i, /^(HTTPS?|ALL|NO)_PROXY$/i, /^CLAUDE_CODE_USE_/i, /^CLAUDE_CONFIG_DIR$/i];

/** Keys JSON may hold that would reach an object's prototype if assigned. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The bottle's settings with the user's merged in: the user's keys replace the bottle's, except what
 * DROPPED_SETTINGS and DROPPED_ENV leave out; `env` is merged by name; for `hooks`, an event the
 * bottle's settings already have (the app's own hooks) keeps the bottle's hooks.
 */
export function mergeInheritedSettings(bottle: JsonObject, user: JsonObject): JsonObject {
  const merged: JsonObject = { ...bottle };
  for (const [key, value] of Object.entries(user)) {
    if (UNSAFE_KEYS.has(key) || DROPPED_SETTINGS.has(key)) continue;
    if (key === 'env') {
      if (isObject(value)) merged.env = { ...(isObject(bottle.env) ? bottle.env : {}), ...safeEnv(value) };
    } else if (key === 'hooks') {
      if (isObject(value)) merged.hooks = { ...withoutUnsafeKeys(value), ...(isObject(bottle.hooks) ? bottle.hooks : {}) };
    } else if (key === 'permissions') {
      // The bottle runs with --dangerously-skip-permissions: a setting that disables it would stop Claude.
      if (isObject(value)) merged.permissions = Object.fromEntries(Object.entries(withoutUnsafeKeys(value)).filter(([name]) => name !== 'disableBypassPermissionsMode'));
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

function safeEnv(env: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(env).filter(([name, value]) => typeof value === 'string' && !UNSAFE_KEYS.has(name) && !DROPPED_ENV.some((pattern) => pattern.test(name))));
}

function withoutUnsafeKeys(value: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !UNSAFE_KEYS.has(key)));
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A folder in the bottle's storage, made if missing. Something else in its place — a link the
 * bottle left to lead the copy elsewhere on the host, a file, a FIFO — is removed, never followed.
 */
async function ensureFolder(dir: string, owner: InheritOptions['owner']): Promise<void> {
  const stats = await fs.lstat(dir).catch(() => undefined);
  if (stats?.isDirectory()) return;
  if (stats) await fs.rm(dir, { force: true });
  await fs.mkdir(dir, { mode: 0o700 });
  if (owner) await fs.lchown(dir, owner.uid, owner.gid);
}

