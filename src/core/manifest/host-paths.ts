import path from 'node:path';

// How a manifest names host paths. What a path reaches, and whether it may be handed to a bottle,
// is judged by ../host-safety (see docs/security.md).

/** `~` and `~/…` expand to `home`; anything else not absolute is relative to `root`. */
export function resolveHostPath(source: string, root: string, home: string): string {
  if (source === '~') return path.resolve(home);
  if (source.startsWith('~/')) return path.resolve(home, source.slice(2));
  return path.resolve(root, source);
}
