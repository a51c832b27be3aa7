// The built-in base image (`"image": "builtin:base"`): a slim Debian with Node, git, ripgrep, jq
// and Claude Code, built on first use from the recipe in images/base and tagged by a hash of that
// recipe and the build's inputs, so a new recipe in a new app version means a new image.
//
// Where the recipe lives: images/base at the repository root in a checkout (found by walking up
// from this module, which works from src/ under tsx and from out/ after electron-vite), and
// <process.resourcesPath>/images/base in a packaged app. electron-builder must therefore ship the
// folder as an extra resource:  extraResources: [{ from: images/base, to: images/base }].

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { raceSignal } from '../docker/deadline';
import { toBottleError } from '../docker/dockerErrors';
import { buildImage, imageExists } from '../docker/images';
import type { BuildProgress } from '../docker/progress';
import { BottleError } from '../errors';

/** What a manifest writes to use the built-in image. */
export const BUILTIN_BASE = 'builtin:base';

export const BASE_IMAGE_DEFAULTS = {
  /** Debian's own slim image; machines without a registry set CLAUDE_BOTTLE_BASE_FROM instead. */
  from: 'debian:bookworm-slim',
  /** Where the built images go; the tag is a hash of the inputs. */
  repository: 'claude-bottle/base',
  /** Hex digits of the input hash in the tag: plenty to never collide on one machine. */
  tagHashLength: 16,
} as const;

/** Labels on built-in base images. */
export const BASE_IMAGE_LABELS = {
  kind: 'claude-bottle.kind',
  /** sha256 of the recipe folder. */
  recipe: 'claude-bottle.base.recipe',
  /** The recipe, the FROM image and the extra CAs, without the Claude Code version: "this recipe here". */
  key: 'claude-bottle.base.key',
  from: 'claude-bottle.base.from',
  /** `pinned` (the recipe's version), `latest` ("Update Claude Code") or an explicit version. */
  channel: 'claude-bottle.claude-code.channel',
  /** The version Claude Code reported when the image was built. */
  version: 'claude-bottle.claude-code.version',
  built: 'claude-bottle.base.built',
} as const;

export const BUILTIN_BASE_KIND = 'builtin-base';

/** The environment variables this module reads. */
export const BASE_IMAGE_ENV = {
  /** The image to build FROM instead of debian:bookworm-slim (a local Debian, a mirror). */
  from: 'CLAUDE_BOTTLE_BASE_FROM',
  /** A PEM file of extra certificate authorities the bottle must trust (a TLS-inspecting proxy). */
  extraCaCerts: 'CLAUDE_BOTTLE_EXTRA_CA_CERTS',
  /** Node's own variable; used when the one above is not set, since the same network needs it. */
  nodeExtraCaCerts: 'NODE_EXTRA_CA_CERTS',
} as const;

/** The line the recipe prints after installing Claude Code: `claude-code-version: 2.1.332 (Claude Code)`. */
const VERSION_LINE = /^claude-code-version:\s*(\S+)/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** Where the staged copy of the recipe puts the host's extra CAs (see ca-certificates/README.md). */
const EXTRA_CA_FILE = path.join('ca-certificates', 'host-extra-ca.crt');

export function isBuiltinImage(ref: string): boolean {
  return ref === BUILTIN_BASE;
}

/**
 * The recipe folder: `<resourcesPath>/images/base` in a packaged app, else the nearest
 * `images/base` holding a Dockerfile above this module.
 */
export function defaultRecipeDir(): string {
  return findRecipeDir('base', 'the built-in base image');
}

/**
 * `images/<name>` (a folder with a Dockerfile): under `<resourcesPath>` in a packaged app, else the
 * nearest one above this module (from src/ under tsx, from out/ after electron-vite).
 */
