import type { CommandArgs, CommandResult } from './commands';
import type { EventPayload } from './events';
import { COMMAND_NAME_LIST, type CommandName, type EventName } from './names';
import type { ApiResult } from './views';

// The window's API: `api.bottles.prepare({ ... })`, `api.on('terminal.data', listener)`, and the
// builder of it from a transport. Zod-free at run time (its imports of the schemas are types
// only), so the sandboxed preload can load it.

type Namespace<C extends string> = C extends `${infer N}.${string}` ? N : never;
type Method<C extends string, N extends string> = C extends `${N}.${infer M}` ? M : never;

/** Commands whose arguments are all optional may be called without any. */
type NoRequiredArgs = Record<never, never>;
type CommandFunction<C extends CommandName> = NoRequiredArgs extends CommandArgs<C>
  ? (args?: CommandArgs<C>) => Promise<ApiResult<CommandResult<C>>>
  : (args: CommandArgs<C>) => Promise<ApiResult<CommandResult<C>>>;

export type BottleApi = {
  readonly [N in Namespace<CommandName>]: {
    readonly [C in CommandName as C extends `${N}.${string}` ? Method<C, N> : never]: CommandFunction<C>;
  };
} & {
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

// ---------------------------------------------------------------------------------------------
// The WebSocket wire format (browser mode)

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
