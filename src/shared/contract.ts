import { z } from 'zod';
import { COMMAND_NAME_LIST, EVENT_NAME_LIST } from './api';

export { createBottleApi, IPC_EVENT_CHANNEL, ipcChannel, type Invoke, type Subscribe } from './api';

// The one contract between the window (renderer) and the core (Electron main, or `serve`).
//
// Every command the renderer may call and every event the core may send is listed here once, with
// a zod schema for its arguments and its result. The renderer's API type (`BottleApi`) is derived
// from these schemas; the main side validates every incoming message against them (see
// `src/app/dispatch.ts`). This module imports neither Node nor Electron: both tsconfigs compile it.
//
// ## Transports — two carriers of the same contract
//
// Electron IPC (preload `window.bottle`, `src/preload/index.ts`):
//   command  → `ipcRenderer.invoke('bottle:<command>', args)` resolves to an `ApiResult`
//   event    ← channel `bottle:event` carrying `{ event, payload }`
//
// WebSocket (browser mode, `ws://127.0.0.1:<port>/api` on the page's own origin; the HttpOnly
// cookie set when the page was opened with `?token=` authenticates it, `?token=` works too; any
// other Origin is refused), JSON text frames:
//   request  → `{ "id": 7, "command": "bottles.list", "args": {} }`       (`WireRequestSchema`)
//   response ← `{ "id": 7, "result": { "ok": true, "data": { ... } } }`   (`WireResponse`)
//   event    ← `{ "event": "terminal.data", "payload": { ... } }`         (`WireEvent`)
//   `id` is chosen by the client (an integer, unique among its pending requests); every request
//   gets exactly one response with the same id. A frame that is not valid JSON or not a request
//   is answered with `{ id: null, result: { ok: false, error: { kind: 'usage', ... } } }`.
//   Frames larger than `LIMITS.maxWireMessageBytes` close the socket (code 1009).
//
// ## Terminal data path (see `terminal.*`)
//   The core batches output (a few ms) and sends `terminal.data` events. The renderer writes them
//   to xterm.js and acknowledges the characters it has written with `terminal.ack`, in steps of
//   about `FLOW.ackStepChars`; the core pauses the pty while too much is unacknowledged.
//   `terminal.attach` (on tab open and after a reload) answers with the recent output to replay
//   and resets the unacknowledged count; replayed text needs no ack.

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
  ackStepChars: 5_000,
} as const;

// ---------------------------------------------------------------------------------------------
// Building blocks

const text = (max: number = LIMITS.maxMessageChars) => z.string().max(max);
const noNul = (value: string): boolean => !value.includes('\0');

export const PathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.maxPathChars, `must be at most ${LIMITS.maxPathChars} characters`)
  .refine(noNul, 'must not contain NUL characters');

export const SlugSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.maxSlugChars, `must be at most ${LIMITS.maxSlugChars} characters`)
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}-\d{8}T\d{6}-[0-9a-f]{4}$/, 'must be a bottle slug: <agent>-<yyyymmddThhmmss>-<4 hex>');

export const AgentNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.maxAgentChars, `must be at most ${LIMITS.maxAgentChars} characters`)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be an agent name (lowercase letters, digits, _ . -)');

/** Secret names are environment variable names, as in the manifest. */
const SecretNameSchema = z
  .string()
  .max(200, 'must be at most 200 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits and _, not starting with a digit)');
const ColsSchema = z.number().int().min(1).max(LIMITS.maxCols);
const RowsSchema = z.number().int().min(1).max(LIMITS.maxRows);

export const ErrorKindSchema = z.enum([
  'manifest',
  'docker-unavailable',
  'image-missing',
  'build-failed',
  'container-failed',
  'network-failed',
  'state',
  'not-found',
  'unsupported',
  'cancelled',
  'usage',
  'internal',
]);
export type ErrorKind = z.infer<typeof ErrorKindSchema>;

export const ManifestIssueSchema = z.object({
  file: text(LIMITS.maxPathChars),
  /** 1-based; 0 when the problem has no position (the file is missing). */
  line: z.number().int().min(0),
  column: z.number().int().min(0),
  keyPath: text(),
  message: text(),
});
export type ManifestIssue = z.infer<typeof ManifestIssueSchema>;

