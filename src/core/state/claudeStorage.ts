import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import type { NumericUser } from '../docker/imagePasswd';
import { BottleError } from '../errors';

// Claude's storage lives in the state folder but is written by the bottle's user, whose uid is
// usually not ours. As root on Linux, the folder the app created — only it: never a walk of what
// the bottle put inside, where a link could lead anywhere — is handed to the bottle's ids. Not as
// root, the ids must be ours. On macOS and Windows, Docker Desktop maps the ownership of shared
// folders itself, so nothing is changed. The folder is never opened to everyone. See
// docs/security.md ("Files a bottle can write").

export interface Host {
  uid: number | undefined;
  platform: NodeJS.Platform;
}

const THIS_HOST: Host = { uid: process.getuid?.(), platform: process.platform };

/**
 * Refuses, before anything starts, a bottle that could not write its Claude storage: a Linux engine
 * without root, and a bottle whose uid is not ours.
 */
export function checkClaudeStorageAccess(ids: NumericUser, host: Host = THIS_HOST): void {
  if (host.platform !== 'linux' || host.uid === undefined || host.uid === 0 || host.uid === ids.uid) return;
  throw new BottleError(
    'unsupported',
    `the bottle runs as uid ${ids.uid}, which could not write Claude's storage: it belongs to you (uid ${host.uid}), and the app does not run as root, so it cannot hand the folder over (it never makes it world-writable); nothing was started`,
    `set "user": "${host.uid}" on the agent, so the bottle runs as you; or use Docker Desktop, which maps the ownership of shared folders; or run the app as root`,
  );
}

/** Makes `dir` — the storage folder the app created — the bottle's own, where that is needed. */
export async function shareClaudeStorage(dir: string, ids: NumericUser, host: Host = THIS_HOST): Promise<void> {
  checkClaudeStorageAccess(ids, host);
  if (host.platform !== 'linux' || host.uid !== 0) return;
  // Opened without following a link, and changed through that descriptor: the folder itself, nothing
  // it holds, and nothing a link in its place would lead to.
  const handle = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ELOOP' && error.code !== 'ENOTDIR') throw error;
    throw new BottleError('state', `${dir} is not the folder the app created for Claude's storage (a link or a file is in its place); nothing was started`, 'discard this bottle');
  });
  try {
    await handle.chown(ids.uid, ids.gid);
    await handle.chmod(0o700);
  } finally {
    await handle.close();
  }
}
