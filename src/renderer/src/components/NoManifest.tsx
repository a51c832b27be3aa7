import { BreakablePath } from './BreakablePath';

/**
 * In place of the agents, for a folder with no claude-bottle.json in it or above it: what one is,
 * and a button that writes the starter (one agent on the built-in image) and opens it.
 */
export function NoManifest({ dir, creating, onCreate }: { dir: string; creating: boolean; onCreate(): void }) {
  return (
    <section className="no-manifest" aria-label="no manifest">
      <h3>No claude-bottle.json here</h3>
      <p>
        <code className="no-manifest-dir"><BreakablePath path={dir} /></code> has no <code>claude-bottle.json</code>, nor does any folder above it. That file declares the project&apos;s agents and what
        each one&apos;s bottle may see.
      </p>
      <p className="no-manifest-what">
        Create a starter: one agent on the built-in image (Debian, Node, git and Claude Code, built on its first start), this folder mounted read-write. It is commented, so
        you can edit it later.
      </p>
      <button type="button" className="button button-primary" onClick={onCreate} disabled={creating}>
        {creating ? 'Creating…' : 'Create claude-bottle.json'}
      </button>
    </section>
  );
}