export const ErrorInfoSchema = z.object({
  kind: ErrorKindSchema,
  message: text(),
  hint: text().optional(),
  /** Set for kind 'manifest': each problem with its file, line and column. */
  issues: z.array(ManifestIssueSchema).max(200).optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

/** Every command answers with this envelope, so errors cross the boundary intact. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ErrorInfo };

export const apiResultSchema = <T extends z.ZodType>(data: T) =>
  z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), data }), z.object({ ok: z.literal(false), error: ErrorInfoSchema })]);

const Empty = z.strictObject({});

// ---------------------------------------------------------------------------------------------
// Views the core sends

export const AgentViewSchema = z.object({
  name: text(LIMITS.maxAgentChars),
  description: text(),
  /** An image reference, or `build: <Dockerfile>`. */
  image: text(),
  /** In words: `network:open`, `network:none`, `network:allow-list`, `rw-mounts`, `secrets:2`, `DANGEROUS`. */
  badges: z.array(text(100)).max(20),
  /** Secret names the manifest asks for that have no value on this host. */
  missingSecrets: z.array(text(200)).max(100),
  secrets: z.array(text(200)).max(100),
  network: z.enum(['none', 'open', 'allow']),
  /** The project mode: mount-rw, mount-ro, copy, none. */
  project: z.enum(['mount-rw', 'mount-ro', 'copy', 'none']),
  dangerous: z.boolean(),
  /** The manifest's default for the remote-control toggle. */
  remoteControl: z.boolean(),
});
export type AgentView = z.infer<typeof AgentViewSchema>;

export const ProjectViewSchema = z.object({
  /** The folder holding claude-bottle.json. */
  root: PathSchema,
  manifestFile: PathSchema,
  /** The folder's name, for tabs and the tray. */
  name: text(),
  agents: z.array(AgentViewSchema).max(LIMITS.maxAgents),
});
export type ProjectView = z.infer<typeof ProjectViewSchema>;

export const RecentProjectSchema = z.object({
  root: PathSchema,
  name: text(),
  /** ISO time of the last open. */
  openedAt: text(40),
  /** Agent names at the last successful open (for the tray's quick-start). */
  agents: z.array(text(LIMITS.maxAgentChars)).max(500),
});
export type RecentProject = z.infer<typeof RecentProjectSchema>;

export const ToneSchema = z.enum(['normal', 'muted', 'good', 'warn', 'danger']);
export const PreflightRowSchema = z.object({
  label: text(100),
  lines: z.array(z.object({ text: text(), tone: ToneSchema })).max(500),
});
export type PreflightRow = z.infer<typeof PreflightRowSchema>;

/** A prepared bottle waiting for Confirm or Cancel: exactly the rows the CLI prints. */
export const PreparedViewSchema = z.object({
  slug: SlugSchema,
  agent: text(LIMITS.maxAgentChars),
  projectRoot: PathSchema,
  resume: z.boolean(),
  options: z.object({ copyProject: z.boolean(), remoteControl: z.boolean() }),
  title: text(),
  subtitle: text(),
  rows: z.array(PreflightRowSchema).max(100),
  /** Shown in red; a person must read them before confirming. */
  warnings: z.array(text()).max(100),
});
export type PreparedView = z.infer<typeof PreparedViewSchema>;

export const BottleStatusNameSchema = z.enum(['building', 'starting', 'running', 'exited', 'preserved', 'failed']);
export type BottleStatusName = z.infer<typeof BottleStatusNameSchema>;

export const LaunchProgressSchema = z.object({
  stage: z.enum(['checking', 'image', 'building', 'network', 'starting', 'attaching']),
  message: text(),
  /** 0..1 when it can be estimated (image builds). */
  fraction: z.number().min(0).max(1).optional(),
});
export type LaunchProgressView = z.infer<typeof LaunchProgressSchema>;

/** The status of one bottle this process runs; also the payload of the `bottle.status` event. */
export const BottleStatusSchema = z.object({
  slug: SlugSchema,
  agent: text(LIMITS.maxAgentChars),
  status: BottleStatusNameSchema,
  progress: LaunchProgressSchema.optional(),
  /** Set for exited and preserved. */
  exitCode: z.number().int().optional(),
  /** How it ended or failed, in words (`preserved: Claude exited with code 3`). */
  message: text().optional(),
  /** Set for failed. */
  error: ErrorInfoSchema.optional(),
});
export type BottleStatus = z.infer<typeof BottleStatusSchema>;