export function findRecipeDir(name: string, what: string): string {
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  const candidates: string[] = [];
  if (resourcesPath) candidates.push(path.join(resourcesPath, 'images', name));
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth += 1) {
    candidates.push(path.join(dir, 'images', name));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const found = candidates.find((candidate) => fs.existsSync(path.join(candidate, 'Dockerfile')));
  if (found) return found;
  throw new BottleError(
    'internal',
    `the recipe of ${what} (images/${name}) is missing from this installation`,
    `Reinstall Claude Bottle; in a checkout, restore images/${name} from git.`,
  );
}

/** Every regular file under `dir`, as sorted posix paths relative to it. */
export function recipeFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk('');
  return files.sort();
}

/**
 * sha256 (hex) over the recipe folder: each file's relative path and content, in sorted order.
 * File modes are left out on purpose (Windows has none; the Dockerfile sets them).
 */
export function baseRecipeHash(recipeDir: string = defaultRecipeDir()): string {
  const hash = createHash('sha256').update('claude-bottle-base-recipe-v1\0');
  for (const rel of recipeFiles(recipeDir)) {
    const content = fs.readFileSync(path.join(recipeDir, ...rel.split('/')));
    hash.update(`${rel}\0${content.length}\0`).update(content).update('\0');
  }
  return hash.digest('hex');
}

/** `ARG CLAUDE_CODE_VERSION=<this>` of the recipe's Dockerfile: the pinned version. */
export function pinnedClaudeCodeVersion(recipeDir: string = defaultRecipeDir()): string {
  const dockerfile = fs.readFileSync(path.join(recipeDir, 'Dockerfile'), 'utf8');
  const match = /^ARG\s+CLAUDE_CODE_VERSION=(\S+)\s*$/m.exec(dockerfile);
  if (!match?.[1]) throw new BottleError('internal', `${recipeDir}/Dockerfile does not pin CLAUDE_CODE_VERSION`);
  return match[1];
}

export interface BaseTagOptions {
  recipeDir?: string;
  /** Saves hashing the folder again when the caller has it. */
  recipeHash?: string;
  /** The image to build FROM; default as `resolveBaseFrom`. */
  baseImage?: string;
  /** Undefined: the version the recipe pins. `latest`: the newest, and the tag carries the date. */
  claudeCodeVersion?: string;
  /** Extra CA certificates (PEM) baked into the image; part of the hash. */
  extraCaCerts?: string;
  /** The build date for a `latest` tag; now by default. */
  date?: Date;
}

/** The image to start FROM: the option, else $CLAUDE_BOTTLE_BASE_FROM, else debian:bookworm-slim. */
export function resolveBaseFrom(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  return option || env[BASE_IMAGE_ENV.from] || BASE_IMAGE_DEFAULTS.from;
}

/** The hash of "this recipe, from this image, with these CAs", without the Claude Code version. */
function baseKey(recipeHash: string, baseImage: string, extraCaCerts: string): string {
  const caHash = extraCaCerts ? createHash('sha256').update(extraCaCerts).digest('hex') : '';
  return createHash('sha256')
    .update(JSON.stringify({ recipe: recipeHash, from: baseImage, ca: caHash }))
    .digest('hex')
    .slice(0, BASE_IMAGE_DEFAULTS.tagHashLength);
}

/**
 * `claude-bottle/base:<16 hex>`, the hex being a hash of the recipe and the build's inputs (FROM
 * image, Claude Code version, extra CAs). For `latest` the version is not known in advance, so the
 * tag adds `-latest-<yyyymmdd>` and the image's label records the version the build printed.
 */
export function builtinBaseTag(options: BaseTagOptions = {}): string {
  const recipeHash = options.recipeHash ?? baseRecipeHash(options.recipeDir);
  const baseImage = resolveBaseFrom(options.baseImage);
  const version = options.claudeCodeVersion ?? 'pinned';
  const hex = createHash('sha256')
    .update(JSON.stringify({ key: baseKey(recipeHash, baseImage, options.extraCaCerts ?? ''), claudeCode: version }))
    .digest('hex')
    .slice(0, BASE_IMAGE_DEFAULTS.tagHashLength);
  const suffix = version === 'latest' ? `-latest-${yyyymmdd(options.date ?? new Date())}` : '';
  return `${BASE_IMAGE_DEFAULTS.repository}:${hex}${suffix}`;
}

