import type { DoctorCheckView } from '#contract';
import type { PruneState } from '../state/slices/prune';
import type { ChecksState } from '../state/slices/checks';
import { ErrorView } from './ErrorView';

const MARKS: Record<DoctorCheckView['status'], string> = { ok: '✓', warn: '!', fail: '✗' };
const SAID: Record<DoctorCheckView['status'], string> = { ok: 'ready', warn: 'warning', fail: 'failed' };

interface Props {
  state: ChecksState;
  onRunAgain(): void;
  onDismiss(): void;
  onUpdateClaude(): void;
  prune?: PruneState;
  onFindUnused?(): void;
  onRemoveUnused?(): void;
}



/**
 * The first-run checks `claude-bottle doctor` prints — Docker, the docker command, disk,
 * credentials, the built-in image — each with what was found and the next step, and "Update
 * Claude Code" for the built-in image.
 */
export function ChecksPanel({ state, onRunAgain, onDismiss, onUpdateClaude, prune, onFindUnused, onRemoveUnused }: Props) {
  const { checks, loading, error } = state;
  const failed = checks?.filter((check) => check.status === 'fail').length ?? 0;
  const warned = checks?.filter((check) => check.status === 'warn').length ?? 0;
  const summary = !checks ? 'Checking Docker, disk and credentials…' : failed > 0 ? `${failed} must be fixed before a bottle can start` : warned > 0 ? `Ready, with ${warned} to look at` : 'Ready: every check passed';
  return (
    <section className="checks-panel" aria-labelledby="checks-heading" data-loading={loading ? 'true' : 'false'}>
      <header className="checks-head">
        <h2 id="checks-heading">First-run checks</h2>
        <span className={`checks-summary${failed > 0 ? ' bad' : ''}`}>{summary}</span>
        <span className="spacer" />
        {loading ? <span className="spinner" aria-label="checking" /> : null}
        <button type="button" className="button button-small" onClick={onRunAgain} disabled={loading}>
          Run again
        </button>
        <button type="button" className="icon-button" onClick={onDismiss} aria-label="Close the checks" title="Close">
          ✕
        </button>
      </header>

      {error ? <ErrorView error={error} compact /> : null}

      {checks ? (
        <ul className="check-list">
          {checks.map((check) => (
            <li key={check.id} className={`check check-${check.status}`} data-check={check.id} data-status={check.status}>
              <span className="check-mark" role="img" aria-label={SAID[check.status]}>
                {MARKS[check.status]}
              </span>
              <div className="check-body">
                <div className="check-title">{check.title}</div>
                <div className="check-detail">{check.detail}</div>
                {check.fix ? <div className="check-fix">{check.fix}</div> : null}
              </div>
            </li>
          ))}
        </ul>
      ) : null}

      <ImageUpdate state={state.update} onUpdate={onUpdateClaude} />
      {prune && onFindUnused && onRemoveUnused ? <FreeSpace state={prune} onFind={onFindUnused} onRemove={onRemoveUnused} /> : null}
    </section>
  );
}

/** What `claude-bottle prune` lists: things no bottle owns, removed only after they were shown. */
function FreeSpace({ state, onFind, onRemove }: { state: PruneState; onFind(): void; onRemove(): void }) {
  const { items, busy, note } = state;
  return (
    <div className="free-space" data-testid="free-space">
      <div className="image-update-row">
        <button type="button" className="button" onClick={onFind} disabled={busy}>
          Find unused…
        </button>
        <span className="image-update-about">Containers, sidecars, networks, cached images and state folders no bottle owns. Preserved bottles are kept.</span>
      </div>
      {items && items.length === 0 ? <p role="status">Nothing unused.</p> : null}
      {items && items.length > 0 ? (
        <>
          <table className="preflight-rows" aria-label="unused">
            <tbody>
              {items.map((item) => (
                <tr key={`${item.kind} ${item.name}`} data-kind={item.kind}>
                  <th scope="row">{item.kind}</th>
                  <td>
                    <div className="mono">{item.name}</div>
                    <div className="tone-muted">{item.why}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" className="button button-danger" onClick={onRemove} disabled={busy}>
            Remove {items.length}
          </button>
        </>
      ) : null}
      {note ? <p role="status">{note}</p> : null}
    </div>
  );
}

function ImageUpdate({ state, onUpdate }: { state: ChecksState['update']; onUpdate(): void }) {
  const { running, progress, result, error } = state;
  const fraction = progress?.fraction;
  return (
    <div className="image-update" data-state={running ? 'running' : error ? 'failed' : result ? 'done' : 'idle'}>
      <div className="image-update-row">
        <button type="button" className="button" onClick={onUpdate} disabled={running}>
          {running ? 'Updating Claude Code…' : 'Update Claude Code'}
        </button>
        <span className="image-update-about">
          Rebuilds the built-in image (<code>builtin:base</code>) with the newest Claude Code from npm. New bottles use it; running ones keep theirs.
        </span>
      </div>
      {running ? (
        <div className="image-update-progress">
          <progress className="progress" max={1} {...(fraction !== undefined ? { value: fraction } : {})} aria-label="image build progress" />
          <span className="image-update-line mono" title={progress?.message}>
            {progress?.message ?? 'starting…'}
          </span>
        </div>
      ) : null}
      {!running && result ? (
        <p className="image-update-done" role="status">
          Built <code>{result.tag}</code>
          {result.claudeCodeVersion ? ` with Claude Code ${result.claudeCodeVersion}` : ''}.
        </p>
      ) : null}
      {!running && error ? <ErrorView error={error} compact /> : null}
    </div>
  );
}
