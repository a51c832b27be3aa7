import type { BottleNotification, ErrorInfo } from '#contract';

// The toasts in the corner: short messages that go by themselves.

export interface Toast {
  id: number;
  tone: 'info' | 'error';
  title: string;
  body?: string;
}

export type ToastsState = readonly Toast[];

export const TOASTS = {
  /** How long a toast stays up. */
  shownMs: 6_000,
  /** Toasts shown at once; older ones make room. */
  max: 4,
} as const;

export function toastAdded(toasts: ToastsState, toast: Toast): ToastsState {
  return [...toasts.slice(-(TOASTS.max - 1)), toast];
}

export function toastDismissed(toasts: ToastsState, id: number): ToastsState {
  return toasts.filter((toast) => toast.id !== id);
}

/** An error from the core: its message, and its hint below. */
export function errorToast(error: ErrorInfo): Omit<Toast, 'id'> {
  return { tone: 'error', title: error.message, ...(error.hint ? { body: error.hint } : {}) };
}

/** The core's notification (a bottle ended, crashed, ...): a crash or failure is an error. */
export function notificationToast(note: BottleNotification): Omit<Toast, 'id'> {
  return { tone: note.kind === 'crashed' || note.kind === 'failed' ? 'error' : 'info', title: note.title, body: note.body };
}
