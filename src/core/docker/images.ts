// Images: is one present, whose user does it run as, pull one, build one from a Dockerfile, and
// bake a copy of a project into a derived image (cached by content hash).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { BottleError } from '../errors';
import { packContext, hashContext } from './context';
import { dockerEndpoint } from './client';
import { abortError, raceSignal, startDeadline } from './deadline';
import { engineMessage, isNotFound, statusCodeOf, toBottleError } from './dockerErrors';
import { followBuildStream, followPullStream, type ProgressListener } from './progress';

export const IMAGE_DEFAULTS = {
  /** A big image over a slow link takes minutes; past this something is stuck. */
  pullTimeoutMs: 15 * 60_000,
  /** Builds install toolchains; half an hour is generous but finite. */
  buildTimeoutMs: 30 * 60_000,
} as const;

/** Labels on images this module builds. */
export const IMAGE_LABELS = {
  kind: 'claude-bottle.kind',
  project: 'claude-bottle.project',
  copyHash: 'claude-bottle.copy-hash',
} as const;

/**
 * Part of every copy-project hash: bump it when the generated Dockerfile or the archive layout
 * changes, so images baked the old way are not reused.
 */
export const COPY_RECIPE_VERSION = 1;

/** The generated Dockerfile's name at the archive root; the project itself sits under `project/`. */
const COPY_DOCKERFILE = 'Dockerfile.claude-bottle-copy';
const COPY_PROJECT_DIR = 'project';

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw toBottleError(error, 'image-missing', `inspecting image "${ref}"`, dockerEndpoint(docker));
  }
}

/** The image's configured user (`Config.User`), or '' when it runs as root by default. */
export async function inspectImageUser(docker: Docker, ref: string): Promise<string> {
  try {
    const info = await docker.getImage(ref).inspect();
    return info.Config?.User ?? '';
  } catch (error) {
    if (isNotFound(error)) throw missing(ref, 'it is not present locally');
    throw toBottleError(error, 'image-missing', `inspecting image "${ref}"`, dockerEndpoint(docker));
  }
}

/** The image's id (`sha256:…`). */
export async function imageId(docker: Docker, ref: string): Promise<string> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (error) {
    if (isNotFound(error)) throw missing(ref, 'it is not present locally');
    throw toBottleError(error, 'image-missing', `inspecting image "${ref}"`, dockerEndpoint(docker));
  }
}

function missing(ref: string, reason: string, cause?: unknown): BottleError {
  return new BottleError(
    'image-missing',
    `image "${ref}" ${reason}`,
    'Check the image name, your network and registry login (`docker login`), or build the image locally.',
    { cause },
  );
}

export interface EnsureImageOptions {
  timeoutMs?: number;
}

/**
 * Makes sure `ref` is present: nothing to do when it is; else pulls it, with `pulling` progress.
 * A failed pull is `image-missing` naming the image and the registry's reason.
 */
export async function ensureImage(
  docker: Docker,
  ref: string,
  onProgress?: ProgressListener,
  signal?: AbortSignal,
  options: EnsureImageOptions = {},
): Promise<{ pulled: boolean }> {
  if (signal?.aborted) throw abortError(signal, `pulling "${ref}"`);
  if (await imageExists(docker, ref)) return { pulled: false };

  const what = `pulling image "${ref}"`;
  const deadline = startDeadline(signal, options.timeoutMs ?? IMAGE_DEFAULTS.pullTimeoutMs, what, 'image-missing');
  const notPulled = (reason: string, cause?: unknown): BottleError =>
    missing(ref, `is not present locally and could not be pulled: ${reason}`, cause);
  try {
    onProgress?.({ phase: 'pulling', fraction: 0, message: `pulling ${ref}` });
    let stream: NodeJS.ReadableStream;
    try {
      stream = await raceSignal(docker.pull(ref, { abortSignal: deadline.signal }), deadline.signal, what);
    } catch (error) {
      throw error instanceof BottleError ? error : toPullError(docker, error, ref, notPulled);
    }
    try {
      await followPullStream(stream, onProgress, deadline.signal, what);
    } catch (error) {
      throw error instanceof BottleError ? error : notPulled(engineMessage(error), error);
    }
    if (!(await imageExists(docker, ref))) throw notPulled('the pull finished but the image is not there');
    return { pulled: true };
  } catch (error) {
    if (error instanceof BottleError && error.kind === 'image-missing' && deadline.timedOut) {
      throw notPulled(error.message, error);
    }
    throw error;
  } finally {
    deadline.dispose();
  }
}

