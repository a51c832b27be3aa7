import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { NetworkCheck, PreflightModel } from '../state/slices/preflight';
import { ErrorView } from './ErrorView';
import { PreflightRows } from './PreflightRows';

interface Props {
  model: PreflightModel;
  /** What the bottle's network, made while this is read, has checked already. */
  networkCheck?: NetworkCheck | null;
  onToggle(option: 'copyProject' | 'remoteControl', value: boolean): void;
  onConfirm(): void;
  onCancel(): void;
  onShowPlan(): void;
  onClose(): void;
}

/**
 * The preflight: the whole plan, row by row as the CLI prints it, before anything starts.
 * Keyboard: Escape cancels from anywhere; Enter confirms only on the Confirm button (the initial
 * focus is on Cancel, like the CLI's `y/N`); Tab stays inside the dialog.
 */
export function PreflightDialog({ model, networkCheck, onToggle, onConfirm, onCancel, onShowPlan, onClose }: Props) {
  const dialogRef = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [copied, setCopied] = useState(false);
  const { phase, view, error } = model;
  const ready = phase === 'ready' && view !== null;
  const planMode = phase === 'plan';

  useEffect(() => {
    (planMode ? closeRef.current : cancelRef.current)?.focus();
  }, [planMode]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      if (planMode) onClose();
      else onCancel();
      return;
    }
    if (event.key === 'Tab') trapFocus(event, dialogRef.current);
  };

  const title = view?.title ?? `${model.resume ? 'Resume' : 'Start'} ${model.agent}`;
  return (
    <div className="modal-backdrop">
      <div
        ref={dialogRef}
        className="modal preflight"
        role="dialog"
        aria-modal="true"
        aria-labelledby="preflight-title"
        aria-describedby="preflight-subtitle"
        aria-busy={phase === 'preparing' || phase === 'confirming'}
        onKeyDown={onKeyDown}
      >
        <header className="modal-header">
          <h2 id="preflight-title">{planMode ? `Plan of ${model.agent} (nothing was started)` : title}</h2>
          <p id="preflight-subtitle" className="modal-subtitle">
            {view?.subtitle ?? (phase === 'preparing' ? 'Preparing the plan…' : '')}
          </p>
        </header>

        <div className="modal-body">
          {error ? <ErrorView error={error} compact /> : null}
          {planMode ? (
            <pre className="plan-text" aria-label="plan">
              {model.planText}
            </pre>
          ) : view ? (
            <>
              <PreflightRows rows={view.rows} />
              {networkCheck ? <NetworkCheckView check={networkCheck} /> : null}
              {view.warnings.length > 0 ? (
                <ul className="preflight-warnings" aria-label="warnings">
                  {view.warnings.map((warning) => (
                    <li key={warning}>{warning}</li>
                  ))}
                </ul>
              ) : null}
            </>
          ) : phase === 'preparing' ? (
            <div className="preflight-loading">
              <span className="spinner" /> Reading the manifest and planning the bottle…
            </div>
          ) : null}
        </div>

        {!planMode ? (
          <div className="preflight-toggles">
            <label className={`toggle${model.resume ? ' disabled' : ''}`} title={model.resume ? 'A resumed bottle keeps the options it was started with' : undefined}>
              <input
                type="checkbox"
                checked={model.options.copyProject}
                disabled={model.resume || phase === 'confirming'}
                onChange={(event) => onToggle('copyProject', event.target.checked)}
              />
              <span>
                Copy project into the image
                <small>the bottle works on a copy; your folder is not mounted</small>
              </span>
            </label>
            <label className={`toggle${model.resume ? ' disabled' : ''}`} title={model.resume ? 'A resumed bottle keeps the options it was started with' : undefined}>
              <input
                type="checkbox"
                checked={model.options.remoteControl}
                disabled={model.resume || phase === 'confirming'}
                onChange={(event) => onToggle('remoteControl', event.target.checked)}
              />
              <span>
                Remote control
                <small>claude --remote-control</small>
              </span>
            </label>
          </div>
        ) : null}

        <footer className="modal-footer">
          {planMode ? (
            <>
              <button
                type="button"
                className="button"
                onClick={() => {
                  void navigator.clipboard
                    ?.writeText(model.planText ?? '')
                    .then(() => setCopied(true))
                    .catch(() => undefined);
                }}
              >
                {copied ? 'Copied' : 'Copy plan'}
              </button>
              <span className="spacer" />
              <button ref={closeRef} type="button" className="button button-primary" onClick={onClose}>
                Close
              </button>
            </>
          ) : (
            <>
              <button type="button" className="button" disabled={!ready} onClick={onShowPlan} title="See the plan as text and start nothing (like --dry-run)">
                Show plan only
              </button>
              <span className="spacer" />
              <button ref={cancelRef} type="button" className="button" onClick={onCancel}>
                Cancel
              </button>
              <button type="button" className="button button-primary" disabled={!ready} onClick={onConfirm}>
                {phase === 'confirming' ? 'Starting…' : model.resume ? 'Confirm and resume' : 'Confirm and start'}
              </button>
            </>
          )}
        </footer>
      </div>
    </div>
  );
}

/** Keeps Tab and Shift+Tab inside the dialog. */
function trapFocus(event: KeyboardEvent, container: HTMLElement | null): void {
  if (!container) return;
  const focusable = [...container.querySelectorAll<HTMLElement>('button, input, select, textarea, [tabindex]:not([tabindex="-1"])')].filter(
    (element) => !element.hasAttribute('disabled') && element.offsetParent !== null,
  );
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * The checks the bottle's network has passed while the preflight is read, from inside the bottle's
 * namespace; the proxy's own check runs at Confirm, once it has its allow-list (docs/network.md).
 */
function NetworkCheckView({ check }: { check: NetworkCheck }) {
  return (
    <div className={`preflight-network-check${check.ok ? '' : ' failed'}`} role={check.ok ? 'status' : 'alert'} aria-label="network check">
      <strong>{check.ok ? 'Network checked from inside the bottle:' : 'The network failed its check; Confirm will not start the bottle:'}</strong>
      <ul>
        {check.lines.map((line) => (
          <li key={line}>{line.replace(/^(ok|FAIL) +/, (verdict) => (verdict.startsWith('ok') ? '✓ ' : '✗ '))}</li>
        ))}
        {check.ok ? <li className="proxy-later">the egress proxy is checked at Confirm, once it has the allow-list</li> : null}
      </ul>
    </div>
  );
}
