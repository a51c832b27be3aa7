import { z } from 'zod';
import { AGENT_NAME_PATTERN, LIMITS, SECRET_NAME_PATTERN, SLUG_PATTERN } from './names';

// The building blocks and the views the core sends the window (docs/window.md, "The contract").

// ---------------------------------------------------------------------------------------------
// Building blocks

export const text = (max: number = LIMITS.maxMessageChars) => z.string().max(max);
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
  .regex(SLUG_PATTERN, 'must be a bottle slug: <agent>-<yyyymmddThhmmss>-<4 hex>');

export const AgentNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.maxAgentChars, `must be at most ${LIMITS.maxAgentChars} characters`)
  .regex(AGENT_NAME_PATTERN, 'must be an agent name (lowercase letters, digits, _ . -)');

/** Secret names are environment variable names, as in the manifest. */
export const SecretNameSchema = z
  .string()
  .max(200, 'must be at most 200 characters')
  .regex(SECRET_NAME_PATTERN, 'must be an environment variable name (letters, digits and _, not starting with a digit)');
export const ColsSchema = z.number().int().min(1).max(LIMITS.maxCols);
export const RowsSchema = z.number().int().min(1).max(LIMITS.maxRows);

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

export const Empty = z.strictObject({});

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
/** What Claude is doing, from its hooks: working on a prompt, waiting for you, or done. */
export const AttentionSchema = z.object({
  state: z.enum(['working', 'waiting', 'done']),
  since: text(40),
  message: text(500).optional(),
});
export type AttentionView = z.infer<typeof AttentionSchema>;

export const RequestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be a request id');

/** A capability the agent asked for with `bottle-request`, with exactly what granting it adds. */
export const CapabilityRequestViewSchema = z.object({
  slug: SlugSchema,
  id: RequestIdSchema,
  agent: text(LIMITS.maxAgentChars),
  capability: text(200),
  /** In the agent's words, control characters made visible. */
  reason: text(4000),
  at: text(40),
  expiresAt: text(40),
  /** The preflight's own rows for what it would grant; `known: false` for a name the agent does not declare. */
  rows: z.array(z.lazy(() => PreflightRowSchema)).max(10),
  known: z.boolean(),
});
export type CapabilityRequestView = z.infer<typeof CapabilityRequestViewSchema>;

export const BottleStatusSchema = z.object({
  slug: SlugSchema,
  agent: text(LIMITS.maxAgentChars),
  status: BottleStatusNameSchema,
  attention: AttentionSchema.optional(),
  /** Capability requests waiting for an answer. */
  pendingRequests: z.number().int().min(0).max(1000).optional(),
  progress: LaunchProgressSchema.optional(),
  /** Set for exited and preserved. */
  exitCode: z.number().int().optional(),
  /** How it ended or failed, in words (`preserved: Claude exited with code 3`). */
  message: text().optional(),
  /** Set for failed. */
  error: ErrorInfoSchema.optional(),
  /**
   * Behind an egress proxy (an allow-list): its tab has room for the egress strip from the first
   * status on, so the terminal has its final size when Claude starts (docs/terminal.md).
   */
  behindProxy: z.boolean().optional(),
});
export type BottleStatus = z.infer<typeof BottleStatusSchema>;

/** A bottle this process runs (or is launching), with what the status bar shows. */
export const SessionViewSchema = BottleStatusSchema.extend({
  projectRoot: PathSchema,
  /** The image reference, or `build: <Dockerfile>`. */
  image: text(),
  /** `none`, `open`, or `allow-list: a.com, b.com`. */
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

/** Something the app made that no bottle owns any more (`claude-bottle prune` lists the same). */
export const PruneItemSchema = z.object({
  kind: z.enum(['container', 'sidecar', 'network', 'image', 'volume', 'state']),
  name: text(1000),
  why: text(2000),
  sizeBytes: z.number().min(0).optional(),
});
export type PruneItemView = z.infer<typeof PruneItemSchema>;

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
