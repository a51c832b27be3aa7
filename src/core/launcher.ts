import { createHash } from 'node:crypto';
import { isBuiltinImage, ensureBuiltinBaseImage } from './builtin/baseImage';
import { type CoreContext, isOwnerAlive } from './context';
import { checkOwnership, createBottleContainer, removeBottleContainer, removeStoppedContainer } from './docker/containers';
import { dockerEndpoint, engineRefusesConnections, pingDocker } from './docker/client';
import { buildCopyProjectImage, buildImage, ensureImage, IMAGE_LABELS, imageExists } from './docker/images';
import type { BuildProgress } from './docker/progress';
import { BottleError } from './errors';
import { LABELS } from './labels';
import { loadManifest } from './manifest/load';
import { type BottlePlan, CLAUDE_CONFIG_DIR_IN_BOTTLE, type LaunchOptions, preparePlan } from './plan/plan';
import type { ProjectMode } from './manifest/schema';
import type { NetworkPolicy } from './manifest/types';
import { type ConfirmedPlan, confirmedPlanOf, describeChanges } from './plan/confirmedPlan';
import { containerNameFor, makeSlug } from './plan/slug';
import { attachClaudeSession, openSecretsDelivery, type SecretsDelivery } from './session/attachedSession';
import { type ClaudeSession, startClaudeSession } from './session/claudeSession';
import type { BottleRecord, PreservedReason } from './state/bottleRecord';
import { hasConversation, snapshotTranscript } from './state/transcripts';
import { seedClaudeStorage } from './claude/seedStorage';
import { inheritClaudeSetup } from './claude/inherit';
import { checkClaudeStorageAccess, shareClaudeStorage } from './state/claudeStorage';
import { claimAttachment, releaseAttachment } from './state/attachClaim';
import { imageHasClaudeShell, NO_SHELL_WARNING } from './docker/imagePasswd';
import { launchUser, resolvePlanUser } from './plan/planUser';
import { showUntrusted } from './text/untrusted';
import { userClaudeTheme } from './claude/userConfig';
import { type BottleNetwork, makeNetworkAhead, type OpenedEgress, openBottleEgress, reconnectBottleEgress, removeBottleEgress } from './network/egressForBottle';
import type { EgressCheck } from './network/egressSelfCheck';
import type { BottleEgress } from './network/bottleEgress';
import { containerRanOutOfMemory } from './docker/oom';
import { formatBytes } from './plan/preflight';
import { BottleHoldings } from './lifecycle/bottleHoldings';
import { channelFolders, IN_BOTTLE } from './channel/layout';
import { createChannelFolders } from './channel/controlChannel';
import { writeHelpers } from './channel/helperScripts';
import { type BottleChannel, openBottleChannel } from './channel/bottleChannel';

// The launch core (docs/architecture.md): resolve → prepare → (preflight, by the caller) → launch →
// attach → capture → teardown → settle. Every front door calls these functions; none of them
// talks to a person, so the window, the CLI and tests share one code path.

export interface PreparedBottle {
  plan: BottlePlan;
  record: BottleRecord;
  /** The bottle's network, made while the preflight is read (`makeAheadOfConfirm`). */
  networkAhead?: Promise<BottleNetwork | undefined>;
}

export type LaunchStage = 'checking' | 'image' | 'building' | 'network' | 'starting' | 'attaching';

export interface LaunchProgress {
  stage: LaunchStage;
  message: string;
  build?: BuildProgress;
}

export interface LaunchHooks {
  onProgress?: (progress: LaunchProgress) => void;
  signal?: AbortSignal;
  /** Initial terminal size. */
  cols?: number;
  rows?: number;
  /**
   * The terminal's size when Claude's session attaches, if it may have changed since the launch
   * began (a window that fitted its new tab meanwhile): Claude then starts at that size instead of
   * being resized, and redrawn, right after its first screen. Wins over `cols`/`rows`.
   */
  size?: () => { cols: number; rows: number };
}

export interface BottleOutcome {
  slug: string;
  exitCode: number;
  preserved: boolean;
  /** Why it was preserved, or how it ended, in words for the tab and the terminal. */
  summary: string;
  reason?: PreservedReason;
  transcript?: string;
  /** Set when the container could not be removed (the daemon went away): the state is kept. */
  teardownError?: string;
  /** `out of memory (limit 4 GiB)` when the memory limit killed the session. */
  outOfMemory?: string;
  /** Set when the Docker engine went away under the session (stopped, restarted, crashed): why, in words. */
  engineStopped?: string;
}

