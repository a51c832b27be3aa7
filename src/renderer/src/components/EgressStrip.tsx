import { useEffect, useState } from 'react';
import type { EgressEntryView, ProxyState } from '#contract';
import { getTransport } from '../api';
import { allowEntryFor } from '../format';

// A bottle's egress, under its terminal: how many requests its proxy allowed and refused, a panel
// with the list, a refused host added to the agent's allow-list in one click, and — when the proxy
// died and the bottle has no network — a way to start it again. See docs/network.md.

/** Entries the tab keeps; the whole log is in the state folder (`claude-bottle logs --egress`). */
const MAX_ENTRIES = 500;

interface Props {
  slug: string;
  live: boolean;
  /**
   * The bottle is behind a proxy: the strip shows from the start, before the proxy reports, so the
   * terminal above it has its final size when Claude starts (docs/terminal.md).
   */
  behindProxy: boolean;
}

export function EgressStrip({ slug, live, behindProxy }: Props) {
  const { api } = getTransport();
  const [proxy, setProxy] = useState<ProxyState>('none');
  const [entries, setEntries] = useState<EgressEntryView[]>([]);
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let alive = true;
    void api.bottles.egress({ slug }).then((result) => {
      if (!alive || !result.ok) return;
      setProxy(result.data.proxy);
      setEntries(result.data.entries);
    });
    const unsubscribe = api.on('bottle.egress', (event) => {
      if (event.slug !== slug) return;
      setProxy(event.proxy);
      if (event.entries.length > 0) setEntries((current) => [...current, ...event.entries].slice(-MAX_ENTRIES));
    });
    return () => {
      alive = false;
      unsubscribe();
    };
  }, [api, slug, live]);

  if (proxy === 'none' && entries.length === 0 && !behindProxy) return null;
  const refused = entries.filter((entry) => entry.verdict === 'refused');
  const allowed = entries.filter((entry) => entry.verdict === 'allowed').length;
  const refusedHosts = [...new Set(refused.map((entry) => entry.host))];

  const restart = async (): Promise<void> => {
    setBusy(true);
    const result = await api.bottles.restartProxy({ slug });
    setBusy(false);
    setNote(result.ok ? 'The egress proxy runs again.' : `Could not restart the proxy: ${result.error.message}`);
  };
  const allow = async (entry: EgressEntryView): Promise<void> => {
    const host = allowEntryFor(entry.host, entry.port);
    const result = await api.bottles.allowHost({ slug, host });
    if (!result.ok) setNote(`Not added: ${result.error.message}`);
    else if (!result.data.changed) setNote(`${visible(host)} is already on the allow-list.`);
    else setNote(`Added ${visible(host)} to ${result.data.manifest}; it applies the next time this bottle starts.`);
  };

  return (
    <div className={`egress${proxy === 'down' ? ' egress-down' : ''}`} data-testid="egress">
      <div className="egress-strip">
        {proxy === 'down' ? (
          <span className="egress-alarm" role="alert">
            No network: the egress proxy stopped.{' '}
            {live ? (
              <button type="button" className="button button-small" disabled={busy} onClick={() => void restart()}>
                {busy ? 'Restarting…' : 'Restart proxy'}
              </button>
            ) : null}
          </span>
        ) : null}
        <button type="button" className="egress-summary" aria-expanded={open} onClick={() => setOpen(!open)} title="Every request the bottle's egress proxy allowed or refused">
          egress: {allowed} allowed · <span className={refused.length > 0 ? 'egress-refused-count' : ''}>{refused.length} refused</span>
          {refusedHosts.length > 0 ? <span className="egress-hosts"> ({refusedHosts.slice(0, 3).map(visible).join(', ')}{refusedHosts.length > 3 ? ', …' : ''})</span> : null}
        </button>
        {note ? (
          <span className="egress-note" role="status">
            {note}
          </span>
        ) : null}
      </div>
      {open ? (
        <div className="egress-panel" role="region" aria-label="egress log">
          <table>
            <tbody>
              {[...entries].reverse().map((entry, index) => (
                <tr key={`${entry.time}-${index}`} className={`egress-${entry.verdict}`}>
                  <td className="mono">{entry.time.slice(11, 19)}</td>
                  <td>{entry.verdict}</td>
                  <td className="mono">{entry.anthropic ? `${entry.method} Claude's API` : `${entry.method} ${visible(entry.host)}${entry.port ? `:${entry.port}` : ''}`}</td>
                  <td className="egress-reason">{entry.reason ? visible(entry.reason) : entry.verdict === 'allowed' ? `↑${entry.bytesUp} ↓${entry.bytesDown}` : ''}</td>
                  <td>
                    {entry.verdict === 'refused' && entry.host !== '-' && entry.method !== '-' ? (
                      <button type="button" className="button button-small" onClick={() => void allow(entry)} title="Add this host to the agent's allow-list in claude-bottle.json">
                        Allow
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

/** What the bottle asked for, with control and invisible characters shown as escapes. */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
