// The state of the link between the window and the core, for the banner and for re-attaching
// terminals after a reconnect. Electron's IPC is always 'open'; the WebSocket moves between states.

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface Connection {
  readonly state: ConnectionState;
  /** Called on every change; returns the function that unsubscribes. */
  onChange(listener: (state: ConnectionState) => void): () => void;
}

export class ConnectionStatus implements Connection {
  private current: ConnectionState;
  private readonly listeners = new Set<(state: ConnectionState) => void>();

  constructor(initial: ConnectionState) {
    this.current = initial;
  }

  get state(): ConnectionState {
    return this.current;
  }

  set(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of [...this.listeners]) listener(state);
  }

  onChange(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
