import type { EventName, EventPayload } from '#contract';
import type { Disposable } from '../core/lifecycle/disposable';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** Where a listener's failure is told; the default writes one line to stderr. Tests swap it to fail on them. */
export type ListenerErrorReporter = (event: EventName, error: unknown) => void;

/** The app's reporter: one line on stderr naming the event. */
export const logListenerErrorToStderr: ListenerErrorReporter = (event, error) => {
  process.stderr.write(`claude-bottle: a listener of ${event} failed: ${error instanceof Error ? error.message : String(error)}\n`);
};

let reportListenerError: ListenerErrorReporter = logListenerErrorToStderr;

/** Replaces the reporter of listener failures (for every hub); returns the previous one. */
export function setListenerErrorReporter(reporter: ListenerErrorReporter): ListenerErrorReporter {
  const previous = reportListenerError;
  reportListenerError = reporter;
  return previous;
}

/** The contract's events, fanned out to every transport that listens (a window, browser tabs, the tray). */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event, payload);
      } catch (error) {
        // One broken transport (a destroyed window, a closed socket) must not starve the others,
        // and must not fail unseen either.
        reportListenerError(event, error);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.listeners.clear();
  }
}
