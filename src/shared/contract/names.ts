// The names, patterns and bounds of the contract (docs/window.md, "The contract"): no zod, no
// Node, no Electron, so the sandboxed preload, the renderer, the core and the CLI all import them.
// The command and event maps (commands.ts, events.ts) are checked at compile time to have exactly
// these names.

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
  'bottles.requests',
  'bottles.answerRequest',
  'terminal.attach',
  'terminal.input',
  'terminal.resize',
  'terminal.close',
  'terminal.ack',
  'app.doctor',
  'app.prune',
  'images.updateClaude',
  'secrets.list',
  'secrets.set',
  'secrets.delete',
] as const;

export const EVENT_NAME_LIST = ['bottle.status', 'terminal.data', 'bottles.changed', 'projects.changed', 'app.notification', 'ui.request', 'image.progress', 'bottle.egress', 'preflight.network', 'bottle.request', 'bottle.requestSettled'] as const;

export type CommandName = (typeof COMMAND_NAME_LIST)[number];
export type EventName = (typeof EVENT_NAME_LIST)[number];

export const COMMAND_NAMES: readonly CommandName[] = COMMAND_NAME_LIST;
export const EVENT_NAMES: readonly EventName[] = EVENT_NAME_LIST;

const commandNames: ReadonlySet<string> = new Set(COMMAND_NAME_LIST);

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && commandNames.has(value);
}

/** The Electron IPC channel of a command, and the one channel events arrive on. */
export const ipcChannel = (command: CommandName): string => `bottle:${command}`;
export const IPC_EVENT_CHANNEL = 'bottle:event';

// ---------------------------------------------------------------------------------------------
// Patterns the manifest, the state folders, the CLI and the window share.

/** An agent's name in the manifest (docs/manifest.md). */
export const AGENT_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** A bottle's slug: `<agent>-<yyyymmddThhmmss>-<4 hex>`, in UTC. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}-\d{8}T\d{6}-[0-9a-f]{4}$/;
/** A secret's name: an environment variable's name. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---------------------------------------------------------------------------------------------
// Bounds. Every string and number that crosses the boundary is bounded here.

export const LIMITS = {
  /** Longest host path accepted (Linux PATH_MAX). */
  maxPathChars: 4096,
  /** Slugs are `<agent ≤63>-<15>-<4>`: 100 leaves room and still rejects junk. */
  maxSlugChars: 100,
  /** The most agents the window lists for one project (a manifest with more is refused clearly). */
  maxAgents: 10_000,
  /** Agent names have at most 63 characters (docs/manifest.md). */
  maxAgentChars: 63,
  /** One `terminal.input` message: a large paste must be sent in chunks of this size. */
  maxInputChars: 64 * 1024,
  /** Terminal geometry the renderer may ask for (the core clamps further). */
  maxCols: 1000,
  maxRows: 500,
  /** An ack larger than this is a bug on the other side. */
  maxAckChars: 100_000_000,
  /** A WebSocket frame larger than this is refused (a 64 KiB input escaped as JSON fits). */
  maxWireMessageBytes: 1024 * 1024,
  /** Free-text fields the core sends (messages, descriptions). */
  maxMessageChars: 16 * 1024,
  /** A secret stored in the app (the core also checks 16 KiB in UTF-8 bytes). */
  maxSecretValueChars: 16 * 1024,
} as const;

/** Flow-control numbers the renderer needs to know (the core's full set is in src/app). */
export const FLOW = {
  /** The renderer acknowledges written characters in steps of about this many. */
  ackStepChars: 16_000,
} as const;