function yyyymmdd(date: Date): string {
  return date.toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * The extra certificate authorities to bake in: the PEM file named by $CLAUDE_BOTTLE_EXTRA_CA_CERTS
 * (which must be readable), else the one named by $NODE_EXTRA_CA_CERTS when readable. Only the
 * CERTIFICATE blocks are kept, so a stray private key in the file can never reach an image layer.
 */
export function readExtraCaCerts(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[BASE_IMAGE_ENV.extraCaCerts];
  const file = explicit || env[BASE_IMAGE_ENV.nodeExtraCaCerts];
  if (!file) return '';
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (!explicit) return '';
    throw new BottleError(
      'build-failed',
      `${BASE_IMAGE_ENV.extraCaCerts} names ${file}, which cannot be read: ${(error as Error).message}`,
      `Point ${BASE_IMAGE_ENV.extraCaCerts} at a PEM file of CA certificates, or unset it.`,
      { cause: error },
    );
  }
  return certificatesOnly(text);
}

function certificatesOnly(pem: string): string {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  return blocks.length > 0 ? `${blocks.join('\n')}\n` : '';
}

export interface EnsureBaseImageOptions {
  onProgress?: (progress: BuildProgress) => void;
  signal?: AbortSignal;
  /** The image to build FROM; else $CLAUDE_BOTTLE_BASE_FROM, else debian:bookworm-slim. */
  baseImage?: string;
  /** Undefined: the pinned version (or the newest "Update Claude Code" build of this recipe). */
  claudeCodeVersion?: string;
  recipeDir?: string;
  /** Build even when an image is there; Claude Code is reinstalled (its layer is not cached). */
  force?: boolean;
  /** Extra CA certificates (PEM); else read as `readExtraCaCerts` does. */
  extraCaCerts?: string;
  env?: NodeJS.ProcessEnv;
}

export interface BaseImageResult {
  tag: string;
  /** False when an existing image was reused. */
  built: boolean;
  /** The Claude Code version the image reports (from its label), when known. */
  claudeCodeVersion?: string;
}

/**
 * Builds in progress in this process, by tag, so two bottles starting at once build once. A later
 * caller's signal only stops its own wait; the first caller's signal cancels the build for all.
 */
const inFlight = new Map<string, { result: Promise<BaseImageResult>; listeners: Set<(progress: BuildProgress) => void> }>();

/**
 * Makes sure the built-in base image exists and returns its tag. An image for this recipe and
 * these inputs is reused; otherwise it is built (minutes, the first time) with progress.
 * "Update Claude Code" is `{ force: true, claudeCodeVersion: 'latest' }`; afterwards, a call
 * without a version uses that newest build for as long as the recipe stays the same.
 */
export async function ensureBuiltinBaseImage(docker: Docker, options: EnsureBaseImageOptions = {}): Promise<BaseImageResult> {
  const inputs = resolveInputs(options);
  const { tag } = inputs;
  if (!options.force) {
    const existing = await findExisting(docker, inputs);
    if (existing) return existing;
  }

  const running = inFlight.get(tag);
  if (running) {
    if (options.onProgress) running.listeners.add(options.onProgress);
    try {
      return await raceSignal(running.result, options.signal, 'preparing the built-in base image');
    } finally {
      if (options.onProgress) running.listeners.delete(options.onProgress);
    }
  }

  const listeners = new Set<(progress: BuildProgress) => void>();
  if (options.onProgress) listeners.add(options.onProgress);
  const result = buildBase(docker, inputs, {
    force: options.force === true,
    onProgress: (progress) => listeners.forEach((listener) => listener(progress)),
    signal: options.signal,
  });
  inFlight.set(tag, { result, listeners });
  try {
    return await result;
  } finally {
    inFlight.delete(tag);
  }
}

