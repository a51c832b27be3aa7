import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import { join } from 'node:path';
import { isOwnerAlive, type SessionOwner } from '../context';
import { BottleError } from '../errors';
import { readRegularFile } from '../fs/safeFiles';

// Who is attached to a bottle's Claude. Two re-attaches at once (two windows, or a window and
// `claude-bottle attach`) race for one claim file, created exclusively: one wins, the other is told
// who holds it, and may take it over on purpose. A claim whose process died is stale and is
// replaced. See docs/resume-and-reattach.md.

const CLAIM_FILE = 'attached.json';

export interface Claim extends SessionOwner {
  /** Which front door holds it ("the window", "claude-bottle attach"). */
  by: string;
}

export async function claimAttachment(dir: string, claim: Claim, options: { takeOver?: boolean } = {}): Promise<void> {
  const file = join(dir, CLAIM_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await fs.open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      await handle.writeFile(JSON.stringify(claim));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readClaim(file);
    const mine = holder?.pid === claim.pid && holder.hostname === claim.hostname;
    if (holder && isOwnerAlive(holder) && !mine && !options.takeOver) {
      throw new BottleError('usage', `the bottle is attached in ${holder.by} (process ${holder.pid})`, 'use that one, or take it over (claude-bottle attach --take-over, or Take over in the window)');
    }
    // Stale, ours, or taken over on purpose: replaced atomically, so a concurrent claimer still loses.
    const temp = `${file}.${randomBytes(4).toString('hex')}`;
    await fs.writeFile(temp, JSON.stringify(claim), { mode: 0o600, flag: 'wx' });
    await fs.rename(temp, file);
    const now = await readClaim(file);
    if (now?.pid === claim.pid && now.hostname === claim.hostname) return;
  }
  throw new BottleError('usage', 'another process claimed the bottle at the same moment', 'try again');
}

export async function releaseAttachment(dir: string, owner: SessionOwner): Promise<void> {
  const file = join(dir, CLAIM_FILE);
  const holder = await readClaim(file);
  if (holder?.pid === owner.pid && holder.hostname === owner.hostname) await fs.rm(file, { force: true });
}

async function readClaim(file: string): Promise<Claim | undefined> {
  try {
    const parsed = JSON.parse((await readRegularFile(file, { maxBytes: 4096 })).toString('utf8')) as Partial<Claim>;
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string') return undefined;
    return { pid: parsed.pid, hostname: parsed.hostname, ...(typeof parsed.startTime === 'number' ? { startTime: parsed.startTime } : {}), by: typeof parsed.by === 'string' ? parsed.by.slice(0, 100) : 'another process' };
  } catch {
    return undefined;
  }
}