/** A bottle this process runs (or is launching), with what the status bar shows. */
export const SessionViewSchema = BottleStatusSchema.extend({
  projectRoot: PathSchema,
  /** The image reference, or `build: <Dockerfile>`. */
  image: text(),
  /** `none`, `open`, or `only a.com, b.com`. */
  network: text(),
  /** ISO time the launch was confirmed. */
  startedAt: text(40),
});
export type SessionView = z.infer<typeof SessionViewSchema>;

/** One request a bottle's egress proxy allowed, refused or could not complete. */
export const EgressEntrySchema = z.object({
  time: text(40),
  method: text(32),
  /** What the bottle asked for: shown escaped. */
  host: text(255),
  port: z.number().int().min(0).max(65535),
  verdict: z.enum(['allowed', 'refused', 'failed']),
  reason: text(1000).optional(),
  anthropic: z.boolean().optional(),
  bytesUp: z.number().int().min(0),
  bytesDown: z.number().int().min(0),
});
export type EgressEntryView = z.infer<typeof EgressEntrySchema>;

/** `none`: the bottle has no allow-list; `up` / `down`: its egress proxy runs, or died (no network). */
export const ProxyStateSchema = z.enum(['none', 'up', 'down']);
export type ProxyState = z.infer<typeof ProxyStateSchema>;

/** A running container no live session of this process is attached to. */
export const DetachedViewSchema = z.object({
  slug: SlugSchema,
  agent: text(LIMITS.maxAgentChars),
  projectRoot: text(LIMITS.maxPathChars),
  containerName: text(200),
  containerState: text(40),
  /**
   * `dead`: the process that started it died (Re-attach or Stop);
   * `other-process`: a live CLI or other app owns it (Stop only);
   * `no-state`: its state folder is gone (Stop only).
   */
  owner: z.enum(['dead', 'other-process', 'no-state']),
});
export type DetachedView = z.infer<typeof DetachedViewSchema>;

export const PreservedViewSchema = z.object({
  slug: SlugSchema,
  agent: text(LIMITS.maxAgentChars),
  projectRoot: PathSchema,
  /** ISO time it was preserved (or last updated, for an interrupted one). */
  at: text(40),
  reason: z.enum(['exit', 'capability', 'interrupted', 'keep']),
  /** Why, in words. */
  detail: text(),
  exitCode: z.number().int().optional(),
  grantedCapabilities: z.array(text(200)).max(100),
  sessions: z.number().int().min(0),
});
export type PreservedView = z.infer<typeof PreservedViewSchema>;

export const BottleListSchema = z.object({
  /** Bottles this process launched or re-attached, in launch order. */
  sessions: z.array(SessionViewSchema).max(1000),
  detached: z.array(DetachedViewSchema).max(1000),
  /** Preserved bottles and bottles whose owner died after their container went away. */
  preserved: z.array(PreservedViewSchema).max(10_000),
  /** State folders that could not be read; Discard removes them. */
  corrupt: z.array(z.object({ slug: text(LIMITS.maxPathChars), message: text() })).max(10_000),
  /** Set when the Docker engine could not be asked: `detached` is then empty, the rest comes from the state folders. */
  dockerProblem: ErrorInfoSchema.optional(),
});
export type BottleList = z.infer<typeof BottleListSchema>;

/** One first-run check (`claude-bottle doctor` prints the same). */
export const DoctorCheckSchema = z.object({
  id: z.enum(['docker', 'docker-cli', 'disk', 'credentials', 'base-image']),
  status: z.enum(['ok', 'warn', 'fail']),
  title: text(200),
  detail: text(),
  /** The next step, when there is one. */
  fix: text().optional(),
});
export type DoctorCheckView = z.infer<typeof DoctorCheckSchema>;

/** A line of the built-in base image's build ("Update Claude Code"); also the `image.progress` event. */
export const ImageProgressSchema = z.object({
  /** The image being built, once known. */
  tag: text(300).optional(),
  message: text(),
  /** 0..1 when it can be estimated. */
  fraction: z.number().min(0).max(1).optional(),
  /** The last event of a build: it succeeded (with `tag`) or failed (with `error`). */
  done: z.boolean().optional(),
  error: ErrorInfoSchema.optional(),
});
export type ImageProgressView = z.infer<typeof ImageProgressSchema>;

