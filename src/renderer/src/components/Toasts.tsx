import type { Toast } from '../state/slices/toasts';

export function Toasts({ toasts, onDismiss }: { toasts: readonly Toast[]; onDismiss(id: number): void }) {
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.tone}`}>
          <div className="toast-text">
            <strong>{toast.title}</strong>
            {toast.body ? <div>{toast.body}</div> : null}
          </div>
          <button type="button" className="icon-button" aria-label="dismiss" onClick={() => onDismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
