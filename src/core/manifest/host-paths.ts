import fs from 'node:fs';
import path from 'node:path';

// Host paths named by a manifest: `~` expansion, resolution against the project root, and the
// sources docs/security.md lists as refused unless the agent says "dangerous": true.

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

/** Why mounting `source` would hand the agent the host, or undefined when it would not. */
export function dangerReason(source: string, home: string): string | undefined {
  const real = realpathOr(source);
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
