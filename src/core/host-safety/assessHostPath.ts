import fs from 'node:fs';
import path from 'node:path';
import { type DangerKind, ENGINE_SOCKET_NAME, engineSocketNames, identitiesAbove, identityOf, realPathLoose, type SensitivePlace, type SensitiveSet } from './sensitivePlaces';

// Judges one host path against the sensitive set: by real path (links resolved) and by device and
// inode, so a symlink or a bind-mounted alias of a sensitive folder is caught like the folder. A
// folder is also searched a little way down for sockets. See docs/security.md.

export interface DangerReason {
  kind: DangerKind;
  /** The sensitive place (or socket) the path reaches. */
  place: string;
  relation: 'is' | 'inside' | 'holds';
  /** One clause: "/tmp/x is inside /proc, which exposes …", or "the Docker socket gives …" when named as itself. */
  message: string;
  /** Handing the path over may hand over a socket (and so, perhaps, the host). */
  reachesSocket: boolean;
}

export interface HostAssessment {
  /** The path with links resolved. */
  real: string;
  /** Empty when the path is safe to hand over; most direct first. */
  reasons: DangerReason[];
}

/** How far below a folder sockets are looked for, and how many entries at most. */
export const SOCKET_SEARCH = { depth: 2, maxEntries: 20_000, maxFound: 3 } as const;

const RELATION_ORDER = { is: 0, inside: 1, holds: 2 } as const;

export interface AssessOptions {
  /** Look for sockets inside a folder (default true). */
  searchSockets?: boolean;
}

const SOCKET_RISK = 'whatever serves it becomes reachable from the bottle';
const ENGINE_SOCKET_RISK = 'gives full control of the host';

/** `source` is an absolute host path; it need not exist. */
export function assessHostPath(source: string, set: SensitiveSet, options: AssessOptions = {}): HostAssessment {
  const shown = path.resolve(source);
  const real = realPathLoose(shown);
  const stats = fs.statSync(real, { throwIfNoEntry: false });
  const identity = stats ? identityOf(stats) : undefined;
  const above = identitiesAbove(real);
  const reasons: DangerReason[] = [];
  for (const place of set.places) {
    const relation = relationTo(place, real, identity, above);
    if (relation !== undefined) reasons.push(reasonFor(shown, place, relation));
  }
  const known = (socket: string): boolean => set.places.some((place) => place.kind === 'engine-socket' && place.real === socket);
  if (stats?.isSocket() && !known(real)) reasons.push(socketReason(shown, real, 'is'));
  if (stats?.isDirectory() && options.searchSockets !== false && !set.noScan.some((skip) => real === skip || isInside(real, skip))) {
    for (const socket of socketsNear(real)) {
      if (!known(socket)) reasons.push(socketReason(shown, socket, 'holds'));
    }
  }
  reasons.sort((a, b) => RELATION_ORDER[a.relation] - RELATION_ORDER[b.relation]);
  return { real, reasons };
}

function relationTo(place: SensitivePlace, real: string, identity: string | undefined, above: ReadonlySet<string>): DangerReason['relation'] | undefined {
  if (real === place.real || (identity !== undefined && identity === place.identity)) return 'is';
  if (place.refuseInside && (isInside(real, place.real) || (place.identity !== undefined && above.has(place.identity)))) return 'inside';
  if (place.refuseHolder && (isInside(place.real, real) || (identity !== undefined && place.above.has(identity)))) return 'holds';
  return undefined;
}

function reasonFor(shown: string, place: SensitivePlace, relation: DangerReason['relation']): DangerReason {
  // Named by one of its own paths, the place speaks for itself; reached another way, say how.
  const message =
    relation === 'is' && place.aliases.includes(shown)
      ? `${place.short} ${place.risk}`
      : `${shown} ${relation === 'is' ? 'is' : relation === 'inside' ? 'is inside' : 'holds'} ${place.label}, which ${place.risk}`;
  return { kind: place.kind, place: place.path, relation, message, reachesSocket: place.reachesSocket };
}

/** A socket no list knows: one named for an engine is taken for the engine's. */
function socketReason(shown: string, socket: string, relation: 'is' | 'holds'): DangerReason {
  if (ENGINE_SOCKET_NAME.test(path.basename(socket))) {
    const { label, short } = engineSocketNames(socket);
    const message = relation === 'is' && shown === socket ? `${short} ${ENGINE_SOCKET_RISK}` : `${shown} ${relation} ${label}, which ${ENGINE_SOCKET_RISK}`;
    return { kind: 'engine-socket', place: socket, relation, message, reachesSocket: true };
  }
  const message = relation === 'is' && shown === socket ? `${shown} is a socket: ${SOCKET_RISK}` : `${shown} ${relation === 'is' ? 'is' : 'holds'} the socket ${socket}: ${SOCKET_RISK}`;
  return { kind: 'socket', place: socket, relation, message, reachesSocket: true };
}

/** Socket files directly inside `dir` or one folder down (links not followed: they resolve in the bottle). */
function socketsNear(dir: string): string[] {
  const found: string[] = [];
  let budget: number = SOCKET_SEARCH.maxEntries;
  let level = [dir];
  for (let depth = 1; depth <= SOCKET_SEARCH.depth && level.length > 0; depth += 1) {
    const next: string[] = [];
    for (const folder of level) {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(folder, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (--budget < 0 || found.length >= SOCKET_SEARCH.maxFound) return found;
        const full = path.join(folder, entry.name);
        if (entry.isSocket()) found.push(full);
        // Git's own sockets (fsmonitor) serve the repository the bottle already holds.
        else if (entry.isDirectory() && entry.name !== '.git') next.push(full);
      }
    }
    level = next;
  }
  return found;
}

export function isInside(child: string, parent: string): boolean {
  return child !== parent && child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

/**
 * The reasons in one line for a message: those of the most direct relation only (a path that is
 * the socket need not also say it is inside /run; "/" need not list all it holds), at most `shown`.
 */
export function describeReasons(reasons: DangerReason[], shown = 3): string {
  const first = reasons[0];
  if (first === undefined) return '';
  const direct = reasons.filter((reason) => reason.relation === first.relation);
  const text = direct
    .slice(0, shown)
    .map((reason) => reason.message)
    .join('; ');
  return direct.length > shown ? `${text} (and ${direct.length - shown} more)` : text;
}

export function reachesSocket(reasons: DangerReason[]): boolean {
  return reasons.some((reason) => reason.reachesSocket);
}
