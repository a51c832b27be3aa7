import type { ErrorInfo } from '#contract';
import { errorTitle, issueLocation } from '../format';
import { BreakablePath } from './BreakablePath';

/**
 * An error in place of what could not be shown: for a manifest, every problem with its
 * file:line:column and key path, as the CLI prints them.
 */
export function ErrorView({ error, onRetry, compact = false }: { error: ErrorInfo; onRetry?: () => void; compact?: boolean }) {
  const issues = error.issues ?? [];
  return (
    <section className={`error-view${compact ? ' compact' : ''}`} role="alert" data-error-kind={error.kind}>
      <h3>{errorTitle(error)}</h3>
      {issues.length > 0 ? (
        <ul className="manifest-issues">
          {issues.map((issue, index) => (
            <li key={index} className="manifest-issue">
              <code className="issue-location" title={issueLocation(issue)}>
                <BreakablePath path={issueLocation(issue)} />
              </code>
              {issue.keyPath ? <code className="issue-key">{issue.keyPath}</code> : null}
              <span className="issue-message">{issue.message}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="error-message">{error.message}</p>
      )}
      {error.hint ? <p className="error-hint">{error.hint}</p> : null}
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </section>
  );
}

/** A one-line error under a form field (storing a secret, signing in): the message and its hint. */
export function InlineError({ error }: { error: Pick<ErrorInfo, 'message' | 'hint'> | null | undefined }) {
  if (!error) return null;
  return (
    <p className="secret-error" role="alert">
      {error.message}
      {error.hint ? ` — ${error.hint}` : ''}
    </p>
  );
}
