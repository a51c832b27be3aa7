import { createBottleApi } from '#contract/api';
import type { ApiResult, BottleApi, CommandName, EventName, WireRequest } from '#contract';
import { ConnectionStatus } from './connection';

// Browser mode's transport: one WebSocket to `/api` on the page's own origin. The page load has
// already set the token cookie, so the socket carries it without the script ever seeing it. The
// wire format is documented at the top of src/shared/contract/index.ts.

export const WS_CONSTANTS = {
  /** First reconnect delay; doubled after each failed attempt. */
  reconnectInitialMs: 250,
  /** Reconnect delays stop growing here: a restarted server is found within seconds. */
  reconnectMaxMs: 5_000,
  /** ± this fraction of random jitter, so many tabs do not reconnect in lockstep. */
  reconnectJitter: 0.2,
  /** A request made while disconnected waits this long for the socket before it fails. */
  queuedRequestTimeoutMs: 15_000,
} as const;

interface Pending {
  resolve: (result: ApiResult<unknown>) => void;
  frame: string;
  timer?: ReturnType<typeof setTimeout>;
}

const disconnected = (message: string): ApiResult<unknown> => ({
  ok: false,
  error: { kind: 'internal', message, hint: 'the window reconnects by itself; check that `claude-bottle serve` is still running' },
});

export interface WsTransport {
  api: BottleApi;
  connection: ConnectionStatus;
  /** Closes the socket for good (tests, page unload). */
  close(): void;
}

export function apiUrl(location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api`;
}

export function createWsTransport(url: string = apiUrl()): WsTransport {
  const connection = new ConnectionStatus('connecting');
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  /** Requests sent on the current socket, awaiting their response. */
  const inFlight = new Map<number, Pending>();
  /** Requests made while no socket was open, in order. */
  const queued = new Map<number, Pending>();
  let nextId = 1;
  let socket: WebSocket | undefined;
  let attempt = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const connect = (): void => {
    if (closed) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      if (socket !== ws) return;
      attempt = 0;
      connection.set('open');
      for (const [id, pending] of queued) {
        queued.delete(id);
        if (pending.timer !== undefined) clearTimeout(pending.timer);
        inFlight.set(id, pending);
        ws.send(pending.frame);
      }
    });
    ws.addEventListener('message', (event: MessageEvent) => {
      if (socket !== ws || typeof event.data !== 'string') return;
      onFrame(event.data);
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = undefined;
      // The responses to requests in flight are lost with the socket: fail them now.
      for (const [id, pending] of inFlight) {
        inFlight.delete(id);
        pending.resolve(disconnected('the connection to the Claude Bottle server was lost before it answered'));
      }
      if (closed) return;
      connection.set('reconnecting');
      scheduleReconnect();
    });
  };

  const scheduleReconnect = (): void => {
    const base = Math.min(WS_CONSTANTS.reconnectMaxMs, WS_CONSTANTS.reconnectInitialMs * 2 ** attempt);
    const jitter = 1 + (Math.random() * 2 - 1) * WS_CONSTANTS.reconnectJitter;
    attempt += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, base * jitter);
  };

  const onFrame = (raw: string): void => {
    let frame: unknown;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    const message = frame as { id?: unknown; result?: unknown; event?: unknown; payload?: unknown };
    if (typeof message.event === 'string') {
      for (const listener of [...(listeners.get(message.event as EventName) ?? [])]) {
        try {
          listener(message.payload);
        } catch (error) {
          console.error(`listener of ${message.event} failed`, error);
        }
      }
      return;
    }
    if (typeof message.id === 'number' && typeof message.result === 'object' && message.result !== null) {
      const pending = inFlight.get(message.id);
      if (!pending) return;
      inFlight.delete(message.id);
      pending.resolve(message.result as ApiResult<unknown>);
    } else if (message.id === null && message.result) {
      console.error('the server refused a message', message.result);
    }
  };

  const invoke = (command: CommandName, args: unknown): Promise<ApiResult<unknown>> =>
    new Promise((resolve) => {
      if (closed) {
        resolve(disconnected('the connection is closed'));
        return;
      }
      const id = nextId;
      nextId += 1;
      const request: WireRequest = { id, command, args };
      const pending: Pending = { resolve, frame: JSON.stringify(request) };
      if (socket && socket.readyState === WebSocket.OPEN) {
        inFlight.set(id, pending);
        socket.send(pending.frame);
        return;
      }
      pending.timer = setTimeout(() => {
        queued.delete(id);
        resolve(disconnected('the Claude Bottle server cannot be reached'));
      }, WS_CONSTANTS.queuedRequestTimeoutMs);
      queued.set(id, pending);
    });

  const subscribe = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  };

  connect();

  return {
    api: createBottleApi(invoke, subscribe),
    connection,
    close: () => {
      closed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      socket?.close();
      for (const pending of [...inFlight.values(), ...queued.values()]) {
        if (pending.timer !== undefined) clearTimeout(pending.timer);
        pending.resolve(disconnected('the connection is closed'));
      }
      inFlight.clear();
      queued.clear();
    },
  };
}
