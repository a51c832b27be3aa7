import type Docker from 'dockerode';
import tar from 'tar-stream';
import { BottleError } from '../errors';

// Numeric ids for a user an image names (`agent`, `agent:staff`): read from the image's own
// /etc/passwd and /etc/group, without running anything (a created, never started container, and
// `getArchive`). Bounded: those files are the image's, which a manifest chose.

const MAX_ACCOUNT_FILE_BYTES = 1024 * 1024;

export interface NumericUser {
  uid: number;
  gid: number;
}

/** `uid[:gid]` as numbers, or the named user and group looked up in the image. */
export async function numericUser(docker: Docker, image: string, user: string): Promise<NumericUser> {
  const [name = '', group] = user.split(':');
  const isNumber = (text: string): boolean => /^\d+$/.test(text);
  if (isNumber(name) && (group === undefined || isNumber(group))) {
    const uid = Number(name);
    return { uid, gid: group === undefined ? uid : Number(group) };
  }
  const files = await readAccountFiles(docker, image);
  const entry = isNumber(name) ? undefined : findRow(files.passwd, name);
  if (!isNumber(name) && !entry) throw new BottleError('container-failed', `user "${name}" does not exist in image ${image}`, 'set "user" to a user the image has, or to a numeric uid');
  const uid = isNumber(name) ? Number(name) : Number(entry?.[2]);
  let gid = isNumber(name) ? uid : Number(entry?.[3]);
  if (group !== undefined) {
    if (isNumber(group)) gid = Number(group);
    else {
      const row = findRow(files.group, group);
      if (!row) throw new BottleError('container-failed', `group "${group}" does not exist in image ${image}`);
      gid = Number(row[2]);
    }
  }
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new BottleError('container-failed', `image ${image} has a malformed account entry for "${user}"`);
  return { uid, gid };
}

function findRow(text: string, name: string): string[] | undefined {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 4) return fields;
  }
  return undefined;
}

interface ImageFacts {
  passwd: string;
  group: string;
  hasClaudeShell: boolean;
}

/**
 * What the app needs to know of an image's files (its accounts, whether it has bash), read once
 * per image id from a created, never started container, and kept for the life of the process:
 * a launch must not pay a throwaway container each time.
 */
const factsByImageId = new Map<string, Promise<ImageFacts>>();

async function imageFacts(docker: Docker, image: string): Promise<ImageFacts> {
  const id = (await docker.getImage(image).inspect()).Id;
  let facts = factsByImageId.get(id);
  if (!facts) {
    facts = readImageFacts(docker, image);
    factsByImageId.set(id, facts);
    facts.catch(() => factsByImageId.delete(id));
  }
  return facts;
}

async function readImageFacts(docker: Docker, image: string): Promise<ImageFacts> {
  const container = await docker.createContainer({ Image: image, Entrypoint: ['/claude-bottle-never-runs'], Cmd: [], NetworkDisabled: true, HostConfig: { NetworkMode: 'none' } });
  try {
    const [passwd, group, shells] = await Promise.all([
      readFile(container, '/etc/passwd'),
      readFile(container, '/etc/group'),
      Promise.all(
        CLAUDE_SHELLS.map((shell) =>
          container.infoArchive({ path: shell }).then(
            () => true,
            () => false,
          ),
        ),
      ),
    ]);
    return { passwd, group, hasClaudeShell: shells.some(Boolean) };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

async function readAccountFiles(docker: Docker, image: string): Promise<{ passwd: string; group: string }> {
  return imageFacts(docker, image);
}

/** One file from a container's filesystem, or '' when it is not there. */
async function readFile(container: Docker.Container, path: string): Promise<string> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = (await container.getArchive({ path })) as NodeJS.ReadableStream;
  } catch {
    return '';
  }
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let text = '';
    extract.on('entry', (header, stream, next) => {
      if (header.type !== 'file' || (header.size ?? 0) > MAX_ACCOUNT_FILE_BYTES) {
        stream.resume();
        stream.on('end', next);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        text = Buffer.concat(chunks).toString('utf8');
        next();
      });
    });
    extract.on('finish', () => resolve(text));
    extract.on('error', reject);
    archive.pipe(extract);
  });
}

/** Ids above this are not valid uids or gids for a container. */
const MAX_ID = 2_147_483_647;

/** The ids every bottle falls back to when the image would run it as root. */
export const DEFAULT_BOTTLE_USER: NumericUser = { uid: 1000, gid: 1000 };

export interface UserChoice {
  agent: string;
  /** As the manifest wrote it; undefined means the image's user. */
  user?: string;
  dangerous: boolean;
}

/**
 * The numeric ids a bottle runs as, resolved against the image so that no spelling of root gets
 * through (`00`, `0:1000`, `root:1000`, an alias with uid 0 in the image's passwd, an image whose
 * USER is any of these). An agent that names a user resolving to uid or gid 0 is refused unless it
 * is `"dangerous": true`; an image whose own user is root (or resolves to 0) gets uid 1000.
 */
export async function resolveBottleUser(docker: Docker, image: string, choice: UserChoice, imageUser: string): Promise<NumericUser> {
  if (choice.user === undefined) {
    if (imageUser.trim() === '') return DEFAULT_BOTTLE_USER;
    const ids = await numericUser(docker, image, imageUser).catch(() => DEFAULT_BOTTLE_USER);
    return ids.uid === 0 || ids.gid === 0 ? DEFAULT_BOTTLE_USER : checkRange(ids, imageUser);
  }
  const ids = checkRange(await numericUser(docker, image, choice.user), choice.user);
  if ((ids.uid === 0 || ids.gid === 0) && !choice.dangerous) {
    throw new BottleError(
      'unsupported',
      `agent "${choice.agent}" asks to run as "user": ${JSON.stringify(choice.user)}, which is uid ${ids.uid}, gid ${ids.gid} in image ${image}: root`,
      'bottles run as a non-root user and group; remove "user" or name a non-root one, or set "dangerous": true',
    );
  }
  return ids;
}

function checkRange(ids: NumericUser, written: string): NumericUser {
  if (ids.uid > MAX_ID || ids.gid > MAX_ID) throw new BottleError('unsupported', `"user": ${JSON.stringify(written)} is out of range: uids and gids go up to ${MAX_ID}`);
  return ids;
}

/** Where Claude Code's Bash tool looks for a shell it can use. */
const CLAUDE_SHELLS = ['/bin/bash', '/usr/bin/bash', '/bin/zsh', '/usr/bin/zsh', '/usr/local/bin/bash'];

/**
 * Whether the image holds bash or zsh: Claude Code's Bash tool fails every command with only a
 * POSIX sh ("No suitable shell found"). Looked up without running anything.
 */
export async function imageHasClaudeShell(docker: Docker, image: string): Promise<boolean> {
  return (await imageFacts(docker, image)).hasClaudeShell;
}

export const NO_SHELL_WARNING = "Claude's Bash tool needs bash or zsh, and this image has neither: every command Claude runs will fail";