function toPullError(
  docker: Docker,
  error: unknown,
  ref: string,
  notPulled: (reason: string, cause?: unknown) => BottleError): BottleError {
  const converted = toBottleError(error, 'image-missing', `pulling image "${ref}"`, dockerEndpoint(docker));
  if (converted.kind !== 'image-missing') return converted;
  return notPulled(engineMessage(error), error);
}

export interface BuildSpec {
  /** The build context folder (absolute). */
  context: string;
  /** The Dockerfile, absolute, inside `context`. */
  dockerfile: string;
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Builds `spec.dockerfile` with the classic builder and tags it `spec.tag`; resolves with the
 * image id. The context honours its `.dockerignore` (the Dockerfile is sent even if ignored).
 */
export async function buildImage(
  docker: Docker,
  spec: BuildSpec,
  onProgress?: ProgressListener,
  signal?: AbortSignal,
): Promise<string> {
  const context = path.resolve(spec.context);
  const dockerfile = path.resolve(context, spec.dockerfile);
  const relative = path.relative(context, dockerfile);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new BottleError('build-failed', `the Dockerfile ${dockerfile} is not inside the build context ${context}`);
  }
  if (!existsSync(dockerfile)) throw new BottleError('build-failed', `the Dockerfile ${dockerfile} does not exist`);
  const dockerfileInContext = relative.split(path.sep).join('/');

  const what = `building image "${spec.tag}"`;
  const deadline = startDeadline(signal, spec.timeoutMs ?? IMAGE_DEFAULTS.buildTimeoutMs, what, 'build-failed');
  try {
    const { tar } = packContext(context, { alwaysInclude: [dockerfileInContext, '.dockerignore'] });
    return await runBuild(
      docker,
      tar,
      {
        t: spec.tag,
        dockerfile: dockerfileInContext,
        ...(spec.buildArgs ? { buildargs: spec.buildArgs } : {}),
        ...(spec.labels ? { labels: spec.labels } : {}),
      },
      onProgress,
      deadline.signal,
      what,
    );
  } finally {
    deadline.dispose();
  }
}

async function runBuild(
  docker: Docker,
  tar: Readable,
  options: Docker.ImageBuildOptions,
  onProgress: ProgressListener | undefined,
  signal: AbortSignal,
  what: string,
): Promise<string> {
  onProgress?.({ phase: 'building', fraction: 0, message: 'sending the build context to Docker' });
  try {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await raceSignal(
        docker.buildImage(tar, { ...options, rm: true, forcerm: true, version: '1', abortSignal: signal }),
        signal,
        what,
      );
    } catch (error) {
      throw toBottleError(error, 'build-failed', what, dockerEndpoint(docker));
    }
    return await followBuildStream(docker, stream, onProgress, signal);
  } catch (error) {
    tar.destroy();
    throw error;
  }
}

export interface CopyProjectSpec {
  /** The project folder to copy (absolute). Its `.dockerignore` applies. */
  projectRoot: string;
  baseImage: string;
  /** Where the copy appears in the image (absolute, not `/`). */
  workdir: string;
  /** `uid:gid` (or names the base image knows) that will own the copy. */
  user: string;
  /** Extra labels, e.g. `claude-bottle.agent`; older copies with the same labels are removed. */
  labels?: Record<string, string>;
  /** Repository part of the tag, e.g. `claude-bottle-copy/reviewer`. */
  tagRepo: string;
  timeoutMs?: number;
}

export interface CopyProjectResult {
  tag: string;
  /** True when an image for this exact content already existed and nothing was built. */
  reused: boolean;
  hash: string;
}

const USER_SPEC = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
const TAG_REPO = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * A derived image holding a copy of the project, owned by `user`, at `workdir`. Its tag is
 * derived from a hash of the project's files, the base image id, workdir, user and the recipe,
 * so an unchanged project reuses the image instead of rebuilding. After a build, older copies
 * of the same project (and labels) are removed so they do not pile up.
 */