export interface RunningBottle {
  plan: BottlePlan;
  session: ClaudeSession;
  /** Requests from the bottle (`bottle-request`) and Claude's attention state, from its hooks. */
  channel: BottleChannel;
  /** The egress sidecar of a bottle with an allow-list: its log, and word when it dies. */
  egress?: BottleEgress;
  /** Resolves after capture, teardown and settle. */
  outcome: Promise<BottleOutcome>;
  /** Ends the session from this process; `keep` preserves the bottle. */
  stop(options?: { keep?: boolean; reason?: PreservedReason }): Promise<BottleOutcome>;
}

export interface StartRequest {
  /** A folder inside the project, or the manifest file itself. */
  projectDir: string;
  agent: string;
  options?: LaunchOptions;
}

/** Resolve + prepare for a new bottle: the plan, and a state folder holding only its record. */
export async function prepareStart(ctx: CoreContext, request: StartRequest): Promise<PreparedBottle> {
  const loaded = await loadManifest(request.projectDir);
  const options = { copyProject: request.options?.copyProject === true, remoteControl: request.options?.remoteControl };
  const slug = makeSlug(request.agent);
  const plan = preparePlan({
    loaded,
    agentName: request.agent,
    slug,
    options,
    stateRoot: ctx.store.root,
    claudeStorage: ctx.store.claudeDir(slug),
    secrets: ctx.secrets,
  });
  await resolvePlanUser(ctx.docker, plan);
  // A bottle that could not write its Claude storage is refused before the preflight.
  if (plan.runAs) checkClaudeStorageAccess(plan.runAs);
  await warnWithoutShell(ctx, plan);
  const now = new Date().toISOString();
  const record: BottleRecord = {
    version: 1,
    slug,
    agent: plan.agent,
    projectRoot: plan.projectRoot,
    manifestFile: plan.manifestFile,
    containerName: plan.containerName,
    createdAt: now,
    updatedAt: now,
    status: 'prepared',
    options: { copyProject: plan.copyProject, remoteControl: plan.claude.remoteControl },
    grantedCapabilities: [],
    sessions: 0,
    owner: ctx.owner,
  };
  await ctx.store.create(record);
  return { plan, record };
}

/** The preflight warns when an image already here has no bash or zsh (a build is checked at launch). */
async function warnWithoutShell(ctx: CoreContext, plan: BottlePlan): Promise<void> {
  if (plan.image.kind !== 'image' || isBuiltinImage(plan.image.ref)) return;
  const ref = plan.image.ref;
  const present = await imageExists(ctx.docker, ref).catch(() => false);
  if (present && !(await imageHasClaudeShell(ctx.docker, ref).catch(() => true))) plan.warnings.push(NO_SHELL_WARNING);
}

/** Resolve + prepare a resume: the same agent, mounts, grants and Claude storage, with --continue. */
export async function prepareResume(ctx: CoreContext, slug: string): Promise<PreparedBottle> {
  const record = await ctx.store.read(slug);
  if (record.status !== 'preserved') {
    if (isOwnerAlive(record.owner)) {
      throw new BottleError('usage', `bottle ${slug} is ${record.status} in process ${record.owner?.pid}`, 'stop it first, or re-attach to it from the app');
    }
    // Its owner died mid-session. If its Claude still runs, it is attached to, never replaced.
    const running = await ctx.docker
      .getContainer(containerNameFor(slug))
      .inspect()
      .then((info) => info.State.Running, () => false);
    if (running) throw new BottleError('usage', `bottle ${slug} is still running (its app or terminal went away)`, `attach to it: claude-bottle attach ${slug} (or Re-attach in the window)`);
  }
  const plan = await planFromRecord(ctx, record);
  // What changed since the user last confirmed: the manifest may be the agent's to edit.
  if (record.confirmedPlan) plan.changes = describeChanges(record.confirmedPlan, confirmedPlanOf(plan));
  return { plan, record };
}

/** The plan of an existing bottle: its recorded agent, options and grants, continuing its conversation. */
async function planFromRecord(ctx: CoreContext, record: BottleRecord): Promise<BottlePlan> {
  const plan = preparePlan({
    loaded: await loadManifest(record.manifestFile),
    agentName: record.agent,
    slug: record.slug,
    options: record.options,
    stateRoot: ctx.store.root,
    claudeStorage: ctx.store.claudeDir(record.slug),
    secrets: ctx.secrets,
    grantedCapabilities: record.grantedCapabilities,
    resume: { continueConversation: await hasConversation(ctx.store, record.slug) },
  });
  await resolvePlanUser(ctx.docker, plan);
  if (plan.runAs) checkClaudeStorageAccess(plan.runAs);
  return plan;
}

