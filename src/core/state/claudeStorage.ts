import fs from 'node:fs/promises';
import type { NumericUser } from '../docker/imagePasswd';
import { BottleError } from '../errors';

// Claude's storage lives in the state folder but is written by the bottle's user, whose uid is
// usually not ours. As root, the folder the app created — only it: never a walk of what the bottle
// put inside, where a link could lead anywhere — is handed to the bottle's ids. Otherwise the ids
// must be ours; the folder is never opened to everyone. See docs/security.md.

export interface Host {
  uid: number | undefined;
  platform: NodeJS.Platform;
}

const THIS_HOST: Host = { uid: process.getuid?.(), platform: process.platform };

export async function shareClaudeStorage(dir: string, ids: NumericUser, host: Host = THIS_HOST): Promise<void> {
  if (host.uid === 0) {
    await fs.lchown(dir, ids.uid, ids.gid);
    await fs.chmod(dir, 0o700);
    return;
  }
  if (host.uid === undefined || host.uid === ids.uid || host.platform !== 'linux') return;
  // Docker Desktop (macOS, Windows) maps the ownership of shared folders itself; a Linux engine does not.
  throw new BottleError(
    'unsupported',
    `the bottle runs as uid ${ids.uid}, which cannot write Claude's storage owned by you (uid ${host.uid})`,
    `set "user": "${host.uid}" on the agent (or run the app as the user the bottle runs as); the storage is never made world-writable`,
  );
}