/**
 * How `projects.open` reports a folder with no claude-bottle.json in it or above it (the core's
 * `loadManifest`): a manifest error whose one issue has no position and says so. The window then
 * offers to create one (`projects.init`) in `issues[0].file`, the folder that was searched.
 */
export function noManifestFolder(error: ErrorInfo): string | undefined {
  const issue = error.issues?.length === 1 ? error.issues[0] : undefined;
  if (error.kind !== 'manifest' || !issue || issue.line !== 0) return undefined;
  return /^no claude-bottle\.json in /.test(issue.message) ? issue.file : undefined;
}

// ---------------------------------------------------------------------------------------------
// Commands: renderer → core, request / response

export const commands = {
  /** Version, transport and the folder to open first (the folder the app was started in). */
  'app.info': {
    args: Empty,
    result: z.object({
      version: text(40),
      transport: z.enum(['electron', 'browser']),
      platform: text(40),
      stateRoot: PathSchema,
      /** `--open-project` / the folder the app was started in, if it holds (or is inside) a project. */
      initialProject: PathSchema.nullable(),
    }),
  },
  'projects.recent': {
    args: Empty,
    result: z.object({ projects: z.array(RecentProjectSchema).max(50) }),
  },
  /** Finds the manifest from `dir` upwards. A bad manifest answers `{ ok: false, error: { kind: 'manifest', issues } }`. */
  'projects.open': {
    args: z.strictObject({ dir: PathSchema }),
    result: ProjectViewSchema,
  },
  /**
   * Writes a starter claude-bottle.json (one agent on `builtin:base`) into `dir` and opens it.
   * An existing manifest is never replaced: that answers kind 'usage'.
   */
  'projects.init': {
    args: z.strictObject({ dir: PathSchema }),
    result: ProjectViewSchema,
  },
  /** The open-folder dialog (Electron only; browser mode answers kind 'unsupported'). `null` when cancelled. */
  'projects.pickFolder': {
    args: Empty,
    result: z.object({ dir: PathSchema.nullable() }),
  },
  /** Plans a new bottle and creates its state; nothing starts until `bottles.confirm`. */
  'bottles.prepare': {
    args: z.strictObject({
      projectDir: PathSchema,
      agent: AgentNameSchema,
      copyProject: z.boolean(),
      remoteControl: z.boolean(),
    }),
    result: PreparedViewSchema,
  },
  /** Plans the resume of a preserved (or interrupted) bottle, with `--continue`. */
  'bottles.prepareResume': {
    args: z.strictObject({ slug: SlugSchema }),
    result: PreparedViewSchema,
  },
  /** Cancels a prepared bottle: nothing was started; a new bottle leaves no state. */
  'bottles.cancel': {
    args: z.strictObject({ slug: SlugSchema }),
    result: z.object({}),
  },
  /**
   * Launches a prepared bottle. Answers as soon as the launch has begun; `bottle.status` events
   * then report building / starting / running / failed. Open the tab and `terminal.attach`.
   */
  'bottles.confirm': {
    args: z.strictObject({ slug: SlugSchema, cols: ColsSchema, rows: RowsSchema }),
    result: BottleStatusSchema,
  },
  'bottles.list': {
    args: Empty,
    result: BottleListSchema,
  },
  /** Snapshot, teardown, settle. `keep` preserves the bottle to resume later. */
  'bottles.stop': {
    args: z.strictObject({ slug: SlugSchema, keep: z.boolean() }),
    result: z.object({ slug: SlugSchema, preserved: z.boolean() }),
  },
  /** Removes a preserved (or corrupt) bottle's state. */
  'bottles.discard': {
    args: z.strictObject({ slug: SlugSchema }),
    result: z.object({}),
  },
  /** Attaches to the Claude still running in a detached bottle's container (the same process). */
  'bottles.reattach': {
    args: z.strictObject({ slug: SlugSchema, cols: ColsSchema.optional(), rows: RowsSchema.optional(), takeOver: z.boolean().optional() }),
    result: BottleStatusSchema,
  },
  /** A bottle's egress: the proxy's state and its latest log entries (newest last). */
  'bottles.egress': {
    args: z.strictObject({ slug: SlugSchema }),
    result: z.object({ proxy: ProxyStateSchema, entries: z.array(EgressEntrySchema).max(1000) }),
  },
  /**
   * Adds a host (one the proxy refused) to the bottle's agent's allow-list in claude-bottle.json,
   * keeping the file's comments and layout. It applies the next time the bottle starts.
   */
  'bottles.allowHost': {
    args: z.strictObject({ slug: SlugSchema, host: z.string().min(1).max(300) }),
    result: z.object({ manifest: PathSchema, hosts: z.array(text(300)).max(1000), changed: z.boolean() }),
  },
  /** Starts a bottle's egress proxy again after it died (the bottle had no network meanwhile). */
  'bottles.restartProxy': {
    args: z.strictObject({ slug: SlugSchema }),
    result: z.object({}),
  },
  /** Joins a bottle's terminal: recent output to replay, and its status. Resets flow control. */
  'terminal.attach': {
    args: z.strictObject({ slug: SlugSchema }),
    result: z.object({ slug: SlugSchema, replay: z.string(), status: BottleStatusSchema }),
  },
  /** Keystrokes and pastes (chunk pastes longer than `LIMITS.maxInputChars`). */
  'terminal.input': {
    args: z.strictObject({ slug: SlugSchema, data: z.string().min(1).max(LIMITS.maxInputChars, `must be at most ${LIMITS.maxInputChars} characters (send a long paste in chunks)`) }),
    result: z.object({}),
  },
  'terminal.resize': {
    args: z.strictObject({ slug: SlugSchema, cols: ColsSchema, rows: RowsSchema }),
    result: z.object({}),
  },
  /**
   * The tab of an ended bottle (exited, preserved, failed) was closed: forget its terminal and drop
   * it from `sessions`. A bottle still running is refused (stop it, or just close the tab: it runs on).
   */
  'terminal.close': {
    args: z.strictObject({ slug: SlugSchema }),
    result: z.object({}),
  },
  /** The first-run checks: Docker, the docker CLI, disk, credentials, the base image. Docker being down is a failed check, not an error. */
  'app.doctor': {
    args: Empty,
    result: z.object({ checks: z.array(DoctorCheckSchema).max(50) }),
  },
  /**
   * "Update Claude Code": rebuilds the built-in base image with the newest Claude Code from npm.
   * Answers when the build has ended (minutes); `image.progress` events report it meanwhile. A
   * second call while one runs joins it.
   */
  'images.updateClaude': {
    args: Empty,
    result: z.object({ tag: text(300), claudeCodeVersion: text(100).optional() }),
  },
  /**
   * The secrets stored in the app (desktop app only: encrypted with the OS keychain). Names only,
   * never values. `available` is false in browser mode, where nothing can be stored.
   */
  'secrets.list': {
    args: Empty,
    result: z.object({ available: z.boolean(), names: z.array(SecretNameSchema).max(1000) }),
  },
  /** Stores one secret's value (refused where `secrets.list` says unavailable); the agents' missing secrets refresh. */
  'secrets.set': {
    args: z.strictObject({
      name: SecretNameSchema,
      value: z
        .string()
        .min(1, 'must not be empty')
        .max(LIMITS.maxSecretValueChars, `must be at most ${LIMITS.maxSecretValueChars} characters`)
        .refine((value) => !value.includes('\0'), 'must not contain a NUL character'),
    }),
    result: z.object({}),
  },
  /** Forgets a stored secret. */
  'secrets.delete': {
    args: z.strictObject({ name: SecretNameSchema }),
    result: z.object({ deleted: z.boolean() }),
  },
  /** Characters of `terminal.data` the renderer has written to the terminal. */
  'terminal.ack': {
    args: z.strictObject({ slug: SlugSchema, chars: z.number().int().min(1).max(LIMITS.maxAckChars) }),
    result: z.object({}),
  },
} as const satisfies Record<string, { args: z.ZodType; result: z.ZodType }>;