/** A re-attach's plan, from what was recorded when the user confirmed the launch (no manifest read). */
function planFromConfirmed(ctx: CoreContext, record: BottleRecord, confirmed: ConfirmedPlan): BottlePlan {
  const network: NetworkPolicy = confirmed.allowHosts ? { mode: 'allow', hosts: confirmed.allowHosts } : confirmed.network === 'none' ? { mode: 'none' } : { mode: 'open' };
  const limits = confirmed.limits ?? { memory: 0, cpus: 1, pids: 512 };
  return {
    slug: record.slug,
    agent: record.agent,
    description: '',
    projectRoot: record.projectRoot,
    manifestFile: record.manifestFile,
    containerName: containerNameFor(record.slug),
    resume: true,
    continueConversation: true,
    image: { kind: 'image', ref: record.image ?? confirmed.image },
    copyProject: record.options.copyProject,
    project: confirmed.project as ProjectMode,
    ...(confirmed.user !== undefined ? { user: confirmed.user } : {}),
    workdir: confirmed.workdir,
    mounts: [],
    env: confirmed.env,
    secrets: confirmed.secrets.map((name) => ({ name, available: ctx.secrets.whereIs(name) !== undefined, origin: 'agent' as const })),
    network,
    resources: limits,
    hardening: { capDrop: 'ALL', noNewPrivileges: true, privileged: false, init: true, dockerSocket: false },
    labels: { [LABELS.slug]: record.slug, [LABELS.agent]: record.agent, [LABELS.project]: record.projectRoot, [LABELS.home]: ctx.store.root },
    claude: { args: confirmed.claudeArgs, remoteControl: record.options.remoteControl, configDir: CLAUDE_CONFIG_DIR_IN_BOTTLE },
    grantedCapabilities: confirmed.grantedCapabilities,
    requestable: confirmed.requestable ?? [],
    claudeApi: network.mode === 'allow' ? { via: 'proxy' } : { via: 'bottle' },
    dangerous: confirmed.dangerous,
    warnings: [],
    changes: [],
  };
}

/**
 * While a person reads the preflight (not for --yes or a dry run): what a launch would otherwise
 * wait for is made ahead, behind an allow-list the bottle's network. It holds no credential, no
 * policy and nothing of the agent; cancelling removes it. See docs/network.md.
 */
export function makeAheadOfConfirm(ctx: CoreContext, prepared: PreparedBottle): void {
  if (prepared.plan.network.mode !== 'allow' || prepared.networkAhead) return;
  prepared.networkAhead = makeNetworkAhead({ docker: ctx.docker, slug: prepared.plan.slug, labels: prepared.plan.labels });
  prepared.networkAhead.catch(() => undefined);
}

/**
 * What the network made ahead has checked while the preflight is read (a direct connection and a
 * DNS lookup from the bottle's namespace fail); undefined when none was made, or its holder was not.
 */
export async function isolationCheckedAhead(prepared: PreparedBottle): Promise<EgressCheck | undefined> {
  const network = await prepared.networkAhead?.catch(() => undefined);
  return network?.holder.then(
    (holder) => holder.isolation,
    () => undefined,
  );
}

/** Removes what was made ahead of a launch that will not use it. */
async function discardAhead(prepared: PreparedBottle): Promise<void> {
  const ahead = prepared.networkAhead;
  prepared.networkAhead = undefined;
  await (await ahead?.catch(() => undefined))?.dispose();
}

/** A cancelled preflight or a dry run: nothing was started; a new bottle leaves no state behind. */
export async function cancelPrepared(ctx: CoreContext, prepared: PreparedBottle): Promise<void> {
  await discardAhead(prepared);
  if (!prepared.plan.resume) await ctx.store.remove(prepared.plan.slug);
}

