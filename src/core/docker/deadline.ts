// One signal for "the caller cancelled or the time ran out", disposed by its owner. Its abort
// reason is always a BottleError: `cancelled` when the caller aborted, or a failure of the
// operation's own kind when the time ran out, so whoever sees the abort can reject with it as is.

import { BottleError, type ErrorKind } from '../errors';

export interface Deadline {
  readonly signal: AbortSignal;
  /** True when the deadline, not the caller, aborted. */
  readonly timedOut: boolean;
  dispose(): void;
}

/**
 * @param what        the operation, for messages: "pulling alpine:3"
 * @param timeoutKind the error kind of a timeout ('build-failed', 'image-missing', …)
 */
export function startDeadline(
  parent: AbortSignal | undefined,
  timeoutMs: number,
  what: string,
  timeoutKind: ErrorKind,
): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  // A parent that aborted with a BottleError (an outer deadline) keeps its reason.
  const onParentAbort = (): void =>
    controller.abort(
      parent?.reason instanceof BottleError ? parent.reason : new BottleError('cancelled', `${what} was cancelled`),
    );
  const timer =
    timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          timedOut = true;
          controller.abort(new BottleError(timeoutKind, `${what} timed out after ${formatDuration(timeoutMs)}`));
        }, timeoutMs)
      : undefined;
  timer?.unref?.();
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });

  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** The error to reject with once `signal` has aborted. */
export function abortError(signal: AbortSignal, what = 'the operation'): BottleError {
  const reason: unknown = signal.reason;
  return reason instanceof BottleError ? reason : new BottleError('cancelled', `${what} was cancelled`);
}

/** Rejects with the signal's abort error as soon as it aborts, else settles like `promise`. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined, what?: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(abortError(signal, what));
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