/**
 * The image `ensureBuiltinBaseImage` would use without building, or undefined when it would have
 * to build one (for `doctor` and the window's first-run checks).
 */
export async function findBuiltinBaseImage(
  docker: Docker,
  options: Omit<EnsureBaseImageOptions, 'onProgress' | 'signal' | 'force'> = {},
): Promise<BaseImageResult | undefined> {
  return findExisting(docker, resolveInputs(options));
}

interface BaseInputs {
  recipeDir: string;
  recipeHash: string;
  baseImage: string;
  extraCaCerts: string;
  key: string;
  /** Undefined: the pinned version. */
  version: string | undefined;
  date: Date;
  tag: string;
}

function resolveInputs(options: Omit<EnsureBaseImageOptions, 'onProgress' | 'signal' | 'force'>): BaseInputs {
  const env = options.env ?? process.env;
  const recipeDir = options.recipeDir ?? defaultRecipeDir();
  const recipeHash = baseRecipeHash(recipeDir);
  const baseImage = resolveBaseFrom(options.baseImage, env);
  const extraCaCerts = options.extraCaCerts !== undefined ? certificatesOnly(options.extraCaCerts) : readExtraCaCerts(env);
  const version = options.claudeCodeVersion || undefined;
  const date = new Date();
  const tag = builtinBaseTag({ recipeHash, baseImage, extraCaCerts, date, ...(version ? { claudeCodeVersion: version } : {}) });
  return { recipeDir, recipeHash, baseImage, extraCaCerts, key: baseKey(recipeHash, baseImage, extraCaCerts), version, date, tag };
}

/** An "Update Claude Code" build of this recipe wins over the pinned image; else the exact tag. */
async function findExisting(docker: Docker, inputs: BaseInputs): Promise<BaseImageResult | undefined> {
  const { version, tag } = inputs;
  if (version === undefined || version === 'latest') {
    const updated = await newestUpdate(docker, inputs.key);
    if (updated) return updated;
  }
  if (version !== 'latest' && (await imageExists(docker, tag))) return { tag, built: false, ...(await versionLabel(docker, tag)) };
  return undefined;
}

interface BuildControl {
  force: boolean;
  onProgress: (progress: BuildProgress) => void;
  signal: AbortSignal | undefined;
}

async function buildBase(docker: Docker, inputs: BaseInputs, control: BuildControl): Promise<BaseImageResult> {
  const { tag, version } = inputs;
  const { onProgress, signal } = control;
  const pinned = pinnedClaudeCodeVersion(inputs.recipeDir);
  const buildArgs: Record<string, string> = { BASE_IMAGE: inputs.baseImage };
  if (version) buildArgs.CLAUDE_CODE_VERSION = version;
  // A "latest" or forced build must really reinstall Claude Code, not reuse the cached layer.
  if (version === 'latest' || control.force) buildArgs.CLAUDE_CODE_REFRESH = inputs.date.toISOString();
  const labels: Record<string, string> = {
    [BASE_IMAGE_LABELS.kind]: BUILTIN_BASE_KIND,
    [BASE_IMAGE_LABELS.recipe]: inputs.recipeHash,
    [BASE_IMAGE_LABELS.key]: inputs.key,
    [BASE_IMAGE_LABELS.from]: inputs.baseImage,
    [BASE_IMAGE_LABELS.channel]: version === undefined ? 'pinned' : version,
    [BASE_IMAGE_LABELS.built]: inputs.date.toISOString(),
  };
  if (version !== 'latest') labels[BASE_IMAGE_LABELS.version] = version ?? pinned;

  onProgress({
    phase: 'building',
    fraction: 0,
    message: `building the built-in base image ${tag} from ${inputs.baseImage} (Claude Code ${version ?? pinned}); the first build takes a few minutes`,
  });
  let printed: string | undefined;
  const watch = (progress: BuildProgress): void => {
    const match = VERSION_LINE.exec(progress.message);
    if (match?.[1]) printed = match[1];
    onProgress(progress);
  };

  const staged = stageRecipe(inputs.recipeDir, inputs.extraCaCerts);
  try {
    await buildImage(
      docker,
      { context: staged.dir, dockerfile: path.join(staged.dir, 'Dockerfile'), tag, buildArgs, labels },
      watch,
      signal,
    );
  } finally {
    staged.dispose();
  }

  if (version === 'latest' && printed) await addLabels(docker, tag, { [BASE_IMAGE_LABELS.version]: printed }, onProgress, signal);
  const reported = version === 'latest' ? printed : (printed ?? labels[BASE_IMAGE_LABELS.version]);
  return { tag, built: true, ...(reported ? { claudeCodeVersion: reported } : {}) };
}