/** Launches a prepared bottle and attaches Claude's session. Cleans up fully if anything fails. */
export async function launchPrepared(ctx: CoreContext, prepared: PreparedBottle, hooks: LaunchHooks = {}): Promise<RunningBottle> {
  const { plan } = prepared;
  // Progress quotes image refs and build output: shown escaped, in the terminal and the window.
  const progress = (update: LaunchProgress): void => hooks.onProgress?.({ ...update, message: showUntrusted(update.message, 500) });
  // Everything this launch acquires is held here and given back in one order if it fails.
  const holdings = new BottleHoldings(plan.slug);
  let egress: OpenedEgress | undefined;
  let secretsDelivery: Promise<SecretsDelivery> | undefined;
  try {
    checkAborted(hooks.signal);
    await ctx.store.update(plan.slug, (record) => ({ ...record, status: 'launching', owner: ctx.owner }));
    progress({ stage: 'checking', message: 'checking Docker' });
    await pingDocker(ctx.docker, { timeoutMs: 5_000 });
    // A resume after the engine went away may find the last session's container still there, stopped.
    if (plan.resume) await removeStoppedContainer(ctx.docker, plan.containerName, { slug: plan.slug, home: ctx.store.root });

    const image = await resolveImage(ctx, plan, progress, hooks.signal);
    // Numeric ids, resolved against the image: no spelling of root gets through, and they are the
    // ids the preflight showed (docs/security.md).
    const ids = await launchUser(ctx.docker, plan, image);
    const user = `${ids.uid}:${ids.gid}`;
    progress({ stage: 'starting', message: `the bottle runs as uid ${ids.uid}, gid ${ids.gid}` });
    // Before anything is built or started: a bottle that could not write its storage stops here.
    await shareClaudeStorage(ctx.store.claudeDir(plan.slug), ids);
    // The control channel: the bottle writes its folder; the answers and helpers are ours, read-only.
    const folders = channelFolders(ctx.store.bottleDir(plan.slug));
    await createChannelFolders(folders);
    await shareClaudeStorage(folders.channel, ids);
    await writeHelpers(folders.bin, plan.requestable);
    if (!(await imageHasClaudeShell(ctx.docker, image).catch(() => true))) progress({ stage: 'starting', message: `warning: ${NO_SHELL_WARNING}` });
    const runImage = plan.copyProject ? await bakeProject(ctx, plan, image, user, progress, hooks.signal) : image;

    if (plan.network.mode === 'allow') {
      progress({ stage: 'network', message: 'starting the egress proxy' });
      egress = await openBottleEgress({
        docker: ctx.docker,
        slug: plan.slug,
        labels: plan.labels,
        hosts: plan.network.hosts,
        secrets: ctx.secrets,
        stateDir: ctx.store.bottleDir(plan.slug),
        ...(prepared.networkAhead ? { ahead: prepared.networkAhead } : {}),
        onProgress: (build) => progress({ stage: 'building', message: build.message, build }),
        ...(hooks.signal ? { signal: hooks.signal } : {}),
      });
      // The network made ahead is the bottle's egress's now (or was replaced, and removed).
      prepared.networkAhead = undefined;
      const opened = egress;
      holdings.hold('egress', () => opened.dispose());
    }
    await seedClaudeStorage({
      dir: ctx.store.claudeDir(plan.slug),
      workdir: plan.workdir,
      theme: userClaudeTheme(),
      ...(apiKeyInBottle(ctx, plan, egress) ? { apiKeyInBottle: apiKeyInBottle(ctx, plan, egress) } : {}),
      ...(process.getuid?.() === 0 ? { owner: ids } : {}),
    });
    if (plan.claudeSetup) await inheritClaudeSetup({ from: plan.claudeSetup.from, to: ctx.store.claudeDir(plan.slug), items: plan.claudeSetup.items, ...(process.getuid?.() === 0 ? { owner: ids } : {}) });

    checkAborted(hooks.signal);
    progress({ stage: 'starting', message: `starting ${plan.containerName}` });
    // The bottle joins the namespace of its network's holder, which must exist first; the holder
    // runs the self-check while the bottle's container starts.
    if (egress) await egress.holderCreated;
    // Marked only once the create succeeded: a failed launch removes what it made, never a
    // container that was already there under the same name.
    await createBottleContainer(ctx.docker, {
      name: plan.containerName,
      image: runImage,
      user,
      workdir: plan.workdir,
      // Non-secret only: the manifest's env, the proxy's variables, Claude's settings and, behind an
      // allow-list, the placeholder credential. Secret values reach Claude through its boot FIFO.
      env: { ...plan.env, ...egress?.container.env, ...sessionEnv(plan), ...egress?.sessionEnv, PATH: await pathWithHelpers(ctx, runImage, plan.env.PATH) },
      mounts: plan.mounts.map(({ source, target, readonly, dangerousReason }) => ({ source, target, readonly, ...(dangerousReason ? { confirmedDangerous: true } : {}) })),
      network: egress ? { joins: egress.egress.holderName } : plan.network.mode === 'none' ? 'none' : 'open',
      memoryBytes: plan.resources.memory,
      cpus: plan.resources.cpus,
      pids: plan.resources.pids,
      labels: plan.labels,
      allowDockerSocket: plan.hardening.dockerSocket,
      main: { command: plan.claude.args },
      ...(egress ? { startAfter: egress.holderRunning } : {}),
    }).catch(async (error: unknown) => {
      // A holder that failed its check exits, and the bottle cannot join it: say why.
      if (egress) await egress.verify();
      throw error;
    });
    holdings.hold('container', () => removeBottleContainer(ctx.docker, plan.containerName));
    checkAborted(hooks.signal);
    progress({ stage: 'attaching', message: 'starting Claude' });
    // Claude waits at its boot FIFO until it gets its secrets: the network is checked meanwhile,
    // and nothing in the bottle runs before it has passed.
    const size = hooks.size?.() ?? { cols: hooks.cols ?? 80, rows: hooks.rows ?? 24 };
    const attaching = attachClaudeSession({ docker: ctx.docker, container: plan.containerName, ...size });
    attaching.catch(() => undefined);
    // The exec that will carry the secrets opens meanwhile too; it writes nothing until told.
    secretsDelivery = openSecretsDelivery(ctx.docker, plan.containerName, user);
    secretsDelivery.catch(() => undefined);
    if (egress) {
      progress({ stage: 'network', message: "checking the bottle's network from inside it" });
      // The proxy boots while the self-check runs: the launch waits for the slower of the two.
      const [, check] = await Promise.all([egress.egress.ready, egress.verify()]);
      progress({ stage: 'network', message: `network self-check passed: ${check.lines.map((line) => line.replace(/^ok +/, '')).join('; ')}` });
    }
    const session = await attaching;
    holdings.hold('session', () => session.kill());
    await (await secretsDelivery).deliver(secretValues(ctx, plan));
    const channel = await openBottleChannel(ctx.store.bottleDir(plan.slug));
    holdings.hold('channel', () => channel.dispose());
    await ctx.store.update(plan.slug, (record) => ({ ...record, status: 'running', image: runImage, owner: ctx.owner, confirmedPlan: confirmedPlanOf(plan) }));
    return attach(ctx, plan, session, holdings, channel, egress);
  } catch (error) {
    void secretsDelivery?.then((delivery) => delivery.abandon(), () => undefined);
    await discardAhead(prepared);
    await undoLaunch(ctx, prepared, holdings);
    throw error instanceof Error && error.name === 'AbortError' ? new BottleError('cancelled', 'launch cancelled') : error;
  }
}

