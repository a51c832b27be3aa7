import { useState, type KeyboardEvent } from 'react';
import type { ErrorInfo } from '#contract';
import { loginKindLabel, type LoginKind } from '#claude-credential';
import type { AppState } from '../state/appModel';
import { InlineError } from './ErrorView';

// Sign in: one Anthropic credential (an API key, or a subscription's long-lived token from
// `claude setup-token`) stored in the app, for every bottle whose manifest names none of its own.
// The value lives in this form only until it is sent; the window only ever learns its kind and
// last 4 characters back. See docs/operations.md.

type Credential = AppState['credential'];

/** What the sidebar's button says: who is signed in, or that nobody is. */
export function signInLabel(credential: Credential): string {
  if (!credential) return 'No Anthropic credential';
  return credential.from === 'app' ? `Signed in (${loginKindLabel(credential.kind)} …${credential.last4})` : `${loginKindLabel(credential.kind)} …${credential.last4} (${credential.from})`;
}

interface Props {
  credential: Credential;
  /** Whether this app can store a secret (an OS keychain is reachable). */
  canStore: boolean;
  onSignIn(value: string, kind?: LoginKind): Promise<ErrorInfo | null>;
  onSignOut(): Promise<ErrorInfo | null>;
  onClose(): void;
}

export function SignInDialog({ credential, canStore, onSignIn, onSignOut, onClose }: Props) {
  const [value, setValue] = useState('');
  const [kind, setKind] = useState<LoginKind | ''>('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const run = (action: () => Promise<ErrorInfo | null>, closeOnSuccess: boolean): void => {
    if (sending) return;
    setSending(true);
    setError(null);
    void action().then((failure) => {
      setSending(false);
      setValue('');
      if (failure) setError(failure);
      else if (closeOnSuccess) onClose();
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    }
  };

  return (
    <div className="modal-backdrop">
      <div className="modal sign-in" role="dialog" aria-modal="true" aria-labelledby="sign-in-title" onKeyDown={onKeyDown}>
        <header className="modal-header">
          <h2 id="sign-in-title">Sign in to Anthropic</h2>
          <p className="modal-subtitle">One credential for every bottle whose manifest names none of its own.</p>
        </header>
        <form
          className="modal-body sign-in-form"
          aria-label="Sign in"
          onSubmit={(event) => {
            event.preventDefault();
            if (value) run(() => onSignIn(value, kind || undefined), true);
          }}
        >
          <p className="sign-in-status" role="status">
            {credential ? (
              credential.from === 'app' ? (
                <span className="tone-good">Signed in ({loginKindLabel(credential.kind)} …{credential.last4})</span>
              ) : (
                <span>
                  Using the {loginKindLabel(credential.kind)} …{credential.last4} from the {credential.from}. One stored here wins over it.
                </span>
              )
            ) : (
              <span className="tone-danger">No Anthropic credential: Claude cannot work in a bottle until you sign in.</span>
            )}
          </p>
          <p className="sign-in-help">
            Paste an <strong>API key</strong> (<code>sk-ant-api…</code>, from the Anthropic Console) or, for a Claude subscription (Pro, Max), a long-lived{' '}
            <strong>token</strong>: run <code>claude setup-token</code> in a terminal on this machine and paste what it prints (<code>sk-ant-oat…</code>).
          </p>
          {canStore ? (
            <>
              <label htmlFor="sign-in-value">API key or token, kept encrypted by the OS keychain</label>
              <input
                id="sign-in-value"
                className="secret-input mono"
                type="password"
                autoComplete="off"
                spellCheck={false}
                autoFocus
                value={value}
                onChange={(event) => setValue(event.target.value)}
              />
              <label htmlFor="sign-in-kind">It is</label>
              <select id="sign-in-kind" value={kind} onChange={(event) => setKind(event.target.value as LoginKind | '')}>
                <option value="">told by its prefix</option>
                <option value="api-key">an API key</option>
                <option value="oauth">a subscription token</option>
              </select>
            </>
          ) : (
            <p className="tone-warn">
              This app cannot store it: no OS keychain is reachable. Set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN in the environment that starts Claude Bottle instead.
            </p>
          )}
          <InlineError error={error} />
          <div className="modal-footer sign-in-actions">
            {credential?.from === 'app' ? (
              <button type="button" className="button button-danger-quiet" disabled={sending} onClick={() => run(onSignOut, false)}>
                Sign out
              </button>
            ) : null}
            <span className="spacer" />
            <button type="button" className="button" onClick={onClose}>
              Close
            </button>
            {canStore ? (
              <button type="submit" className="button button-primary" disabled={!value || sending}>
                {sending ? 'Signing in…' : 'Sign in'}
              </button>
            ) : null}
          </div>
        </form>
      </div>
    </div>
  );
}
