import type Docker from 'dockerode';
import { BottleError } from '../errors';
import { imageAccounts } from './imagePasswd';

// The numeric uid and gid a bottle runs as, resolved against its image before the container is
// created, so that no spelling of root gets through: `00`, `0:1000`, `root:1000`, `1000:0`, an
// alias with uid 0 in the image's own passwd (a `toor` line), an image whose USER is any of these.
// The container and Claude get exactly these numbers. See docs/security.md.

export interface NumericUser {
  uid: number;
  gid: number;
}

/** The largest uid or gid a bottle can run as (the manifest's schema refuses more, too). */
export const MAX_USER_ID = 2_147_483_647;

/** The ids every bottle falls back to when the image would run it as root. */
export const DEFAULT_BOTTLE_USER: NumericUser = { uid: 1000, gid: 1000 };

export interface ResolvedUser extends NumericUser {
  /** `manifest`: the agent's "user"; `image`: the image's USER; `fallback`: 1000:1000 instead of root. */
  from: 'manifest' | 'image' | 'fallback';
  /** The user as written (the manifest's "user" or the image's USER); '' when the image sets none. */
  written: string;
}

export interface UserChoice {
  agent: string;
  /** As the manifest wrote it; undefined means the image's user. */
  user?: string;
  dangerous: boolean;
}

/** Lines read of /etc/passwd or /etc/group: more is not an account file. */
const MAX_ACCOUNT_LINES = 100_000;

/**
 * The ids of `user` (`name`, `uid`, `name:group`, `uid:gid`) in an image whose account files are
 * `passwd` and `group`. A numeric uid need not be in passwd; without a group, the gid is the
 * passwd entry's, or the uid. Throws a BottleError naming what is wrong.
 */
export function userIds(user: string, accounts: { passwd: string; group: string }, where: string): NumericUser {
  const parts = user.split(':');
  const [name = '', group] = parts;
  if (parts.length > 2 || name === '' || group === '') throw new BottleError('unsupported', `${where}: "${user}" is not a user name or uid[:gid]`);
  const passwd = accountRows(accounts.passwd);
  const uid = isNumber(name) ? checkedId(name, user, where) : idOf(passwd, name, 2);
  if (uid === undefined) throw new BottleError('not-found', `${where}: user "${name}" is not in the image's /etc/passwd (or has no valid uid there)`, 'name a user the image has, or a numeric uid[:gid]');
  let gid: number | undefined;
  if (group === undefined) {
    const entry = passwd.find((row) => (isNumber(name) ? parseId(row[2]) === uid : row[0] === name));
    gid = entry ? parseId(entry[3]) : uid;
  } else {
    gid = isNumber(group) ? checkedId(group, user, where) : idOf(accountRows(accounts.group), group, 2);
    if (gid === undefined) throw new BottleError('not-found', `${where}: group "${group}" is not in the image's /etc/group (or has no valid gid there)`, 'name a group the image has, or a numeric gid');
  }
  if (gid === undefined) throw new BottleError('unsupported', `${where}: the image's passwd entry for "${name}" has no valid group id`);
  return { uid, gid };
}

/**
 * The ids a bottle of this image runs as. An agent whose "user" resolves to uid or gid 0 is
 * refused unless it is `"dangerous": true`; an image whose own USER is empty or resolves to 0 (or
 * to nothing) gets 1000:1000.
 */
export async function resolveBottleUser(docker: Docker, image: string, choice: UserChoice): Promise<ResolvedUser> {
  const accounts = await imageAccounts(docker, image);
  if (choice.user === undefined) {
    const written = accounts.user.trim();
    if (written === '') return { ...DEFAULT_BOTTLE_USER, from: 'fallback', written };
    let ids: NumericUser;
    try {
      ids = userIds(written, accounts, `the USER of image ${image}`);
    } catch {
      return { ...DEFAULT_BOTTLE_USER, from: 'fallback', written };
    }
    return ids.uid === 0 || ids.gid === 0 ? { ...DEFAULT_BOTTLE_USER, from: 'fallback', written } : { ...ids, from: 'image', written };
  }
  const ids = userIds(choice.user, accounts, `agent "${choice.agent}" "user": ${JSON.stringify(choice.user)} in image ${image}`);
  if ((ids.uid === 0 || ids.gid === 0) && !choice.dangerous) {
    throw new BottleError(
      'unsupported',
      `agent "${choice.agent}" asks to run as "user": ${JSON.stringify(choice.user)}, which is uid ${ids.uid}, gid ${ids.gid} in image ${image}: root`,
      'bottles run as a non-root user and group; remove "user" or name a non-root one, or set "dangerous": true',
    );
  }
  return { ...ids, from: 'manifest', written: choice.user };
}

function isNumber(text: string): boolean {
  return /^\d+$/.test(text);
}

function checkedId(text: string, user: string, where: string): number {
  const id = Number(text);
  if (id > MAX_USER_ID) throw new BottleError('unsupported', `${where}: ${text} in "${user}" is out of range (uids and gids go up to ${MAX_USER_ID})`);
  return id;
}

/** A numeric field of an account file, or undefined when it is not a valid id. */
function parseId(field: string | undefined): number | undefined {
  if (field === undefined || !isNumber(field)) return undefined;
  const id = Number(field);
  return id <= MAX_USER_ID ? id : undefined;
}

function idOf(rows: string[][], name: string, field: number): number | undefined {
  const row = rows.find((candidate) => candidate[0] === name);
  return row ? parseId(row[field]) : undefined;
}

/** `name:x:id:…` rows of an account file, skipping comments and short lines. */
function accountRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\n', MAX_ACCOUNT_LINES)) {
    if (line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length >= 3 && fields[0] !== '') rows.push(fields);
  }
  return rows;
}