/**
 * Re-attach: a bottle whose container still runs but whose owning process died (the app or CLI was
 * killed). Claude is the container's main process, so the window attaches to that same Claude —
 * work in flight goes on, no second Claude starts — and has it redraw its screen. See
 * docs/resume-and-reattach.md.
 */
export async function reattachBottle(
  ctx: CoreContext,
  slug: string,
  size: { cols?: number; rows?: number } = {},
  options: { takeOver?: boolean; by?: string } = {},
): Promise<RunningBottle> {
  const record = await ctx.store.read(slug);
  if (isOwnerAlive(record.owner) && record.owner?.pid !== ctx.owner.pid && !options.takeOver) {
    throw new BottleError('usage', `bottle ${slug} is attached in process ${record.owner?.pid}`, 'use that window or terminal, or stop the bottle');
  }
  const containerName = containerNameFor(slug);
  const info = await ctx.docker
    .getContainer(containerName)
    .inspect()
    .catch(() => undefined);
  if (!info?.State.Running) {
    throw new BottleError('not-found', `the container of bottle ${slug} is not running`, `resume it instead: claude-bottle resume ${slug}`);
  }
  checkOwnership(containerName, info.Config.Labels, { slug, home: ctx.store.root });
  // One attacher at a time: the loser of a race is told who holds the bottle.
  await claimAttachment(ctx.store.bottleDir(slug), { ...ctx.owner, by: options.by ?? 'another window or terminal' }, options.takeOver ? { takeOver: true } : {});
  const holdings = new BottleHoldings(slug);
  holdings.hold('attachment', () => releaseAttachment(ctx.store.bottleDir(slug), ctx.owner));
  try {
    // The plan the user confirmed, never the manifest as it is now: the agent may have edited it.
    const plan = record.confirmedPlan ? planFromConfirmed(ctx, record, record.confirmedPlan) : await planFromRecord(ctx, record);
    // The bottle's egress sidecar outlived its owner too: reconnect to it (it fails closed if gone).
    const egress =
      plan.network.mode === 'allow'
        ? await reconnectBottleEgress({ docker: ctx.docker, slug, labels: plan.labels, hosts: plan.network.hosts, secrets: ctx.secrets, stateDir: ctx.store.bottleDir(slug) })
        : undefined;
    // The same Claude, still running as the container's main process: attach to it and have it
    // redraw its screen. (A container from before Claude ran as the main process gets a new
    // `claude --continue` exec, as it always did.)
    const session = info.Config.Tty
      ? await attachClaudeSession({ docker: ctx.docker, container: containerName, cols: size.cols ?? 80, rows: size.rows ?? 24 })
      : openClaudeSession(ctx, plan, { user: info.Config.User || '1000', workdir: info.Config.WorkingDir || plan.workdir, ...size, env: egress?.sessionEnv });
    session.redraw?.();
    await ctx.store.update(slug, (current) => ({ ...current, status: 'running', owner: ctx.owner }));
    // Only now is the running bottle this process's to tear down when its session ends; a failed
    // re-attach gives back its claim and leaves the container and its sidecar as they were.
    holdings.hold('session', () => session.kill());
    holdings.hold('container', () => removeBottleContainer(ctx.docker, containerName));
    if (egress) holdings.hold('egress', () => egress.dispose());
    // Requests the bottle made while nobody held it are waiting in its channel: they come first.
    const folders = channelFolders(ctx.store.bottleDir(slug));
    await createChannelFolders(folders);
    const channel = await openBottleChannel(ctx.store.bottleDir(slug));
    holdings.hold('channel', () => channel.dispose());
    return attach(ctx, plan, session, holdings, channel, egress);
  } catch (error) {
    await holdings.release();
    throw error;
  }
}

