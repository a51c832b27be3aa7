import fs from 'node:fs';
import path from 'node:path';
import { defaultStateRoot } from '../state/stateRoot';

// The one place that decides what a host path reaches: mount sources, the project root and build
// contexts are all judged here. Paths are compared by their real path (links resolved) and by
// device and inode, so an alias or a bind-mounted twin of a sensitive folder is caught too. See
// docs/security.md for the list and why each is refused unless the agent says "dangerous": true.

/** Where the Docker daemon's socket usually lives (the Linux default and its /run twin). */
export const DOCKER_SOCKET_PATHS = ['/var/run/docker.sock', '/run/docker.sock'] as const;

export const DANGER_REASONS = {
  dockerSocket: 'the Docker socket gives full control of the host',
  root: 'the root folder "/" exposes the whole host file system',
  home: 'the home folder exposes all your files, keys and credentials',
} as const;

/** `~` and `~/…` expand to `home`; anything else not absolute is relative to `root`. */
export function resolveHostPath(source: string, root: string, home: string): string {
  if (source === '~') return path.resolve(home);
  if (source.startsWith('~/')) return path.resolve(home, source.slice(2));
  return path.resolve(root, source);
}

/** Places whose contents hand over the host, or another bottle, with why. */
function sensitivePlaces(home: string, stateRoot: string): Array<{ path: string; why: string }> {
  return [
    { path: '/proc', why: "the kernel's view of every process: other bottles' environments, their keys included" },
    { path: '/sys', why: "the kernel's and the devices' controls" },
    { path: '/dev', why: "the host's devices" },
    { path: '/run', why: "the host services' runtime state and sockets" },
    { path: '/var/run', why: "the host services' runtime state and sockets" },
    { path: '/var/lib/docker', why: "Docker's data: every container's files and secrets" },
    { path: stateRoot, why: "Claude Bottle's state: other bottles' conversations and the app's stored secrets" },
    ...['.ssh', '.aws', path.join('.config', 'gcloud'), '.docker', '.kube', '.gnupg'].map((folder) => ({ path: path.join(home, folder), why: 'your credentials' })),
  ];
}

/**
 * Why handing `source` to a bottle (a mount, the project, a build context) would hand it the host,
 * or undefined when it would not. `stateRoot` defaults to the app's own.
 */
export function dangerReason(source: string, home: string, stateRoot: string = defaultStateRoot()): string | undefined {
  const real = realpathOr(source);
  const first = socketRootOrHome(source, real, home);
  if (first !== undefined) return first;
  const identity = identityOf(real);
  for (const place of sensitivePlaces(home, stateRoot)) {
    const placeReal = realpathOr(path.resolve(place.path));
    const placeIdentity = identityOf(placeReal);
    if (placeIdentity === undefined) continue;
    if (real === placeReal || (identity !== undefined && identity === placeIdentity)) return `${real} is ${place.path}: ${place.why}`;
    if (isInside(real, placeReal)) return `${real} is inside ${place.path}: ${place.why}`;
    if (isInside(placeReal, real) || (identity !== undefined && ancestorIdentities(placeReal).includes(identity))) return `${real} contains ${place.path}: ${place.why}`;
  }
  if (fs.statSync(real, { throwIfNoEntry: false })?.isSocket()) return `${real} is a socket: whatever serves it becomes reachable from the bottle`;
  return undefined;
}

/** `dev:ino` of a path, or undefined when it does not exist. */
function identityOf(file: string): string | undefined {
  const stats = fs.statSync(file, { throwIfNoEntry: false });
  return stats ? `${stats.dev}:${stats.ino}` : undefined;
}

/** The identities of a path's folders above it: a folder that is one of them holds the path. */
function ancestorIdentities(file: string): string[] {
  const identities: string[] = [];
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const identity = identityOf(dir);
    if (identity) identities.push(identity);
    if (path.dirname(dir) === dir) break;
  }
  return identities;
}

function socketRootOrHome(source: string, real: string, home: string): string | undefined {
  if (isDockerSocket(source, real)) return DANGER_REASONS.dockerSocket;
  if (real === path.parse(real).root) return DANGER_REASONS.root;
  const realHome = realpathOr(path.resolve(home));
  if (real === realHome) return DANGER_REASONS.home;
  // A folder above the home folder or the socket hands them over just the same.
  if (isInside(realHome, real)) return `${real} contains the home folder (${realHome}): ${DANGER_REASONS.home}`;
  for (const socket of knownSockets(home)) {
    const realSocket = fs.existsSync(socket) ? realpathOr(socket) : undefined;
    if (realSocket !== undefined && isInside(realSocket, real)) {
      return `${real} contains the Docker socket (${socket}): ${DANGER_REASONS.dockerSocket}`;
    }
  }
  return undefined;
}

function isDockerSocket(source: string, real: string): boolean {
  const named: readonly string[] = DOCKER_SOCKET_PATHS;
  if (named.includes(source) || named.includes(real)) return true;
  return path.basename(real) === 'docker.sock' && (fs.statSync(real, { throwIfNoEntry: false })?.isSocket() ?? false);
}

/** The system sockets plus Docker Desktop's per-user one. */
function knownSockets(home: string): string[] {
  return [...DOCKER_SOCKET_PATHS, path.join(home, '.docker', 'run', 'docker.sock')];
}

function isInside(child: string, parent: string): boolean {
  return child !== parent && child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

function realpathOr(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}
