import type { ApiResult, BottleApi, CommandName, EventName } from './contract';

// The zod-free half of the contract: the names of its commands and events, and the builder of the
// `BottleApi` object. The sandboxed preload can load no npm module at run time, so it imports only
// this file (contract.ts checks at compile time that these lists match its schemas exactly).

export const COMMAND_NAME_LIST = [
  'app.info',
  'projects.recent',
  'projects.open',
  'projects.init',
  'projects.pickFolder',
  'bottles.prepare',
  'bottles.prepareResume',
  'bottles.cancel',
  'bottles.confirm',
  'bottles.list',
  'bottles.stop',
  'bottles.discard',
  'bottles.reattach',
  'bottles.egress',
  'bottles.allowHost',
  'bottles.restartProxy',
  'terminal.attach',
  'terminal.input',
  'terminal.resize',
  'terminal.close',
  'terminal.ack',
  'app.doctor',
  'images.updateClaude',
  'secrets.list',
  'secrets.set',
  'secrets.delete',
] as const;

export const EVENT_NAME_LIST = ['bottle.status', 'terminal.data', 'bottles.changed', 'projects.changed', 'app.notification', 'ui.request', 'image.progress', 'bottle.egress'] as const;

/** The Electron IPC channel of a command, and the one channel events arrive on. */
export const ipcChannel = (command: CommandName): string => `bottle:${command}`;
export const IPC_EVENT_CHANNEL = 'bottle:event';

export type Invoke = (command: CommandName, args: unknown) => Promise<ApiResult<unknown>>;
export type Subscribe = (event: EventName, listener: (payload: unknown) => void) => () => void;

/**
 * Builds a `BottleApi` of named functions from a transport's `invoke` and `subscribe`. The preload
 * and the WebSocket client both use it, so the two transports cannot drift apart.
 */
export function createBottleApi(invoke: Invoke, subscribe: Subscribe): BottleApi {
  const api: Record<string, Record<string, (args?: unknown) => Promise<ApiResult<unknown>>>> = {};
  for (const command of COMMAND_NAME_LIST) {
    const [namespace, method] = command.split('.') as [string, string];
    api[namespace] ??= {};
    api[namespace][method] = (args?: unknown) => invoke(command, args ?? {});
  }
  return {
    ...api,
    on: (event: EventName, listener: (payload: unknown) => void) => subscribe(event, listener),
  } as unknown as BottleApi;
}
