import { contextBridge, ipcRenderer, webUtils } from 'electron';
// Only the zod-free half of the contract: a sandboxed preload can load no npm module at run time.
import { createBottleApi } from '#contract/api';
import { type CommandName, EVENT_NAME_LIST, type EventName, IPC_EVENT_CHANNEL, ipcChannel } from '#contract/names';
import type { ApiResult } from '#contract/views';

// The sandboxed preload: the page gets `window.bottle`, named functions built from the contract
// (`bottle.bottles.prepare(...)`, `bottle.on('terminal.data', ...)`), and never ipcRenderer itself.
// The main process validates every message again; nothing here is trusted.

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
const knownEvents = new Set<string>(EVENT_NAME_LIST);

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, message: { event?: unknown; payload?: unknown }) => {
  if (typeof message?.event !== 'string' || !knownEvents.has(message.event)) return;
  for (const listener of [...(listeners.get(message.event as EventName) ?? [])]) {
    try {
      listener(message.payload);
    } catch (error) {
      console.error(`a ${message.event} listener failed`, error);
    }
  }
});

const api = createBottleApi(
  (command: CommandName, args: unknown) => ipcRenderer.invoke(ipcChannel(command), args) as Promise<ApiResult<unknown>>,
  (event, listener) => {
    if (!knownEvents.has(event)) throw new Error(`unknown event ${String(event)}`);
    const set = listeners.get(event) ?? new Set();
    set.add(listener);
    listeners.set(event, set);
    return () => {
      set.delete(listener);
    };
  },
);

contextBridge.exposeInMainWorld('bottle', {
  ...api,
  /** The host path of a file or folder dropped on the window. */
  pathForFile: (file: File): string => webUtils.getPathForFile(file),
});
