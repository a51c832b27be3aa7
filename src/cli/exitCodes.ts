import type { ErrorKind } from '../core/errors';

/**
 * Exit codes scripts can rely on. A session that ran exits with Claude's own exit code; the CLI's
 * own failures use the BSD sysexits numbers, which Claude does not use.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 64,
  manifest: 65,
  notFound: 66,
  dockerUnavailable: 69,
  internal: 70,
  state: 74,
  buildFailed: 73,
  unsupported: 78,
  cancelled: 130,
} as const;

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'manifest':
      return EXIT.manifest;
    case 'docker-unavailable':
    case 'image-missing':
      return EXIT.dockerUnavailable;
    case 'build-failed':
    case 'container-failed':
    case 'network-failed':
      return EXIT.buildFailed;
    case 'state':
      return EXIT.state;
    case 'not-found':
      return EXIT.notFound;
    case 'unsupported':
      return EXIT.unsupported;
    case 'cancelled':
      return EXIT.cancelled;
    case 'usage':
      return EXIT.usage;
    case 'internal':
      return EXIT.internal;
  }
}