/**
 * The build context: the recipe folder itself, or a temporary copy of it with the host's extra
 * CA certificates added when there are any (the packaged recipe folder is read-only).
 */
function stageRecipe(recipeDir: string, extraCaCerts: string): { dir: string; dispose(): void } {
  if (!extraCaCerts) return { dir: recipeDir, dispose: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-bottle-base-'));
  try {
    fs.cpSync(recipeDir, dir, { recursive: true });
    fs.mkdirSync(path.dirname(path.join(dir, EXTRA_CA_FILE)), { recursive: true });
    fs.writeFileSync(path.join(dir, EXTRA_CA_FILE), extraCaCerts);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new BottleError('build-failed', `could not prepare the base image's build context: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  return { dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Labels can only be set by building: a one-line build FROM the image, under the same tag. */
async function addLabels(
  docker: Docker,
  tag: string,
  labels: Record<string, string>,
  onProgress: (progress: BuildProgress) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  let id: string;
  try {
    id = (await docker.getImage(tag).inspect()).Id;
  } catch (error) {
    throw toBottleError(error, 'build-failed', `labelling image "${tag}"`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-bottle-label-'));
  try {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${id}\n`);
    await buildImage(docker, { context: dir, dockerfile: path.join(dir, 'Dockerfile'), tag, labels }, onProgress, signal);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The newest "Update Claude Code" build of this recipe, if there is one. */
async function newestUpdate(docker: Docker, key: string): Promise<BaseImageResult | undefined> {
  let images: Docker.ImageInfo[];
  try {
    images = await docker.listImages({
      filters: {
        label: [
          `${BASE_IMAGE_LABELS.kind}=${BUILTIN_BASE_KIND}`,
          `${BASE_IMAGE_LABELS.key}=${key}`,
          `${BASE_IMAGE_LABELS.channel}=latest`,
        ],
      },
    });
  } catch (error) {
    throw toBottleError(error, 'image-missing', 'listing the built-in base images');
  }
  const newest = images
    .map((image) => ({ image, tag: (image.RepoTags ?? []).find((ref) => ref.startsWith(`${BASE_IMAGE_DEFAULTS.repository}:`)) }))
    .filter((entry): entry is { image: Docker.ImageInfo; tag: string } => entry.tag !== undefined)
    .sort((a, b) => b.image.Created - a.image.Created)[0];
  if (!newest) return undefined;
  const version = newest.image.Labels?.[BASE_IMAGE_LABELS.version];
  return { tag: newest.tag, built: false, ...(version ? { claudeCodeVersion: version } : {}) };
}

async function versionLabel(docker: Docker, tag: string): Promise<{ claudeCodeVersion?: string }> {
  let labels: Record<string, string>;
  try {
    labels = (await docker.getImage(tag).inspect()).Config?.Labels ?? {};
  } catch (error) {
    throw toBottleError(error, 'image-missing', `inspecting image "${tag}"`);
  }
  const version = labels[BASE_IMAGE_LABELS.version];
  return version ? { claudeCodeVersion: version } : {};
}
