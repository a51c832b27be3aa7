import type { ErrorInfo } from '../../../shared/contract';
import { Fragment, type ReactNode } from 'react';
import { errorTitle, issueLocation } from '../format';

/** A long path wraps after its slashes, never inside a name. */
function breakablePath(path: string): ReactNode {
  const parts = path.split('/');
  return parts.map((part, index) => (
    <Fragment key={index}>
      {part}
      {index < parts.length - 1 ? (
        <>
          /<wbr />
        </>
      ) : null}
    </Fragment>
  ));
}

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
                {breakablePath(issueLocation(issue))}
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