/** Ties the session's end to capture → teardown → settle, exactly once. */
function attach(ctx: CoreContext, plan: BottlePlan, session: ClaudeSession, holdings: BottleHoldings, channel: BottleChannel, egress?: OpenedEgress): RunningBottle {
  let stopRequested: { keep: boolean; reason: PreservedReason } | undefined;
  // A bottle with an allow-list whose sidecar this process could not reach still has one to remove.
  if (plan.network.mode === 'allow' && !holdings.holds('egress')) holdings.hold('egress', () => removeBottleEgress(ctx.docker, plan.slug));
  const outcome = session.exited.then((exitCode) => finishSession(ctx, plan, exitCode, stopRequested, holdings));
  return {
    plan,
    session,
    channel,
    ...(egress ? { egress: egress.egress } : {}),
    outcome,
    async stop(options = {}) {
      stopRequested = { keep: options.keep === true, reason: options.reason ?? 'keep' };
      // Removing the container ends the exec; finishSession then settles as asked.
      await removeBottleContainer(ctx.docker, plan.containerName).catch(() => session.kill());
      return outcome;
    },
  };
}

async function finishSession(
  ctx: CoreContext,
  plan: BottlePlan,
  exitCode: number,
  localStop: { keep: boolean; reason: PreservedReason } | undefined,
  holdings: BottleHoldings,
): Promise<BottleOutcome> {
  const remoteStop = await ctx.store.takeStopRequest(plan.slug).catch(() => undefined);
  const stop = localStop ?? (remoteStop ? { keep: remoteStop.keep, reason: remoteStop.reason ?? ('keep' as const) } : undefined);
  let transcript: string | undefined;
  let snapshotError: string | undefined;
  try {
    transcript = await snapshotTranscript(ctx.store, plan.slug);
  } catch (error) {
    snapshotError = error instanceof BottleError ? `${error.message}${error.hint ? `; ${error.hint}` : ''}` : (error as Error).message;
  }
  // A session nobody stopped that failed may have ended because the engine went (stopped,
  // restarted, crashed): asked on a new connection, since one kept open still answers while the
  // engine stops. See docs/operations.md.
  const engineGone = stop || exitCode === 0 ? undefined : await engineRefusesConnections(ctx.docker);
  const engineStopped = engineGone ? `Docker stopped during the session (${dockerEndpoint(ctx.docker)}: ${engineGone})` : undefined;
  // Asked before the container goes: a SIGKILLed session (137) may have hit the memory limit.
  const outOfMemory = exitCode === 137 && !stop && !engineStopped && (await containerRanOutOfMemory(ctx.docker, plan.containerName).catch(() => false))
    ? `out of memory (limit ${formatBytes(plan.resources.memory)})`
    : undefined;
  let teardownError: string | undefined;
  if (snapshotError) {
    // The transcript is not safe yet: the container (and with it the conversation) is kept, and
    // the sidecar with it, so that a resume finds the bottle as it was.
    teardownError = `the transcript could not be saved (${snapshotError}); the container ${plan.containerName} is kept until it can be`;
    holdings.keep('container');
    holdings.keep('egress');
  }
  // The session, the container, the sidecar and network (the egress log stays in the state
  // folder), then this process's claim: in that order, each even if one before it failed.
  const failures = await holdings.release();
  const container = failures.find((failure) => failure.holding === 'container');
  if (container && !teardownError) {
    // With the engine gone, the container is the engine's to stop; a resume or discard removes it.
    teardownError = engineStopped
      ? `${engineStopped}; its container ${plan.containerName} is removed when the bottle is resumed or discarded`
      : `the container could not be removed (${container.error.message})`;
  }
  const reason: PreservedReason | undefined = stop ? (stop.keep ? stop.reason : undefined) : engineStopped ? 'interrupted' : exitCode !== 0 ? 'exit' : undefined;
  // A container we could not remove keeps its state, so that nothing is left that nothing lists.
  const preserve = reason !== undefined || teardownError !== undefined;
  const base = { slug: plan.slug, exitCode, ...(transcript ? { transcript } : {}), ...(teardownError ? { teardownError } : {}), ...(outOfMemory ? { outOfMemory } : {}), ...(engineStopped ? { engineStopped } : {}) };
  if (!preserve) {
    await ctx.store.remove(plan.slug).catch(() => undefined);
    return { ...base, preserved: false, summary: stop ? 'stopped' : `exited ${exitCode}` };
  }
  const finalReason = reason ?? 'interrupted';
  const detail = outOfMemory && !teardownError ? outOfMemory : describeReason(finalReason, exitCode, teardownError ?? engineStopped);
  try {
    await ctx.store.update(plan.slug, (record) => {
      const { owner: _owner, ...rest } = record;
      return {
        ...rest,
        status: 'preserved',
        sessions: record.sessions + 1,
        lastExitCode: exitCode,
        preserved: { reason: finalReason, detail, at: new Date().toISOString(), exitCode },
      };
    });
  } catch (error) {
    // Settling must never lose Claude's exit code or hide why: the outcome says what failed.
    const why = error instanceof BottleError ? `${error.message}${error.hint ? `; ${error.hint}` : ''}` : (error as Error).message;
    return { ...base, preserved: true, reason: finalReason, summary: `preserved: ${detail}; but its record could not be updated: ${why}` };
  }
  return { ...base, preserved: true, reason: finalReason, summary: `preserved: ${detail}` };
}

