import type Docker from 'dockerode';
import tar from 'tar-stream';
import { ImageFactsCache, type ImageFileFacts } from './imageFactsCache';

// What the app reads of an image's files — its /etc/passwd and /etc/group, whether it has bash —
// without running anything (a created, never started container, and `getArchive`). Bounded: those
// files are the image's, which a manifest chose. How a user is resolved from them is imageUser.ts.

const MAX_ACCOUNT_FILE_BYTES = 1024 * 1024;

export type { NumericUser } from './imageUser';

interface ImageFacts {
  /** The image's id (`sha256:…`), which these facts are of. */
  id: string;
  /** The image's configured user (`Config.User`); '' when it sets none. */
  user: string;
  passwd: string;
  group: string;
  hasClaudeShell: boolean;
}

/**
 * What the app needs to know of an image's files (its accounts, whether it has bash), read once
 * per image id from a created, never started container, and kept for the life of the process —
 * and on disk when the client was given a cache (`keepImageFactsUnder`): a launch must not pay a
 * throwaway container each time, nor each CLI process.
 */
const factsByImageId = new Map<string, Promise<ImageFacts>>();
const diskCacheOf = new WeakMap<Docker, ImageFactsCache>();

/** Keep what is read of images through this client in `dir` too (the state root's cache). */
export function keepImageFactsUnder(docker: Docker, dir: string): void {
  diskCacheOf.set(docker, new ImageFactsCache(dir));
}

async function imageFacts(docker: Docker, image: string): Promise<ImageFacts> {
  const info = await docker.getImage(image).inspect();
  const id = info.Id;
  let facts = factsByImageId.get(id);
  if (!facts) {
    facts = cachedImageFacts(docker, id).then((files) => ({ id, user: info.Config?.User ?? '', ...files }));
    factsByImageId.set(id, facts);
    facts.catch(() => factsByImageId.delete(id));
  }
  return facts;
}

async function cachedImageFacts(docker: Docker, id: string): Promise<ImageFileFacts> {
  const disk = diskCacheOf.get(docker);
  const kept = await disk?.read(id);
  if (kept) return kept;
  const facts = await readImageFacts(docker, id);
  await disk?.write(id, facts);
  return facts;
}

async function readImageFacts(docker: Docker, image: string): Promise<ImageFileFacts> {
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

/** The image's id, configured user and account files (each '' when absent or over the cap). */
export async function imageAccounts(docker: Docker, image: string): Promise<{ id: string; user: string; passwd: string; group: string }> {
  const { id, user, passwd, group } = await imageFacts(docker, image);
  return { id, user, passwd, group };
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
