import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { discardBottle, listBottles, stopBottle } from '../core/bottles';
import { ensureBuiltinBaseImage } from '../core/builtin/baseImage';
import type { CoreContext } from '../core/context';
import { pingDocker } from '../core/docker/client';
import { CLAUDE_CREDENTIAL_NAMES, runDoctor } from '../core/doctor/doctor';
import { BottleError, type ErrorInfo as CoreErrorInfo, ManifestError, toErrorInfo } from '../core/errors';
import { initProject } from '../core/init/starterManifest';
import {
  type BottleOutcome,
  type LaunchProgress,
  type PreparedBottle,
  type RunningBottle,
  cancelPrepared,
  launchPrepared,
  isolationCheckedAhead,
  makeAheadOfConfirm,
  prepareResume,
  prepareStart,
  reattachBottle,
} from '../core/launcher';
import { loadManifest } from '../core/manifest/load';
import { addAllowedHost } from '../core/manifest/edit';
import { readEgressLog } from '../core/network/egressLogFile';
import type { EgressLogEntry } from '../proxy/egressLog';
import type { BottlePlan } from '../core/plan/plan';
import { findClaudeCredential } from '../core/claude/credentials';
import type { AppSecretStore } from '../core/secrets/appSecretStore';
import { isValidSlug } from '../core/state/stateStore';
import {
  type AttentionView,
  type BottleList,
  type BottleNotification,
  type CapabilityRequestView,
  type BottleStatus,
  type CommandArgs,
  type CommandName,
  type CommandResult,
  type DoctorCheckView,
  type EgressEntryView,
  type ErrorInfo,
  type ImageProgressView,
  LIMITS,
  type LaunchProgressView,
  type ProxyState,
  type PruneItemView,
  type SessionView,
} from '#contract';
import { SERVICE_LIMITS, TERMINAL_FLOW } from './constants';
import { type EventListener, EventHub } from './events';
import { RecentProjects } from './recentProjects';
import { SessionRegistry } from './sessionRegistry';
import type { TerminalFlowLimits } from './terminalStream';
import { type Disposable, DisposableStore } from '../core/lifecycle/disposable';
import { denyRequest, findRequest, grantRequest } from '../core/capabilities/answerRequest';
import type { CapabilityRequest } from '../core/channel/messages';
import { requestableLines } from '../core/plan/preflight';
import { showUntrusted } from '../core/text/untrusted';
import { findPrunable, prune, type PruneItem } from '../core/prune';
import { detachedView, imageLabel, networkLabel, preparedView, preservedView, projectView } from './views';

// The long-lived side of the window: it outlives windows and reloads (Electron main, or `serve`).
// It keeps the bottles this process prepared and runs, their terminals, their status, and the
// recent projects; it answers the contract's commands and emits its events. It never imports
// Electron: the window's transport is someone else's job.

export type CommandHandlers = { [C in CommandName]: (args: CommandArgs<C>) => Promise<CommandResult<C>> };

/** What `createDispatcher` needs: one entry point per command, typed by the contract. */
export interface CommandTarget {
  handle<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>>;
}

export interface BottleServiceOptions {
  ctx: CoreContext;
  transport: 'electron' | 'browser';
  version: string;
  /** The folder to open first (`--open-project`, or where the app was started), if any. */
  initialProject?: string | null;
  /** The native open-folder dialog; absent in browser mode. */
  pickFolder?: () => Promise<string | null>;
  terminalLimits?: TerminalFlowLimits;
  /**
   * Secrets stored in the app (the desktop app, with the OS keychain's cipher). Absent, or without a
   * cipher, `secrets.list` says unavailable and `secrets.set` refuses. `ctx.secrets` should read it.
   */
  secretStore?: AppSecretStore;
}

/** What to do with running bottles when the app quits (the quit dialog's answer). */
export type ShutdownMode = 'stop' | 'keep' | 'leave';

/** One bottle this process launched or re-attached. */
interface ManagedBottle {
  slug: string;
  projectRoot: string;
  image: string;
  network: string;
  startedAt: string;
  status: BottleStatus;
  resume: boolean;
  abort: AbortController;
  running?: RunningBottle;
  /** Settles when the launch has succeeded or failed (never rejects). */
  launching?: Promise<void>;
  /** A stop arrived while launching: apply it as soon as the launch ends. */
  stopRequested?: { keep: boolean };
  /** The last size the window asked for (a resize during the launch is applied when it attaches). */
  size: { cols: number; rows: number };
  lastProgressAt: number;
  /** A window has attached to this terminal (possibly before the session existed, during the launch). */
  viewed: boolean;
  /** The bottle's egress, when it has an allow-list: its proxy's state and recent log entries. */
  egress?: ManagedEgress;
  settled?: Promise<BottleOutcome | undefined>;
  /** Capability requests waiting for an answer, by id (docs/control-channel.md). */
  requests: Map<string, CapabilityRequestView>;
  /** What Claude is doing, from its hooks. */
  attention?: AttentionView;
  /** A granted capability is being applied: the session that ends meanwhile does not settle the tab. */
  relaunching?: string;
  /** Listeners on the running session's control channel. */
  channelWatch?: DisposableStore;
}

interface ManagedEgress {
  proxy: ProxyState;
  /** The newest entries, oldest first, at most `SERVICE_LIMITS.egressEntries`. */
  entries: EgressEntryView[];
  /** Entries not yet sent in a `bottle.egress` event. */
  unsent: EgressEntryView[];
  flushTimer?: NodeJS.Timeout;
  subscriptions: DisposableStore;
}