/** `said`: what went wrong around the session (a teardown failure, the engine gone), told instead of the reason. */
function describeReason(reason: PreservedReason, exitCode: number, said: string | undefined): string {
  if (said) return said;
  switch (reason) {
    case 'exit':
      return `Claude exited with code ${exitCode}`;
    case 'interrupted':
      return 'the session was interrupted';
    case 'capability':
      return 'relaunching with a granted capability';
    case 'keep':
      return 'stopped and kept';
  }
}

/** After a failed or cancelled launch: what it acquired is given back, and a new bottle leaves no state. */
async function undoLaunch(ctx: CoreContext, prepared: PreparedBottle, holdings: BottleHoldings): Promise<void> {
  await holdings.release();
  if (prepared.plan.resume) {
    await ctx.store.write({ ...prepared.record, status: 'preserved' }).catch(() => {});
  } else {
    await ctx.store.remove(prepared.plan.slug).catch(() => {});
  }
}

async function resolveImage(ctx: CoreContext, plan: BottlePlan, progress: (p: LaunchProgress) => void, signal?: AbortSignal): Promise<string> {
  const onBuild = (build: BuildProgress): void => progress({ stage: 'building', message: build.message, build });
  if (plan.image.kind === 'build') {
    const tag = `claude-bottle/build-${shortHash(plan.projectRoot)}-${plan.agent}:latest`;
    progress({ stage: 'building', message: `building ${tag}` });
    await buildImage(
      ctx.docker,
      { context: plan.image.context, dockerfile: plan.image.dockerfile, tag, buildArgs: plan.image.args, labels: { [IMAGE_LABELS.kind]: 'agent-build', [IMAGE_LABELS.project]: plan.projectRoot } },
      onBuild,
      signal,
    );
    return tag;
  }
  if (isBuiltinImage(plan.image.ref)) {
    progress({ stage: 'image', message: 'preparing the built-in base image' });
    const { tag } = await ensureBuiltinBaseImage(ctx.docker, { onProgress: onBuild, ...(signal ? { signal } : {}) });
    return tag;
  }
  progress({ stage: 'image', message: `checking image ${plan.image.ref}` });
  await ensureImage(ctx.docker, plan.image.ref, onBuild, signal);
  return plan.image.ref;
}


