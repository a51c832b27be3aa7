import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { findRecipeDir, recipeFiles, resolveBaseFrom } from '../builtin/baseImage';
import { buildImage, IMAGE_LABELS, imageExists } from '../docker/images';
import type { BuildProgress } from '../docker/progress';
import { BottleError } from '../errors';

// The egress sidecar's image: Debian's Node and the app's own proxy bundle, built on first use
// FROM the same Debian as `builtin:base` (so it builds where no registry is reachable) and tagged
// by a hash of the recipe, the bundle and the FROM image. A setting can name another image.
// See docs/network.md.

export const EGRESS_IMAGE = {
  repository: 'claude-bottle/egress',
  kind: 'egress-proxy',
  bundleName: 'egress-proxy.cjs',
  /** Names a ready-made sidecar image instead of building one. */
  env: 'CLAUDE_BOTTLE_EGRESS_IMAGE',
} as const;

/**
 * The proxy bundle: `<resourcesPath>/proxy/` in a packaged app, else `out/proxy/` of the nearest
 * checkout above this module (`npm run build` makes it).
 */
export function findProxyBundle(): string {
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  const candidates: string[] = [];
  if (resourcesPath) candidates.push(path.join(resourcesPath, 'proxy', EGRESS_IMAGE.bundleName));
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth += 1) {
    candidates.push(path.join(dir, 'proxy', EGRESS_IMAGE.bundleName), path.join(dir, 'out', 'proxy', EGRESS_IMAGE.bundleName));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const found = candidates.find((candidate) => fs.statSync(candidate, { throwIfNoEntry: false })?.isFile() ?? false);
  if (found) return found;
  throw new BottleError('internal', 'the egress proxy (proxy/egress-proxy.cjs) is missing from this installation', 'In a checkout, run `npm run build`; otherwise reinstall Claude Bottle.');
}

export interface EgressImageOptions {
  baseImage?: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (progress: BuildProgress) => void;
  signal?: AbortSignal;
}

/** The sidecar image to run, built now if it is missing. */
export async function ensureEgressImage(docker: Docker, options: EgressImageOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const named = env[EGRESS_IMAGE.env];
  if (named) {
    if (!(await imageExists(docker, named))) throw new BottleError('image-missing', `${EGRESS_IMAGE.env} names ${named}, which is not present locally`, `build or pull it, or unset ${EGRESS_IMAGE.env}`);
    return named;
  }
  const recipeDir = findRecipeDir('egress', 'the egress sidecar image');
  const bundle = findProxyBundle();
  const from = resolveBaseFrom(options.baseImage, env);
  const tag = egressImageTag(recipeDir, bundle, from);
  if (await imageExists(docker, tag)) return tag;
  options.onProgress?.({ phase: 'building', fraction: 0, message: `building the egress proxy image ${tag} from ${from} (once)` });
  const staged = fs.mkdtempSync(path.join(os.tmpdir(), 'claude-bottle-egress-'));
  try {
    fs.cpSync(recipeDir, staged, { recursive: true });
    fs.copyFileSync(bundle, path.join(staged, EGRESS_IMAGE.bundleName));
    await buildImage(
      docker,
      { context: staged, dockerfile: path.join(staged, 'Dockerfile'), tag, buildArgs: { BASE_IMAGE: from }, labels: { [IMAGE_LABELS.kind]: EGRESS_IMAGE.kind } },
      options.onProgress ?? (() => undefined),
      options.signal,
    );
  } finally {
    fs.rmSync(staged, { recursive: true, force: true });
  }
  return tag;
}

/**
 * The sidecar's image if it is there already, without building it (undefined otherwise): for work
 * done ahead of a launch, which must not start a build nobody sees.
 */
export async function existingEgressImage(docker: Docker, options: Pick<EgressImageOptions, 'baseImage' | 'env'> = {}): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const tag = env[EGRESS_IMAGE.env] || egressImageTag(findRecipeDir('egress', 'the egress sidecar image'), findProxyBundle(), resolveBaseFrom(options.baseImage, env));
  return (await imageExists(docker, tag)) ? tag : undefined;
}

function egressImageTag(recipeDir: string, bundle: string, from: string): string {
  return `${EGRESS_IMAGE.repository}:${egressInputsHash(recipeDir, bundle, from)}`;
}

function egressInputsHash(recipeDir: string, bundle: string, from: string): string {
  const hash = createHash('sha256').update(`claude-bottle-egress-v1\0${from}\0`);
  for (const rel of recipeFiles(recipeDir)) hash.update(`${rel}\0`).update(fs.readFileSync(path.join(recipeDir, rel))).update('\0');
  hash.update(fs.readFileSync(bundle));
  return hash.digest('hex').slice(0, 16);
}
