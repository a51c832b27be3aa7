import type { EventName, EventPayload } from '../shared/contract';
import type { Disposable } from './terminalStream';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

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
      } catch {
        // One broken transport (a destroyed window, a closed socket) must not starve the others.
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