export async function buildCopyProjectImage(
  docker: Docker,
  spec: CopyProjectSpec,
  onProgress?: ProgressListener,
  signal?: AbortSignal,
): Promise<CopyProjectResult> {
  const projectRoot = path.resolve(spec.projectRoot);
  const workdir = path.posix.normalize(spec.workdir);
  if (!path.posix.isAbsolute(workdir) || workdir === '/' || /[\0\n\r]/.test(workdir)) {
    throw new BottleError('usage', `the copy's workdir must be an absolute container path other than /, not "${spec.workdir}"`);
  }
  if (!USER_SPEC.test(spec.user)) throw new BottleError('usage', `"${spec.user}" is not a valid user for COPY --chown`);
  if (!TAG_REPO.test(spec.tagRepo)) throw new BottleError('usage', `"${spec.tagRepo}" is not a valid image repository name`);

  const what = `copying the project into an image`;
  const deadline = startDeadline(signal, spec.timeoutMs ?? IMAGE_DEFAULTS.buildTimeoutMs, what, 'build-failed');
  try {
    await ensureImage(docker, spec.baseImage, onProgress, deadline.signal);
    const baseId = await imageId(docker, spec.baseImage);

    onProgress?.({ phase: 'hashing', message: `hashing the files of ${projectRoot}` });
    let contextHash: string;
    try {
      contextHash = await hashContext(projectRoot, { signal: deadline.signal });
    } catch (error) {
      if (deadline.signal.aborted) throw abortError(deadline.signal, what);
      throw new BottleError('build-failed', `${what}: could not read ${projectRoot}: ${engineMessage(error)}`, undefined, {
        cause: error,
      });
    }
    const hash = createHash('sha256')
      .update(JSON.stringify({ recipe: COPY_RECIPE_VERSION, base: baseId, workdir, user: spec.user, files: contextHash }))
      .digest('hex');
    const tag = `${spec.tagRepo}:${hash.slice(0, 20)}`;

    if (await imageExists(docker, tag)) {
      onProgress?.({ phase: 'exporting', fraction: 1, message: `reusing ${tag}: the project has not changed` });
      return { tag, reused: true, hash };
    }

    // The project goes under project/<last part of workdir> and is copied onto the workdir's
    // parent: that way the workdir itself (not only its contents) is chowned, even when the base
    // image already has it, and no file of the project can collide with the Dockerfile.
    const parent = path.posix.dirname(workdir);
    const dockerfileText =
      `FROM ${baseId}\n` +
      `COPY --chown=${spec.user} ${JSON.stringify([`${COPY_PROJECT_DIR}/`, parent === '/' ? '/' : `${parent}/`])}\n`;
    const labels = {
      ...spec.labels,
      [IMAGE_LABELS.kind]: 'copy-project',
      [IMAGE_LABELS.project]: projectRoot,
      [IMAGE_LABELS.copyHash]: hash,
    };
    const { tar } = packContext(projectRoot, {
      prefix: `${COPY_PROJECT_DIR}/${path.posix.basename(workdir)}`,
      extraFiles: { [COPY_DOCKERFILE]: dockerfileText },
    });
    const id = await runBuild(docker, tar, { t: tag, dockerfile: COPY_DOCKERFILE, labels }, onProgress, deadline.signal, what);
    await removeOlderCopies(docker, labels, id);
    return { tag, reused: false, hash };
  } finally {
    deadline.dispose();
  }
}

/**
 * Removes copy-project images with the same project and labels as `keepId` that are older than
 * it. An image still used by a container is left alone (the engine refuses); failures are not
 * fatal: the new image is built either way.
 */
async function removeOlderCopies(docker: Docker, labels: Record<string, string>, keepId: string): Promise<void> {
  const filter = Object.entries(labels)
    .filter(([key]) => key !== IMAGE_LABELS.copyHash)
    .map(([key, value]) => `${key}=${value}`);
  try {
    const images = await docker.listImages({ filters: { label: filter } });
    const kept = images.find((image) => image.Id === keepId);
    for (const image of images) {
      if (image.Id === keepId || (kept && image.Created > kept.Created)) continue;
      const refs = (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
      for (const ref of refs.length > 0 ? refs : [image.Id]) {
        try {
          await docker.getImage(ref).remove();
        } catch (error) {
          if (!isNotFound(error) && statusCodeOf(error) !== 409) throw error;
        }
      }
    }
  } catch {
    // Best effort: a leftover copy is reclaimed by the next build of this project.
  }
}
