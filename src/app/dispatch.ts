import { type ErrorInfo as CoreErrorInfo, toErrorInfo } from '../core/errors';
import { type ApiResult, type CommandName, type ErrorInfo, LIMITS, commands, validateCommand } from '#contract';
import type { CommandTarget } from './bottleService';

// The one gate every message from a window passes (Electron IPC and the WebSocket alike): the
// command must be one the contract lists, its arguments must match its schema, and whatever
// happens, the answer is an ApiResult — a dispatcher never throws.

// The core's errors cross as the contract's ErrorInfo: keep the two in step at compile time.
const _sameErrorShape: ErrorInfo = null as unknown as CoreErrorInfo;
void _sameErrorShape;

export type Dispatch = (message: unknown) => Promise<ApiResult<unknown>>;

export interface DispatcherOptions {
  /** Check each result against the contract before it leaves (on by default; strips anything extra). */
  validateResults?: boolean;
}

export function createDispatcher(service: CommandTarget, options: DispatcherOptions = {}): Dispatch {
  const validateResults = options.validateResults ?? true;
  return async (message) => {
    try {
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        return usage(`a request must be an object { command, args }, not ${describe(message)}`);
      }
      const { command, args } = message as { command?: unknown; args?: unknown };
      const checked = validateCommand(command, args);
      if (!checked.ok) return usage(checked.message);
      const name: CommandName = checked.value.command;
      const data: unknown = await service.handle(name, checked.value.args as never);
      if (!validateResults) return { ok: true, data };
      const result = commands[name].result.safeParse(data);
      if (!result.success) {
        return { ok: false, error: { kind: 'internal', message: `${name} produced a result the contract does not allow: ${result.error.issues[0]?.message ?? 'invalid'} at ${result.error.issues[0]?.path.join('.') ?? ''}` } };
      }
      return { ok: true, data: result.data };
    } catch (error) {
      return { ok: false, error: boundedError(toErrorInfo(error)) };
    }
  };
}

function usage(message: string): ApiResult<never> {
  return { ok: false, error: { kind: 'usage', message: clip(message) } };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** An error crossing to the window stays within the contract's bounds however long the core's message was. */
function boundedError(info: CoreErrorInfo): ErrorInfo {
  const error: ErrorInfo = { kind: info.kind, message: clip(info.message) };
  if (info.hint !== undefined) error.hint = clip(info.hint);
  if (info.issues) {
    error.issues = info.issues.slice(0, 200).map((issue) => ({
      file: clip(issue.file, LIMITS.maxPathChars),
      line: issue.line,
      column: issue.column,
      keyPath: clip(issue.keyPath),
      message: clip(issue.message),
    }));
  }
  return error;
}

function clip(text: string, max: number = LIMITS.maxMessageChars): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
