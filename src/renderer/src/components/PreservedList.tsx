import { useEffect, useState } from 'react';
import type { PreservedView } from '#contract';
import { baseName, formatWhen } from '../format';

interface Props {
  preserved: PreservedView[];
  corrupt: { slug: string; message: string }[];
  busy: ReadonlySet<string>;
  onResume(slug: string): void;
  onDiscard(slug: string): void;
}

/** How long a Discard button waits for its second click before it asks again. */
const DISCARD_CONFIRM_MS = 4_000;

/** Preserved bottles, newest first: double-click (or Enter) resumes through the preflight. */
export function PreservedList({ preserved, corrupt, busy, onResume, onDiscard }: Props) {
  const [armed, setArmed] = useState<string | null>(null);
  useEffect(() => {
    if (armed === null) return;
    const timer = setTimeout(() => setArmed(null), DISCARD_CONFIRM_MS);
    return () => clearTimeout(timer);
  }, [armed]);

  if (preserved.length === 0 && corrupt.length === 0) return <p className="empty">Nothing preserved. A bottle whose Claude exits with an error is kept here to resume.</p>;

  const discardButton = (slug: string) => (
    <button
      type="button"
      className={`button button-small ${armed === slug ? 'button-danger' : 'button-danger-quiet'}`}
      disabled={busy.has(slug)}
      onClick={(event) => {
        event.stopPropagation();
        if (armed === slug) {
          setArmed(null);
          onDiscard(slug);
        } else {
          setArmed(slug);
        }
      }}
      onDoubleClick={(event) => event.stopPropagation()}
      title="Remove this bottle's state and its conversation"
    >
      {armed === slug ? 'Really discard?' : 'Discard'}
    </button>
  );

  const sorted = [...preserved].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <ul className="bottle-list">
      {sorted.map((bottle) => (
        <li
          key={bottle.slug}
          data-slug={bottle.slug}
          className="bottle-item preserved clickable"
          tabIndex={0}
          title="Double-click to resume"
          aria-label={`${bottle.agent}, preserved ${formatWhen(bottle.at)}: ${bottle.detail}. Press Enter to resume.`}
          onDoubleClick={() => onResume(bottle.slug)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && event.target === event.currentTarget) onResume(bottle.slug);
          }}
        >
          <div className="bottle-line">
            <span className="status-dot status-preserved" aria-hidden="true" />
            <span className="bottle-agent">{bottle.agent}</span>
            <span className="bottle-project">{baseName(bottle.projectRoot)}</span>
            <time className="bottle-when" dateTime={bottle.at} title={new Date(bottle.at).toLocaleString()}>
              {formatWhen(bottle.at)}
            </time>
          </div>
          <div className="bottle-why">{bottle.detail}</div>
          {bottle.grantedCapabilities.length > 0 ? <div className="bottle-granted">granted: {bottle.grantedCapabilities.join(', ')}</div> : null}
          <div className="bottle-actions">
            <button type="button" className="button button-small" disabled={busy.has(bottle.slug)} onClick={() => onResume(bottle.slug)}>
              Resume…
            </button>
            {discardButton(bottle.slug)}
          </div>
        </li>
      ))}
      {corrupt.map((entry) => (
        <li key={entry.slug} data-slug={entry.slug} className="bottle-item corrupt">
          <div className="bottle-line">
            <span className="status-dot status-failed" aria-hidden="true" />
            <span className="bottle-agent mono">{entry.slug}</span>
          </div>
          <div className="bottle-why">unreadable state: {entry.message}</div>
          <div className="bottle-actions">{discardButton(entry.slug)}</div>
        </li>
      ))}
    </ul>
  );
}