export type CommandName = keyof typeof commands;
export type CommandArgs<C extends CommandName> = z.infer<(typeof commands)[C]['args']>;
export type CommandResult<C extends CommandName> = z.infer<(typeof commands)[C]['result']>;
export const COMMAND_NAMES: readonly CommandName[] = COMMAND_NAME_LIST;

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && Object.hasOwn(commands, value);
}

// ---------------------------------------------------------------------------------------------
// Events: core → renderer

/** What the app menu and the tray ask the window to do. */
export const UiRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('new-bottle') }),
  z.object({ action: z.literal('close-tab') }),
  z.object({ action: z.literal('next-tab') }),
  z.object({ action: z.literal('previous-tab') }),
  z.object({ action: z.literal('zoom'), direction: z.enum(['in', 'out', 'reset']) }),
  /** Open a project (menu "Open Folder…" after the dialog, or a second app instance's folder). */
  z.object({ action: z.literal('open-project'), dir: PathSchema }),
  /** Tray quick-start: open this agent's preflight (never launch directly). */
  z.object({ action: z.literal('start-agent'), projectDir: PathSchema, agent: AgentNameSchema }),
  /** Tray: show this bottle's tab. */
  z.object({ action: z.literal('focus-bottle'), slug: SlugSchema }),
  /** Tray: open the resume preflight of this preserved bottle. */
  z.object({ action: z.literal('resume-bottle'), slug: SlugSchema }),
]);
export type UiRequest = z.infer<typeof UiRequestSchema>;