async function bakeProject(ctx: CoreContext, plan: BottlePlan, image: string, user: string, progress: (p: LaunchProgress) => void, signal?: AbortSignal): Promise<string> {
  progress({ stage: 'building', message: 'copying the project into an image' });
  const copy = await buildCopyProjectImage(
    ctx.docker,
    {
      projectRoot: plan.projectRoot,
      baseImage: image,
      workdir: plan.workdir,
      user,
      labels: { [LABELS.agent]: plan.agent },
      tagRepo: `claude-bottle/copy-${shortHash(plan.projectRoot)}-${plan.agent}`,
    },
    (build) => progress({ stage: 'building', message: build.message, build }),
    signal,
  );
  progress({ stage: 'building', message: copy.reused ? 'project unchanged: reusing its image' : 'project image built' });
  return copy.tag;
}

/** Claude's `docker exec` in the bottle's container, with the plan's command, env and secrets. */
function openClaudeSession(
  ctx: CoreContext,
  plan: BottlePlan,
  where: { user: string; workdir: string; cols?: number | undefined; rows?: number | undefined; env?: Record<string, string> | undefined },
): ClaudeSession {
  return startClaudeSession({
    containerName: plan.containerName,
    user: where.user,
    workdir: where.workdir,
    command: plan.claude.args,
    env: { ...sessionEnv(plan), ...where.env },
    secrets: secretValues(ctx, plan),
    dockerEnv: ctx.dockerCliEnv,
    cols: where.cols ?? 80,
    rows: where.rows ?? 24,
  });
}

/**
 * The API key Claude will see in the bottle, so that its "use this API key?" question is answered:
 * behind an allow-list the placeholder; otherwise the key itself, when the bottle is given one.
 */
function apiKeyInBottle(ctx: CoreContext, plan: BottlePlan, egress: OpenedEgress | undefined): string | undefined {
  if (egress) return egress.apiKeyInBottle;
  return plan.secrets.some((secret) => secret.name === 'ANTHROPIC_API_KEY') ? ctx.secrets.get('ANTHROPIC_API_KEY') : undefined;
}

/** The image's PATH (or the manifest's), with the helpers' folder last, so `bottle-request` is found by name. */
async function pathWithHelpers(ctx: CoreContext, image: string, manifestPath: string | undefined): Promise<string> {
  const fromImage = manifestPath ?? (await ctx.docker.getImage(image).inspect().then((info) => info.Config.Env?.find((entry) => entry.startsWith('PATH='))?.slice(5), () => undefined));
  return `${fromImage || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}:${IN_BOTTLE.bin}`;
}

function sessionEnv(plan: BottlePlan): Record<string, string> {
  return {
    TERM: 'xterm-256color',
    COLORTERM: 'truecolor',
    CLAUDE_CONFIG_DIR: plan.claude.configDir,
    CLAUDE_BOTTLE_SLUG: plan.slug,
    CLAUDE_BOTTLE_AGENT: plan.agent,
    // Updates come from rebuilding the image; the install checks warn about a layout that is on purpose.
    DISABLE_AUTOUPDATER: '1',
    DISABLE_INSTALLATION_CHECKS: '1',
  };
}

function secretValues(ctx: CoreContext, plan: BottlePlan): Record<string, string> {
  const values: Record<string, string> = {};
  for (const secret of plan.secrets) {
    const value = ctx.secrets.get(secret.name);
    if (value !== undefined) values[secret.name] = value;
  }
  return values;
}


function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BottleError('cancelled', 'launch cancelled');
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}
