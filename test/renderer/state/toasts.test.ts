import { describe, expect, it } from 'vitest';
import { errorToast, notificationToast, TOASTS, toastAdded, toastDismissed, type ToastsState } from '../../../src/renderer/src/state/slices/toasts';

describe('the toasts slice', () => {
  it('shows at most a few at once, the oldest making room', () => {
    let toasts: ToastsState = [];
    for (let id = 1; id <= TOASTS.max + 2; id += 1) toasts = toastAdded(toasts, { id, tone: 'info', title: `t${id}` });
    expect(toasts.map((toast) => toast.id)).toEqual([3, 4, 5, 6]);
    expect(toastDismissed(toasts, 4).map((toast) => toast.id)).toEqual([3, 5, 6]);
  });

  it('turns an error into its message and hint, and a crash into an error', () => {
    expect(errorToast({ kind: 'docker-unavailable', message: 'Docker is not running', hint: 'start it' })).toEqual({ tone: 'error', title: 'Docker is not running', body: 'start it' });
    expect(errorToast({ kind: 'docker-unavailable', message: 'Docker is not running' })).toEqual({ tone: 'error', title: 'Docker is not running' });
    expect(notificationToast({ kind: 'crashed', slug: 'a-1', title: 'a crashed', body: 'exit 1' }).tone).toBe('error');
    expect(notificationToast({ kind: 'exited', slug: 'a-1', title: 'a ended', body: '' }).tone).toBe('info');
  });
});