const LIVE_STATUSES: ReadonlySet<BottleStatus['status']> = new Set(['building', 'starting', 'running']);

/** How many prepared-but-unconfirmed bottles are kept (a reload during a preflight leaves one behind). */
const MAX_PREPARED = 10;

/** How long "Update Claude Code" waits for the engine to answer before saying Docker is down. */
const UPDATE_PING_TIMEOUT_MS = 5_000;

export class BottleService implements CommandTarget, Disposable {
  private readonly ctx: CoreContext;
  private readonly hub = new EventHub();
  private readonly registry: SessionRegistry;
  private readonly recent: RecentProjects;
  private readonly prepared = new Map<string, PreparedBottle>();
  private readonly bottles = new Map<string, ManagedBottle>();
  private disposed = false;
  private readonly handlers: CommandHandlers;
  /** The "Update Claude Code" build in progress: a second request joins it. */
  private imageUpdate: { abort: AbortController; result: Promise<CommandResult<'images.updateClaude'>> } | undefined;

  constructor(private readonly options: BottleServiceOptions) {
    this.ctx = options.ctx;
    this.registry = new SessionRegistry((slug, data) => this.hub.emit('terminal.data', { slug, data }), options.terminalLimits ?? TERMINAL_FLOW);
    this.recent = new RecentProjects(this.ctx.store.root);
    this.handlers = {
      'app.info': async () => ({
        version: this.options.version,
        transport: this.options.transport,
        platform: process.platform,
        stateRoot: this.ctx.store.root,
        initialProject: this.options.initialProject ?? null,
      }),
      'projects.recent': async () => ({ projects: await this.recent.list() }),
      'projects.open': (args) => this.openProject(args.dir),
      'projects.init': (args) => this.initProject(args.dir),
      'projects.pickFolder': async () => {
        if (!this.options.pickFolder) throw new BottleError('unsupported', 'choosing a folder needs the desktop app', "type the project folder's path instead");
        return { dir: await this.options.pickFolder() };
      },
      'bottles.prepare': (args) => this.prepare(args),
      'bottles.prepareResume': (args) => this.prepareResume(args.slug),
      'bottles.cancel': async (args) => {
        await this.cancel(args.slug);
        return {};
      },
      'bottles.confirm': async (args) => this.confirm(args.slug, { cols: args.cols, rows: args.rows }),
      'bottles.list': () => this.list(),
      'bottles.stop': (args) => this.stop(args.slug, args.keep),
      'bottles.discard': async (args) => {
        await this.discard(args.slug);
        return {};
      },
      'bottles.reattach': (args) => this.reattach(args.slug, { cols: args.cols ?? 80, rows: args.rows ?? 24 }, args.takeOver === true),
      'bottles.egress': (args) => this.egressOf(args.slug),
      'bottles.allowHost': (args) => this.allowHost(args.slug, args.host),
      'app.prune': async (args) => this.prune(args.remove, args.images !== false),
      'bottles.requests': async (args) => ({ requests: [...(this.bottles.get(args.slug)?.requests.values() ?? [])] }),
      'bottles.answerRequest': async (args) => this.answerRequest(args.slug, args.id, args.decision),
      'bottles.restartProxy': async (args) => {
        await this.restartProxy(args.slug);
        return {};
      },
      'terminal.attach': async (args) => this.attachTerminal(args.slug),
      'terminal.input': async (args) => {
        this.liveBottle(args.slug, 'type into');
        this.registry.input(args.slug, args.data);
        return {};
      },
      'terminal.resize': async (args) => {
        const managed = this.managed(args.slug);
        managed.size = { cols: args.cols, rows: args.rows };
        if (this.registry.has(args.slug)) this.registry.resize(args.slug, args.cols, args.rows);
        return {};
      },
      'terminal.close': async (args) => {
        this.closeTerminal(args.slug);
        return {};
      },
      'terminal.ack': async (args) => {
        this.registry.acknowledge(args.slug, args.chars);
        return {};
      },
      'app.doctor': async () => ({ checks: await this.doctor() }),
      'images.updateClaude': () => this.updateClaude(),
      'secrets.list': async () => this.listSecrets(),
      'secrets.set': async (args) => {
        this.writableSecretStore(args.name).set(args.name, args.value);
        this.hub.emit('projects.changed', {});
        return {};
      },
      'secrets.delete': async (args) => {
        const store = this.options.secretStore;
        const deleted = store ? store.delete(args.name) : false;
        if (deleted) this.hub.emit('projects.changed', {});
        return { deleted };
      },
    };
  }