export const NotificationSchema = z.object({
  kind: z.enum(['exited', 'crashed', 'preserved', 'failed', 'attention']),
  slug: SlugSchema,
  title: text(200),
  body: text(),
});
export type BottleNotification = z.infer<typeof NotificationSchema>;

export const events = {
  /** A bottle's status changed (launch progress included). */
  'bottle.status': BottleStatusSchema,
  /** Batched terminal output; acknowledge with `terminal.ack`. */
  'terminal.data': z.object({ slug: SlugSchema, data: z.string() }),
  /** Something in `bottles.list` changed: fetch it again. */
  'bottles.changed': z.object({}),
  /** The recent-projects list changed. */
  'projects.changed': z.object({}),
  /** Something a person should notice (Electron shows it natively too). */
  'app.notification': NotificationSchema,
  /** The app menu or the tray asks the window to do something. */
  'ui.request': UiRequestSchema,
  /** A built-in base image build ("Update Claude Code") made progress, ended, or failed. */
  'image.progress': ImageProgressSchema,
  /** New egress log entries of a bottle, batched; or its proxy died or came back. */
  'bottle.egress': z.object({ slug: SlugSchema, proxy: ProxyStateSchema, entries: z.array(EgressEntrySchema).max(1000) }),
} as const satisfies Record<string, z.ZodType>;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;
export const EVENT_NAMES: readonly EventName[] = EVENT_NAME_LIST;

// api.ts lists the names without zod (for the preload): both lists must be exactly these maps' keys.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameCommands: Same<CommandName, (typeof COMMAND_NAME_LIST)[number]> = true;
const _sameEvents: Same<EventName, (typeof EVENT_NAME_LIST)[number]> = true;
void _sameCommands;
void _sameEvents;

// ---------------------------------------------------------------------------------------------
// The renderer's API: `api.bottles.prepare({ ... })`, `api.on('terminal.data', listener)`.

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

export const WireRequestSchema = z.strictObject({
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  command: z.string().max(100),
  args: z.unknown(),
});
export type WireRequest = z.infer<typeof WireRequestSchema>;
export interface WireResponse {
  id: number | null;
  result: ApiResult<unknown>;
}
export interface WireEvent<E extends EventName = EventName> {
  event: E;
  payload: EventPayload<E>;
}


// ---------------------------------------------------------------------------------------------
// Validation with messages that say what and where

/** `bottles.prepare: args.agent: expected string, received number`. */
export function describeZodError(where: string, error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length > 0 ? `.${issue.path.map(String).join('.')}` : '';
    return `args${path}: ${issue.message}`;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return `${where}: ${parts.join('; ')}${more}`;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; message: string };

/** Checks an untrusted `{ command, args }` against the contract. */
export function validateCommand(command: unknown, args: unknown): Validated<{ command: CommandName; args: CommandArgs<CommandName> }> {
  if (!isCommandName(command)) {
    const shown = typeof command === 'string' ? JSON.stringify(command.slice(0, 100)) : typeof command;
    return { ok: false, message: `unknown command ${shown}` };
  }
  const parsed = commands[command].args.safeParse(args ?? {});
  if (!parsed.success) return { ok: false, message: describeZodError(command, parsed.error) };
  return { ok: true, value: { command, args: parsed.data as CommandArgs<CommandName> } };
}
