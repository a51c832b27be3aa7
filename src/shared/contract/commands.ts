import { z } from 'zod';
import { type CommandName, LIMITS, isCommandName } from './names';
import { PruneItemSchema, AgentNameSchema, BottleListSchema, CapabilityRequestViewSchema, RequestIdSchema, BottleStatusSchema, ColsSchema, DoctorCheckSchema, EgressEntrySchema, Empty, PathSchema, PreparedViewSchema, ProjectViewSchema, ProxyStateSchema, RecentProjectSchema, RowsSchema, SecretNameSchema, SlugSchema, text } from './views';

// Commands: window → core, request and response, each with a zod schema for its arguments and its
// result; the main side validates every incoming message against them (src/app/dispatch.ts).

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
  /** The capability requests of a bottle waiting for an answer (a reloaded window asks). */
  'bottles.requests': {
    args: z.strictObject({ slug: SlugSchema }),
    result: z.object({ requests: z.array(CapabilityRequestViewSchema).max(100) }),
  },
  /** Grants or denies a capability request; a grant relaunches the bottle in the same tab when it must. */
  'bottles.answerRequest': {
    args: z.strictObject({ slug: SlugSchema, id: RequestIdSchema, decision: z.enum(['grant', 'deny']) }),
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
  /**
   * Lists what no bottle owns (`remove` unset); with `remove`, removes those of the listed names
   * that are still unowned, and nothing else.
   */
  'app.prune': {
    args: z.strictObject({ remove: z.array(z.strictObject({ kind: PruneItemSchema.shape.kind, name: text(1000) })).max(10_000).optional(), images: z.boolean().optional() }),
    result: z.object({ items: z.array(PruneItemSchema).max(10_000), removed: z.number().int().min(0), failures: z.array(z.object({ name: text(1000), error: text() })).max(10_000) }),
  },
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
   * The secrets stored in the app (encrypted with the OS keychain). Names only, never values.
   * `available` is false where no keychain is reachable (browser mode on a machine without one).
   */
  'secrets.list': {
    args: Empty,
    result: z.object({
      available: z.boolean(),
      names: z.array(SecretNameSchema).max(1000),
      /** Claude's credential as bottles will get it (stored, else the environment's): kind and last 4 only. */
      claude: z.object({ kind: z.enum(['api-key', 'oauth']), last4: text(4), from: text(40) }).nullable().optional(),
    }),
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

export type CommandArgs<C extends CommandName> = z.infer<(typeof commands)[C]['args']>;
export type CommandResult<C extends CommandName> = z.infer<(typeof commands)[C]['result']>;
// The map has exactly the names in names.ts: one missing or one extra is a compile error here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameCommands: Same<keyof typeof commands, CommandName> = true;
void _sameCommands;

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
