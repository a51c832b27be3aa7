import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

// Writing into a folder a bottle can write too (its Claude storage, its control channel): the file
// is made beside the target, created exclusively and without following a link, then renamed over
// it. A link, FIFO or folder the bottle put in its place is replaced, never written through
// (docs/security.md, "Files a bottle can write").

export interface WriteOptions {
  mode?: number;
  /** The file's owner, when the app runs as root and the bottle does not. */
  owner?: { uid: number; gid: number } | undefined;
}

export async function writeFileReplacing(file: string, content: string | Buffer, { mode = 0o600, owner }: WriteOptions = {}): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.claude-bottle`);
  const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    if (owner) await handle.chown(owner.uid, owner.gid);
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  // A folder in the file's place is removed (rm never follows a link inside it); rename replaces the rest.
  if ((await fs.lstat(file).catch(() => undefined))?.isDirectory()) await fs.rm(file, { recursive: true, force: true });
  await fs.rename(temp, file);
}