  handle<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
    if (this.disposed) return Promise.reject(new BottleError('internal', 'the app is shutting down'));
    const handler = this.handlers[command] as ((args: CommandArgs<C>) => Promise<CommandResult<C>>) | undefined;
    if (!handler) return Promise.reject(new BottleError('usage', `unknown command ${String(command)}`));
    return handler(args);
  }

  /** Every event of the contract; the returned disposable unsubscribes. */
  onEvent(listener: EventListener): Disposable {
    return this.hub.on(listener);
  }

  /** The window went away (closed, reloading, the last browser tab gone): terminals run unthrottled until one attaches. */
  detachViewers(): void {
    for (const bottle of this.bottles.values()) bottle.viewed = false;
    this.registry.detachAll();
  }

  /** Bottles this process is launching or running, for the tray and the quit dialog. */
  liveSessions(): SessionView[] {
    return [...this.bottles.values()].filter((bottle) => LIVE_STATUSES.has(bottle.status.status)).map((bottle) => this.sessionView(bottle));
  }

  /**
   * Quitting: `stop` ends every live bottle (state removed unless it is preserved anyway), `keep`
   * stops them preserved (resume later), `leave` lets their containers run on: the next start of
   * the app finds them by label and offers Re-attach or Stop.
   */
  async shutdown(mode: ShutdownMode): Promise<void> {
    const live = [...this.bottles.values()].filter((bottle) => LIVE_STATUSES.has(bottle.status.status));
    if (mode !== 'leave') {
      await Promise.allSettled(live.map((bottle) => this.stop(bottle.slug, mode === 'keep')));
    }
    await this.dispose();
  }

  /** Cancels open preflights and drops every terminal and listener. Running containers are not touched. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const prepared = [...this.prepared.values()];
    this.prepared.clear();
    await Promise.allSettled(prepared.map((entry) => cancelPrepared(this.ctx, entry)));
    // A base image build in progress is cancelled (the engine stops it when its stream closes).
    const update = this.imageUpdate;
    update?.abort.abort();
    await update?.result.catch(() => undefined);
    // A launch in progress is cancelled and waited for, so its container and state are cleaned up.
    const launching = [...this.bottles.values()].filter((bottle) => !bottle.running && bottle.launching);
    for (const bottle of launching) bottle.abort.abort();
    await Promise.allSettled(launching.map((bottle) => bottle.launching));
    for (const bottle of this.bottles.values()) this.unwatchEgress(bottle);
    this.registry.dispose();
    this.hub.dispose();
  }

  // -------------------------------------------------------------------------------------------
  // Projects

  private async openProject(dir: string): Promise<CommandResult<'projects.open'>> {
    const folder = expandHome(dir);
    if (!isAbsolute(folder)) throw new BottleError('usage', `not an absolute path: ${dir}`, 'give the full path of the project folder');
    try {
      const loaded = await loadManifest(folder);
      const view = projectView(loaded, this.ctx.secrets);
      await this.rememberProject(view.root, view.agents.map((agent) => agent.name));
      return view;
    } catch (error) {
      // A broken manifest is still this user's project: keep it in the recent list to reopen once fixed.
      const file = error instanceof ManifestError ? error.file : '';
      if (file && existsSync(file)) await this.rememberProject(dirname(file), []);
      throw error;
    }
  }

  /** "Create claude-bottle.json": the starter manifest, never over an existing one, then the project opened. */
  private async initProject(dir: string): Promise<CommandResult<'projects.init'>> {
    const folder = expandHome(dir);
    if (!isAbsolute(folder)) throw new BottleError('usage', `not an absolute path: ${dir}`, 'give the full path of the project folder');
    initProject(folder);
    return this.openProject(folder);
  }

  private async rememberProject(root: string, agents: string[]): Promise<void> {
    // A read-only state root must not block opening; the tray offers the first agents only.
    await this.recent.remember(root, agents.slice(0, 500)).catch(() => undefined);
    this.hub.emit('projects.changed', {});
  }

  // -------------------------------------------------------------------------------------------
  // Preflight: prepare, cancel, confirm

  private async prepare(args: CommandArgs<'bottles.prepare'>): Promise<CommandResult<'bottles.prepare'>> {
    const prepared = await prepareStart(this.ctx, {
      projectDir: expandHome(args.projectDir),
      agent: args.agent,
      options: { copyProject: args.copyProject, remoteControl: args.remoteControl },
    });
    await this.keepPrepared(prepared);
    return preparedView(prepared.plan);
  }

  private async prepareResume(slug: string): Promise<CommandResult<'bottles.prepareResume'>> {
    const live = this.bottles.get(slug);
    if (live && LIVE_STATUSES.has(live.status.status)) throw new BottleError('usage', `bottle ${slug} is ${live.status.status} in this app`, 'switch to its tab');
    const prepared = await prepareResume(this.ctx, slug);
    await this.keepPrepared(prepared);
    return preparedView(prepared.plan);
  }

  private async keepPrepared(prepared: PreparedBottle): Promise<void> {
    this.prepared.delete(prepared.plan.slug);
    this.prepared.set(prepared.plan.slug, prepared);
    // The preflight waits for a person: the bottle's network is made meanwhile, and what it has
    // checked already is shown in the preflight.
    makeAheadOfConfirm(this.ctx, prepared);
    void isolationCheckedAhead(prepared).then((check) => {
      if (!check || this.disposed || this.prepared.get(prepared.plan.slug) !== prepared) return;
      this.hub.emit('preflight.network', { slug: prepared.plan.slug, ok: check.ok, lines: check.lines.slice(0, 10).map((line) => clip(line, 500)) });
    });
    while (this.prepared.size > MAX_PREPARED) {
      const [oldest] = this.prepared.keys();
      if (oldest === undefined) break;
      await this.cancel(oldest);
    }
  }

  /** Idempotent: cancelling a preflight that is already gone (a reload) is not an error. */
  private async cancel(slug: string): Promise<void> {
    const prepared = this.prepared.get(slug);
    if (!prepared) return;
    this.prepared.delete(slug);
    await cancelPrepared(this.ctx, prepared);
  }

  private confirm(slug: string, size: { cols: number; rows: number }): BottleStatus {
    const prepared = this.prepared.get(slug);
    if (!prepared) throw new BottleError('not-found', `no open preflight for bottle "${slug}"`, 'start the agent again');
    this.prepared.delete(slug);
    const managed = this.track(prepared.plan, prepared.plan.resume, size, { stage: 'checking', message: 'checking Docker' });
    managed.launching = this.launch(managed, prepared);
    return managed.status;
  }

  private track(plan: BottlePlan, resume: boolean, size: { cols: number; rows: number }, progress?: LaunchProgressView): ManagedBottle {
    this.closeTerminal(plan.slug, { quiet: true });
    const managed: ManagedBottle = {
      slug: plan.slug,
      projectRoot: plan.projectRoot,
      image: imageLabel(plan),
      network: networkLabel(plan),
      startedAt: new Date().toISOString(),
      status: { slug: plan.slug, agent: plan.agent, status: 'starting', behindProxy: plan.network.mode === 'allow', ...(progress ? { progress } : {}) },
      resume,
      abort: new AbortController(),
      size,
      lastProgressAt: Date.now(),
      viewed: false,
      requests: new Map(),
    };
    this.bottles.set(plan.slug, managed);
    this.dropOldEnded();
    this.hub.emit('bottle.status', managed.status);
    this.hub.emit('bottles.changed', {});
    return managed;
  }

  private async launch(managed: ManagedBottle, prepared: PreparedBottle): Promise<void> {
    try {
      // The size Claude starts at: the window's latest, read when the session attaches (its tab may
      // have fitted itself while the container started).
      let launchSize = { ...managed.size };
      const running = await launchPrepared(this.ctx, prepared, {
        onProgress: (progress) => this.reportProgress(managed, progress),
        signal: managed.abort.signal,
        size: () => (launchSize = { ...managed.size }),
      });
      this.adopt(managed, running, launchSize);
    } catch (error) {
      const info = toErrorInfo(error);
      if (managed.stopRequested) {
        // Stopped before it ran: the launcher already removed the container (and a new bottle's state).
        this.setStatus(managed, { status: managed.resume ? 'preserved' : 'exited', message: 'stopped before it started' });
      } else {
        this.setStatus(managed, { status: 'failed', message: info.message, error: info });
        if (info.kind !== 'cancelled') this.notify({ kind: 'failed', slug: managed.slug, title: `${managed.status.agent} could not start`, body: info.message });
      }
      this.hub.emit('bottles.changed', {});
    }
  }

  private reportProgress(managed: ManagedBottle, progress: LaunchProgress): void {
    const now = Date.now();
    const status = progress.stage === 'building' || progress.stage === 'image' ? 'building' : 'starting';
    const stageChanged = managed.status.progress?.stage !== progress.stage;
    if (!stageChanged && now - managed.lastProgressAt < SERVICE_LIMITS.progressIntervalMs) return;
    managed.lastProgressAt = now;
    const fraction = progress.build?.fraction;
    this.setStatus(managed, {
      status,
      progress: { stage: progress.stage, message: clip(progress.message), ...(fraction !== undefined ? { fraction: Math.min(1, Math.max(0, fraction)) } : {}) },
    });
  }

  /**
   * A launched or re-attached session: its terminal goes into the registry; its end settles the
   * status. `ptySize` is the size the session was started with (the window may have moved on since).
   */
  private adopt(managed: ManagedBottle, running: RunningBottle, ptySize: { cols: number; rows: number }): void {
    managed.running = running;
    // A capability's relaunch may have changed the network.
    managed.network = networkLabel(running.plan);
    managed.status = { ...managed.status, behindProxy: running.plan.network.mode === 'allow' };
    const stream = this.registry.add(managed.slug, running.session, ptySize);
    if (this.disposed) {
      stream.dispose();
      return;
    }
    // The tab attached while the bottle was still starting: it shows this session from its first byte.
    if (managed.viewed) stream.attach();
    const { cols, rows } = managed.size;
    stream.resize(cols, rows);
    this.setStatus(managed, { status: 'running' });
    this.watchEgress(managed, running);
    this.watchChannel(managed, running);
    this.hub.emit('bottles.changed', {});
    managed.settled = running.outcome.then(
      (outcome) => {
        if (managed.relaunching) {
          // Blocked to apply a capability: the relaunch takes over this tab.
          if (managed.running === running) managed.running = undefined;
          this.unwatchEgress(managed);
          this.unwatchChannel(managed);
          this.registry.end(managed.slug);
          return outcome;
        }
        this.settle(managed, outcome);
        return outcome;
      },
      (error: unknown) => {
        const info = toErrorInfo(error);
        this.registry.end(managed.slug);
        this.setStatus(managed, { status: 'failed', message: info.message, error: info });
        this.notify({ kind: 'failed', slug: managed.slug, title: `${managed.status.agent} ended with an error`, body: info.message });
        this.hub.emit('bottles.changed', {});
        return undefined;
      },
    );
    if (managed.stopRequested) void running.stop({ keep: managed.stopRequested.keep }).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // The control channel: capability requests and Claude's attention (docs/control-channel.md)

  private watchChannel(managed: ManagedBottle, running: RunningBottle): void {
    this.unwatchChannel(managed);
    const watch = new DisposableStore();
    managed.channelWatch = watch;
    const agent = managed.status.agent;
    const show = (request: CapabilityRequest): void => {
      const view = requestView(managed, running, request);
      managed.requests.set(request.id, view);
      this.setStatus(managed, { ...managed.status });
      this.hub.emit('bottle.request', view);
      this.notify({ kind: 'attention', slug: managed.slug, title: `${agent} asks for "${clip(request.capability, 100)}"`, body: view.reason });
    };
    for (const request of running.channel.pending) show(request);
    watch.add(running.channel.onRequest(show));
    watch.add(
      running.channel.onSettled((id) => {
        if (!managed.requests.delete(id)) return;
        this.setStatus(managed, { ...managed.status });
        this.hub.emit('bottle.requestSettled', { slug: managed.slug, id });
      }),
    );
    watch.add(
      running.channel.onAttention((attention) => {
        const before = managed.attention?.state;
        managed.attention = { state: attention.state, since: attention.since.slice(0, 40), ...(attention.message ? { message: clip(attention.message, 500) } : {}) };
        if (LIVE_STATUSES.has(managed.status.status)) this.setStatus(managed, { ...managed.status });
        // The tray and the sidebar list who waits.
        if (before !== attention.state) this.hub.emit('bottles.changed', {});
        // Said when Claude turns to the user after working, not at every start.
        if (attention.state === 'waiting' && before === 'working') {
          this.notify({ kind: 'waiting', slug: managed.slug, title: `${agent} is waiting for you`, body: attention.message ? clip(attention.message, 500) : 'Claude finished its reply.' });
        }
      }),
    );
    watch.add(running.channel.onDecision((id, decision) => void this.answerRequest(managed.slug, id, decision === 'granted' ? 'grant' : 'deny').catch(() => undefined)));
  }

  private unwatchChannel(managed: ManagedBottle): void {
    managed.channelWatch?.dispose();
    managed.channelWatch = undefined;
    for (const id of managed.requests.keys()) this.hub.emit('bottle.requestSettled', { slug: managed.slug, id });
    managed.requests.clear();
  }

  private async prune(remove: { kind: string; name: string }[] | undefined, images: boolean): Promise<CommandResult<'app.prune'>> {
    const items = await findPrunable(this.ctx, { images });
    const view = (item: PruneItem): PruneItemView => ({ kind: item.kind, name: clip(item.name, 1000), why: clip(item.why, 2000), ...(item.sizeBytes !== undefined ? { sizeBytes: item.sizeBytes } : {}) });
    if (!remove) return { items: items.map(view), removed: 0, failures: [] };
    // Only what the user saw and is still unowned now.
    const confirmed = new Set(remove.map((item) => `${item.kind}\u0000${item.name}`));
    const chosen = items.filter((item) => confirmed.has(`${item.kind}\u0000${item.name}`));
    const results = await prune(this.ctx, chosen);
    this.hub.emit('bottles.changed', {});
    const failures = results.filter((result) => result.error).map((result) => ({ name: clip(result.item.name, 1000), error: clip(result.error ?? '') }));
    return { items: (await findPrunable(this.ctx, { images })).map(view), removed: results.length - failures.length, failures };
  }

  private async answerRequest(slug: string, id: string, decision: 'grant' | 'deny'): Promise<CommandResult<'bottles.answerRequest'>> {
    const managed = this.liveBottle(slug, 'answer a request of');
    const running = managed.running;
    if (!running) throw new BottleError('usage', `bottle ${slug} is not running`);
    if (decision === 'deny') {
      await denyRequest(running, id);
      return {};
    }
    const request = findRequest(running, id);
    managed.relaunching = request.capability;
    try {
      const granted = await grantRequest(this.ctx, running, id, {
        onProgress: (progress) => this.reportProgress(managed, progress),
        signal: managed.abort.signal,
        ...managed.size,
      });
      managed.relaunching = undefined;
      if (granted.inPlace) {
        // The proxy allows the granted hosts now: the status bar lists them.
        managed.network = networkLabel(running.plan);
        this.setStatus(managed, { status: 'running' });
        this.hub.emit('bottles.changed', {});
        return {};
      }
      this.adopt(managed, granted.running, { ...managed.size });
      return {};
    } catch (error) {
      managed.relaunching = undefined;
      const info = toErrorInfo(error);
      // Nothing was torn down yet (the request was gone, the proxy would not restart): the session goes on.
      if (managed.running === running) {
        this.setStatus(managed, { status: 'running' });
        throw error;
      }
      // The old session ended preserved: the bottle stays resumable, and the tab says why.
      this.unwatchEgress(managed);
      this.unwatchChannel(managed);
      this.registry.end(slug);
      this.setStatus(managed, { status: 'preserved', message: clip(`preserved: the relaunch with "${request.capability}" failed: ${info.message}`) });
      this.notify({ kind: 'failed', slug, title: `${managed.status.agent} could not restart with "${clip(request.capability, 100)}"`, body: info.message });
      this.hub.emit('bottles.changed', {});
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Egress: the proxy's log, live to the tab, and its death (the bottle then has no network)

  private watchEgress(managed: ManagedBottle, running: RunningBottle): void {
    const egress = running.egress;
    if (!egress) return;
    const state: ManagedEgress = { proxy: 'up', entries: [], unsent: [], subscriptions: new DisposableStore() };
    managed.egress = state;
    state.subscriptions.add(
      egress.onLog((entry) => {
        const view = egressView(entry);
        state.entries.push(view);
        if (state.entries.length > SERVICE_LIMITS.egressEntries) state.entries.splice(0, state.entries.length - SERVICE_LIMITS.egressEntries);
        state.unsent.push(view);
        state.flushTimer ??= setTimeout(() => this.flushEgress(managed), SERVICE_LIMITS.egressBatchMs);
      }),
    );
    state.subscriptions.add(
      egress.onExit((what) => {
        if (!LIVE_STATUSES.has(managed.status.status)) return;
        state.proxy = 'down';
        this.flushEgress(managed);
        const body =
          what === 'proxy'
            ? 'Its egress proxy stopped: the bottle has no way out until the proxy is restarted.'
            : 'The container holding its network stopped: the bottle has no network. Stop it with "keep" and resume it.';
        this.notify({ kind: 'attention', slug: managed.slug, title: `${managed.status.agent} lost its network`, body });
      }),
    );
  }

  private flushEgress(managed: ManagedBottle): void {
    const state = managed.egress;
    if (!state) return;
    if (state.flushTimer) clearTimeout(state.flushTimer);
    state.flushTimer = undefined;
    const entries = state.unsent.splice(0, state.unsent.length);
    if (!this.disposed) this.hub.emit('bottle.egress', { slug: managed.slug, proxy: state.proxy, entries: entries.slice(-SERVICE_LIMITS.egressEntries) });
  }

  private unwatchEgress(managed: ManagedBottle): void {
    const state = managed.egress;
    if (!state) return;
    this.flushEgress(managed);
    state.subscriptions.clear();
    state.proxy = 'none';
  }

  private async egressOf(slug: string): Promise<CommandResult<'bottles.egress'>> {
    const state = this.bottles.get(slug)?.egress;
    if (state && state.proxy !== 'none') return { proxy: state.proxy, entries: state.entries.slice(-SERVICE_LIMITS.egressEntries) };
    if (!(await this.ctx.store.exists(slug))) return { proxy: 'none', entries: [] };
    const entries = await readEgressLog(this.ctx.store.bottleDir(slug));
    return { proxy: 'none', entries: entries.slice(-SERVICE_LIMITS.egressEntries).map(egressView) };
  }

  private async allowHost(slug: string, host: string): Promise<CommandResult<'bottles.allowHost'>> {
    const record = await this.ctx.store.read(slug);
    const edit = await addAllowedHost(record.manifestFile, record.agent, host);
    if (edit.changed) this.hub.emit('projects.changed', {});
    return { manifest: record.manifestFile, hosts: edit.hosts.map((entry) => clip(entry, 300)), changed: edit.changed };
  }

  private async restartProxy(slug: string): Promise<void> {
    const managed = this.liveBottle(slug, 'restart the egress proxy of');
    const egress = managed.running?.egress;
    if (!egress || !managed.egress) throw new BottleError('usage', `bottle ${slug} has no egress proxy`, 'only bottles with an allow-list have one');
    await egress.restart();
    managed.egress.proxy = 'up';
    this.flushEgress(managed);
  }

  private settle(managed: ManagedBottle, outcome: BottleOutcome): void {
    this.unwatchEgress(managed);
    this.unwatchChannel(managed);
    // Ending the terminal flushes its last output, so it reaches the tab before the status that ends it.
    this.registry.end(managed.slug);
    this.setStatus(managed, { status: outcome.preserved ? 'preserved' : 'exited', exitCode: outcome.exitCode, message: clip(outcome.summary) });
    const agent = managed.status.agent;
    if (!managed.stopRequested) {
      if (outcome.preserved && outcome.reason === 'exit') {
        const why = outcome.outOfMemory ? `ran ${outcome.outOfMemory}` : `crashed (exit ${outcome.exitCode})`;
        this.notify({ kind: 'crashed', slug: managed.slug, title: `${agent} ${why}`, body: `The bottle is preserved: resume it to continue the conversation.` });
      } else if (outcome.preserved) {
        this.notify({ kind: 'preserved', slug: managed.slug, title: `${agent} was preserved`, body: clip(outcome.summary) });
      } else {
        this.notify({ kind: 'exited', slug: managed.slug, title: `${agent} finished`, body: clip(outcome.summary) });
      }
    }
    this.hub.emit('bottles.changed', {});
  }

  // -------------------------------------------------------------------------------------------
  // Bottles: list, stop, discard, re-attach

  private async list(): Promise<BottleList> {
    const listing = await listBottles(this.ctx, { images: false });
    const { dockerProblem } = listing;
    const mine = (slug: string): boolean => this.prepared.has(slug) || LIVE_STATUSES.has(this.bottles.get(slug)?.status.status ?? 'exited');
    return {
      sessions: [...this.bottles.values()].map((bottle) => this.sessionView(bottle)),
      detached: listing.live.filter((bottle) => isValidSlug(bottle.slug) && !this.bottles.get(bottle.slug)?.running).filter((bottle) => !mine(bottle.slug)).map((bottle) => detachedView(bottle, this.ctx.owner.pid)),
      preserved: [...listing.preserved, ...listing.interrupted].filter((record) => !mine(record.slug)).map(preservedView),
      corrupt: listing.corrupt.map((entry) => ({ slug: entry.slug, message: clip(entry.problem) })),
      ...(dockerProblem ? { dockerProblem } : {}),
    };
  }

  private async stop(slug: string, keep: boolean): Promise<CommandResult<'bottles.stop'>> {
    const managed = this.bottles.get(slug);
    if (managed && LIVE_STATUSES.has(managed.status.status)) {
      managed.stopRequested = { keep };
      if (managed.running) {
        const outcome = await managed.running.stop({ keep });
        await managed.settled;
        return { slug, preserved: outcome.preserved };
      }
      managed.abort.abort();
      await managed.launching;
      // The launch may have finished just before the abort: adopt() then stops it as asked.
      const settled = await (managed as ManagedBottle).settled;
      return { slug, preserved: settled ? settled.preserved : managed.resume };
    }
    const result = await stopBottle(this.ctx, slug, { keep });
    this.hub.emit('bottles.changed', {});
    return result;
  }

  private async discard(slug: string): Promise<void> {
    const managed = this.bottles.get(slug);
    if (managed && LIVE_STATUSES.has(managed.status.status)) throw new BottleError('usage', `bottle ${slug} is ${managed.status.status}`, 'stop it first');
    await discardBottle(this.ctx, slug);
    this.closeTerminal(slug, { quiet: true });
    this.hub.emit('bottles.changed', {});
  }

  private async reattach(slug: string, size: { cols: number; rows: number }, takeOver: boolean): Promise<BottleStatus> {
    const current = this.bottles.get(slug);
    if (current && LIVE_STATUSES.has(current.status.status)) throw new BottleError('usage', `bottle ${slug} is already ${current.status.status} in this app`, 'switch to its tab');
    const running = await reattachBottle(this.ctx, slug, size, { by: `the ${this.options.transport === 'electron' ? 'desktop app' : 'browser window'}`, ...(takeOver ? { takeOver: true } : {}) });
    const managed = this.track(running.plan, true, size);
    this.adopt(managed, running, size);
    return managed.status;
  }

  // -------------------------------------------------------------------------------------------
  // First run: checks and the built-in base image

  /** `claude-bottle doctor`'s checks. Never throws for a stopped engine: that is the docker check failing. */
  private async doctor(): Promise<DoctorCheckView[]> {
    // Only names cross: which credentials this app's secret source has (values are never read here).
    const stored = CLAUDE_CREDENTIAL_NAMES.filter((name) => {
      const where = this.ctx.secrets.whereIs(name);
      return where !== undefined && where !== 'environment';
    });
    const checks = await runDoctor({ docker: this.ctx.docker, stateRoot: this.ctx.store.root, secretNames: stored });
    return checks.map((check) => ({
      id: check.id,
      status: check.status,
      title: clip(check.title, 200),
      detail: clip(check.detail),
      ...(check.fix !== undefined ? { fix: clip(check.fix) } : {}),
    }));
  }

  private updateClaude(): Promise<CommandResult<'images.updateClaude'>> {
    if (!this.imageUpdate) {
      const abort = new AbortController();
      const result = this.rebuildBaseImage(abort.signal).finally(() => {
        if (this.imageUpdate?.abort === abort) this.imageUpdate = undefined;
      });
      this.imageUpdate = { abort, result };
    }
    return this.imageUpdate.result;
  }

  /** Rebuilds `builtin:base` with the newest Claude Code; every step is an `image.progress` event. */
  private async rebuildBaseImage(signal: AbortSignal): Promise<CommandResult<'images.updateClaude'>> {
    let lastAt = 0;
    const report = (progress: ImageProgressView, force = false): void => {
      const now = Date.now();
      if (!force && now - lastAt < SERVICE_LIMITS.progressIntervalMs) return;
      lastAt = now;
      if (!this.disposed) this.hub.emit('image.progress', progress);
    };
    report({ message: 'checking Docker' }, true);
    try {
      await pingDocker(this.ctx.docker, { timeoutMs: UPDATE_PING_TIMEOUT_MS });
      report({ message: 'building the built-in base image with the newest Claude Code' }, true);
      const built = await ensureBuiltinBaseImage(this.ctx.docker, {
        force: true,
        claudeCodeVersion: 'latest',
        signal,
        onProgress: (progress) => {
          const fraction = progress.fraction;
          report({ message: clip(progress.message), ...(fraction !== undefined ? { fraction: Math.min(1, Math.max(0, fraction)) } : {}) });
        },
      });
      const version = built.claudeCodeVersion ? clip(built.claudeCodeVersion, 100) : undefined;
      const tag = clip(built.tag, 300);
      report({ tag, message: `built ${tag}${version ? ` with Claude Code ${version}` : ''}`, fraction: 1, done: true }, true);
      return { tag, ...(version ? { claudeCodeVersion: version } : {}) };
    } catch (error) {
      const info = boundedError(toErrorInfo(error));
      report({ message: info.message, done: true, error: info }, true);
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Secrets stored in the app: names cross to the window, values only come in (never out, never in an event)

  private listSecrets(): CommandResult<'secrets.list'> {
    const store = this.options.secretStore;
    const claude = this.claudeCredentialView();
    if (!store?.available) return { available: false, names: [], claude };
    return { available: true, names: store.names(), claude };
  }

  /** The credential a bottle would get, named by kind and last 4 characters; none, or unreadable, is null. */
  private claudeCredentialView(): CommandResult<'secrets.list'>['claude'] {
    try {
      const credential = findClaudeCredential(this.ctx.secrets);
      return credential ? { kind: credential.kind, last4: credential.value.slice(-4), from: credential.from } : null;
    } catch {
      return null;
    }
  }

  private writableSecretStore(name: string): AppSecretStore {
    const store = this.options.secretStore;
    if (!store?.available) {
      throw new BottleError(
        'unsupported',
        `storing secrets needs the desktop app (the OS keychain); ${name} was not stored`,
        this.options.transport === 'browser' ? `set ${name} in the environment of \`claude-bottle serve\` instead` : `set ${name} in the environment instead`,
      );
    }
    return store;
  }

  // -------------------------------------------------------------------------------------------
  // Terminals

  private attachTerminal(slug: string): CommandResult<'terminal.attach'> {
    const managed = this.managed(slug);
    managed.viewed = true;
    const replay = this.registry.has(slug) ? this.registry.attach(slug) : '';
    return { slug, replay, status: managed.status };
  }

  private closeTerminal(slug: string, { quiet = false } = {}): void {
    const managed = this.bottles.get(slug);
    if (!managed) return;
    if (LIVE_STATUSES.has(managed.status.status)) {
      if (quiet) return;
      throw new BottleError('usage', `bottle ${slug} is still ${managed.status.status}`, 'stop it first; closing its tab alone leaves it running');
    }
    this.registry.remove(slug);
    this.bottles.delete(slug);
    if (!quiet) this.hub.emit('bottles.changed', {});
  }

  private managed(slug: string): ManagedBottle {
    const managed = this.bottles.get(slug);
    if (!managed) throw new BottleError('not-found', `bottle "${slug}" has no terminal in this app`, 'a bottle still running from an earlier app can be re-attached');
    return managed;
  }

  private liveBottle(slug: string, action: string): ManagedBottle {
    const managed = this.managed(slug);
    if (managed.status.status !== 'running') throw new BottleError('usage', `cannot ${action} bottle ${slug}: it is ${managed.status.status}`);
    return managed;
  }

  /** Ended bottles stay listed for their tab; beyond a few, the oldest are forgotten. */
  private dropOldEnded(): void {
    const ended = [...this.bottles.values()].filter((bottle) => !LIVE_STATUSES.has(bottle.status.status));
    for (const bottle of ended.slice(0, Math.max(0, ended.length - SERVICE_LIMITS.maxEndedSessions))) {
      this.registry.remove(bottle.slug);
      this.bottles.delete(bottle.slug);
    }
  }

  private setStatus(managed: ManagedBottle, change: Omit<BottleStatus, 'slug' | 'agent'>): void {
    const live = LIVE_STATUSES.has(change.status);
    managed.status = {
      slug: managed.slug,
      agent: managed.status.agent,
      behindProxy: managed.status.behindProxy ?? false,
      ...change,
      ...(live && managed.attention ? { attention: managed.attention } : {}),
      ...(live && managed.requests.size > 0 ? { pendingRequests: managed.requests.size } : {}),
    };
    if (!this.disposed) this.hub.emit('bottle.status', managed.status);
  }

  private sessionView(bottle: ManagedBottle): SessionView {
    return { ...bottle.status, projectRoot: bottle.projectRoot, image: bottle.image, network: bottle.network, startedAt: bottle.startedAt };
  }

  private notify(notification: BottleNotification): void {
    this.hub.emit('app.notification', { ...notification, title: clip(notification.title, 200), body: clip(notification.body) });
  }
}

/** A request as the window shows it: the reason escaped, and what it would grant in the preflight's rows. */
function requestView(managed: ManagedBottle, running: RunningBottle, request: CapabilityRequest): CapabilityRequestView {
  const capability = running.plan.requestable.find((candidate) => candidate.name === request.capability);
  return {
    slug: managed.slug,
    id: request.id,
    agent: managed.status.agent,
    capability: showUntrusted(request.capability, 200),
    reason: showUntrusted(request.reason, 2000),
    at: request.at,
    expiresAt: request.expiresAt,
    rows: capability ? [{ label: 'grants', lines: requestableLines(capability).slice(0, 400) }] : [{ label: 'unknown', lines: [{ text: 'this agent declares no such capability', tone: 'danger' }] }],
    known: capability !== undefined,
  };
}

/** An egress log entry for the window: bounded as the contract wants (what the bottle asked for is shown escaped there). */
function egressView(entry: EgressLogEntry): EgressEntryView {
  return {
    time: entry.time.slice(0, 40),
    method: entry.method.slice(0, 32),
    host: entry.host.slice(0, 255),
    port: entry.port,
    verdict: entry.verdict,
    ...(entry.reason !== undefined ? { reason: entry.reason.slice(0, 1000) } : {}),
    ...(entry.anthropic ? { anthropic: true } : {}),
    bytesUp: entry.bytesUp,
    bytesDown: entry.bytesDown,
  };
}

function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? resolve(path) : path;
}

/** An error in an event (no dispatcher bounds it there): message and hint clipped, no issues. */
function boundedError(info: CoreErrorInfo): ErrorInfo {
  return { kind: info.kind, message: clip(info.message), ...(info.hint !== undefined ? { hint: clip(info.hint) } : {}) };
}

/** Free text crossing to the window stays within the contract's bounds. */
function clip(text: string, max: number = LIMITS.maxMessageChars): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
