import type { BottleStatus, DetachedView } from '#contract';
import { baseName, sharedAgents, shortId, statusLabel } from '../format';

interface RunningEntry {
  slug: string;
  agent: string;
  projectRoot?: string;
  status: BottleStatus | undefined;
}

interface Props {
  running: RunningEntry[];
  detached: DetachedView[];
  activeSlug: string | null;
  busy: ReadonlySet<string>;
  onFocus(slug: string): void;
  onReattach(slug: string): void;
  onStop(slug: string): void;
}

export function RunningList({ running, detached, activeSlug, busy, onFocus, onReattach, onStop }: Props) {
  if (running.length === 0 && detached.length === 0) return <p className="empty">No bottle is running.</p>;
  const shared = sharedAgents([...running, ...detached]);
  return (
    <ul className="bottle-list">
      {running.map((entry) => (
        <li key={entry.slug} data-slug={entry.slug} className={`bottle-item clickable${entry.slug === activeSlug ? ' selected' : ''}`}>
          <button type="button" className="bottle-focus" onClick={() => onFocus(entry.slug)} title={`Show ${entry.slug}`}>
            <span className={`status-dot status-${entry.status?.status ?? 'starting'}`} aria-hidden="true" />
            <span className="bottle-agent">{entry.agent}</span>
            {shared.has(entry.agent) ? <span className="bottle-id">#{shortId(entry.slug)}</span> : null}
            <span className="bottle-meta">{statusLabel(entry.status)}</span>
            {entry.projectRoot ? <span className="bottle-project">{baseName(entry.projectRoot)}</span> : null}
          </button>
        </li>
      ))}
      {detached.map((bottle) => (
        <li key={bottle.slug} data-slug={bottle.slug} className="bottle-item detached">
          <div className="bottle-line">
            <span className="status-dot status-detached" aria-hidden="true" />
            <span className="bottle-agent">{bottle.agent}</span>
            <span className="bottle-meta">{detachedLabel(bottle)}</span>
          </div>
          <div className="bottle-slug mono" title={bottle.projectRoot}>
            {bottle.slug}
          </div>
          <div className="bottle-actions">
            {bottle.owner === 'dead' ? (
              <button type="button" className="button button-small" disabled={busy.has(bottle.slug)} onClick={() => onReattach(bottle.slug)} title="Attach to the Claude still running in this container">
                Re-attach
              </button>
            ) : null}
            <button type="button" className="button button-small button-danger-quiet" disabled={busy.has(bottle.slug)} onClick={() => onStop(bottle.slug)}>
              Stop
            </button>
          </div>
        </li>
      ))}
    </ul>
  );
}

function detachedLabel(bottle: DetachedView): string {
  switch (bottle.owner) {
    case 'dead':
      return 'left running by an earlier session';
    case 'other-process':
      return 'run by another process';
    case 'no-state':
      return 'no state folder';
  }
}
