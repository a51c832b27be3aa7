import type {
  BottleApi,
  BottleList,
  BottleNotification,
  BottleStatus,
  CommandResult,
  DoctorCheckView,
  ErrorInfo,
  ImageProgressView,
  ProjectView,
  RecentProject,
  SessionView,
  UiRequest,
} from '../../../shared/contract';
import type { Connection, ConnectionState } from '../api/connection';
import type { PreflightModel } from '../components/PreflightDialog';
import { isLive, preflightText } from '../format';
import type { TerminalRegistry } from '../terminal/registry';
import { persisted } from './persist';

// The window's state and every action on it, as a plain object React subscribes to
// (useSyncExternalStore). Terminal output never passes through here (see TerminalRegistry): this
// holds what the sidebar, the tabs and the dialog show. Everything it subscribes is released by
// `dispose`.

export interface ProjectState {
  /** The folder last asked for (kept when opening it failed, to retry). */
  requestedDir: string | null;
  loading: boolean;
  view: ProjectView | null;
  error: ErrorInfo | null;
  /** The claude-bottle.json this window just created for the open project (shown until another opens). */
  created: string | null;
}

/** "Update Claude Code": the rebuild of the built-in base image, as the window shows it. */
export interface ImageUpdateState {
  running: boolean;
  /** The last progress line (from this window's request or another's). */
  progress: ImageProgressView | null;
  result: CommandResult<'images.updateClaude'> | null;
  error: ErrorInfo | null;
}

/** The first-run checks (`claude-bottle doctor`'s) and the panel that lists them. */
export interface ChecksState {
  /** The panel is open: at the top of the main area while no tab is open. */
  visible: boolean;
  /** Opened with the Checks button: shown above the tabs too. */
  requested: boolean;
  loading: boolean;
  checks: DoctorCheckView[] | null;
  error: ErrorInfo | null;
  update: ImageUpdateState;
}

export interface TabEntry {
  slug: string;
  agent: string;
}

export interface Toast {
  id: number;
  tone: 'info' | 'error';
  title: string;
  body?: string;
}

export interface AppState {
  info: CommandResult<'app.info'> | null;
  project: ProjectState;
  recent: RecentProject[];
  list: BottleList;
  sessionsBySlug: ReadonlyMap<string, SessionView>;
  statuses: Readonly<Record<string, BottleStatus>>;
  tabs: TabEntry[];
  activeSlug: string | null;
  preflight: PreflightModel | null;
  /** Slugs with an action in flight (their buttons are disabled). */
  busy: ReadonlySet<string>;
  toasts: Toast[];
  /** The terminal whose search bar is open. */
  searchSlug: string | null;
  connection: ConnectionState;
  checks: ChecksState;
  /** Secrets can be stored in the app (the desktop app with the OS keychain; never in browser mode). */
  secretsAvailable: boolean;
}

type PrepareRequest =
  | { kind: 'start'; projectDir: string; agent: string; options: { copyProject: boolean; remoteControl: boolean } }
  | { kind: 'resume'; slug: string; agent: string };

const EMPTY_LIST: BottleList = { sessions: [], detached: [], preserved: [], corrupt: [] };

export const MODEL_CONSTANTS = {
  /** How long a toast stays up. */
  toastMs: 6_000,
  /** Toasts shown at once; older ones make room. */
  maxToasts: 4,
  /** Terminal font sizes the zoom menu moves between. */
  zoomMin: 8,
  zoomMax: 32,
  zoomDefault: 13,
} as const;

export class AppModel {
  private state: AppState;
  private readonly listeners = new Set<() => void>();
  private readonly disposers: (() => void)[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly closedTabs = persisted.closedTabs();
  /** Slugs some `bottles.list` answer has listed as a session of the core. */
  private readonly seenSessions = new Set<string>();
  private preflightSeq = 0;
  private preflightRequest: PrepareRequest | null = null;
  private preflightSlug: string | null = null;
  private openSeq = 0;
  private listInFlight: Promise<void> | null = null;
  private listAgain = false;
  private toastSeq = 0;
  private fontSize: number = MODEL_CONSTANTS.zoomDefault;
  private started = false;
  private disposed = false;

  constructor(
    private readonly api: BottleApi,
    private readonly connection: Connection,
    private readonly registry: TerminalRegistry,
    /** A terminal size for a launch whose terminal is not on screen yet. */
    private readonly estimateSize: (fontSize: number) => { cols: number; rows: number },
  ) {
    this.state = {
      info: null,
      project: { requestedDir: null, loading: false, view: null, error: null, created: null },
      recent: [],
      list: EMPTY_LIST,
      sessionsBySlug: new Map(),
      statuses: {},
      tabs: [],
      activeSlug: null,
      preflight: null,
      busy: new Set(),
      toasts: [],
      searchSlug: null,
      connection: connection.state,
      checks: {
        visible: false,
        requested: false,
        loading: false,
        checks: null,
        error: null,
        update: { running: false, progress: null, result: null, error: null },
      },
      secretsAvailable: false,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The store React reads

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): AppState => this.state;

  private update(patch: Partial<AppState> | ((state: AppState) => Partial<AppState>)): void {
    if (this.disposed) return;
    const next = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...next };
    for (const listener of [...this.listeners]) listener();
  }

  private later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  // ---------------------------------------------------------------------------------------------
  // Life cycle

  /** Subscribes to the core and loads the first view. Idempotent (React may mount twice). */
  start(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    this.disposers.push(
      this.api.on('bottle.status', (status) => this.onStatus(status)),
      this.api.on('bottles.changed', () => void this.refreshList()),
      this.api.on('projects.changed', () => void this.refreshRecent()),
      this.api.on('app.notification', (note) => this.notify(note)),
      this.api.on('ui.request', (request) => this.handleUiRequest(request)),
      this.api.on('image.progress', (progress) => this.onImageProgress(progress)),
      this.registry.onSearchRequested((slug) => this.update({ searchSlug: slug })),
      this.watchConnection(),
    );
    const onHide = (): void => {
      // An open preflight holds a prepared state folder: cancel it if the page goes away.
      if (this.preflightSlug) void this.api.bottles.cancel({ slug: this.preflightSlug });
    };
    window.addEventListener('pagehide', onHide);
    this.disposers.push(() => window.removeEventListener('pagehide', onHide));
    void this.load();
  }

  dispose(): void {
    this.disposed = true;
    for (const dispose of this.disposers.splice(0)) dispose();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
  }

  /** What the app knows, then the project to show: this window's last, the folder the app was started in, or the most recent. */
  private async load(): Promise<void> {
    const [info, recent] = await Promise.all([this.api.app.info(), this.api.projects.recent()]);
    const projects = recent.ok ? recent.data.projects : [];
    this.update({ info: info.ok ? info.data : null, recent: projects });
    if (!info.ok) this.toastError(info.error);
    const first = persisted.project() ?? (info.ok ? info.data.initialProject : null) ?? projects[0]?.root ?? null;
    // A folder the user opened while this was loading wins over the automatic choice.
    if (first && this.openSeq === 0) void this.openProject(first);
    void this.refreshSecretsAvailable();
    void this.runChecks({ auto: true });
    await this.refreshList();
  }

  /** After the WebSocket comes back (the server may have restarted), join every tab again. */
  private watchConnection(): () => void {
    let wasDown = false;
    // The socket may have opened between this model's creation and now.
    this.update({ connection: this.connection.state });
    return this.connection.onChange((connection) => {
      this.update({ connection });
      if (connection !== 'open') {
        wasDown = true;
        return;
      }
      if (!wasDown) return;
      wasDown = false;
      for (const tab of this.state.tabs) void this.attachTab(tab.slug);
      void this.refreshList();
      void this.refreshRecent();
      const dir = this.state.project.view?.root ?? this.state.project.requestedDir;
      if (dir) void this.openProject(dir);
    });
  }

  private onStatus(status: BottleStatus): void {
    const before = this.state.statuses[status.slug]?.status;
    this.update((state) => ({ statuses: { ...state.statuses, [status.slug]: status } }));
    // A bottle's terminal exists once its session runs: a tab opened while it was building or
    // starting joins it now (the replay holds everything printed so far).
    if (status.status === 'running' && before !== 'running' && this.state.tabs.some((tab) => tab.slug === status.slug)) {
      void this.attachTab(status.slug);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Toasts

  toast(entry: Omit<Toast, 'id'>): void {
    this.toastSeq += 1;
    const id = this.toastSeq;
    this.update((state) => ({ toasts: [...state.toasts.slice(-(MODEL_CONSTANTS.maxToasts - 1)), { ...entry, id }] }));
    this.later(() => this.dismissToast(id), MODEL_CONSTANTS.toastMs);
  }

  dismissToast = (id: number): void => {
    this.update((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) }));
  };

  private toastError(error: ErrorInfo): void {
    this.toast({ tone: 'error', title: error.message, ...(error.hint ? { body: error.hint } : {}) });
  }

  private notify(note: BottleNotification): void {
    this.toast({ tone: note.kind === 'crashed' || note.kind === 'failed' ? 'error' : 'info', title: note.title, body: note.body });
  }

  private setBusy(slug: string, on: boolean): void {
    this.update((state) => {
      const busy = new Set(state.busy);
      if (on) busy.add(slug);
      else busy.delete(slug);
      return { busy };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Projects

  openProject = async (dir: string): Promise<void> => {
    this.openSeq += 1;
    const seq = this.openSeq;
    this.update((state) => ({ project: { ...state.project, requestedDir: dir, loading: true } }));
    const result = await this.api.projects.open({ dir });
    if (seq !== this.openSeq) return;
    if (result.ok) {
      this.update({ project: { requestedDir: result.data.root, loading: false, view: result.data, error: null, created: null } });
      persisted.setProject(result.data.root);
    } else {
      // Shown in place of the agents, with its file:line:column; "Try again" re-reads the file.
      this.update({ project: { requestedDir: dir, loading: false, view: null, error: result.error, created: null } });
      persisted.setProject(dir);
    }
  };

  /** "Create claude-bottle.json" for a folder without one: the starter manifest, then its agents. */
  createManifest = async (dir: string): Promise<void> => {
    this.openSeq += 1;
    const seq = this.openSeq;
    this.update((state) => ({ project: { ...state.project, loading: true } }));
    const result = await this.api.projects.init({ dir });
    if (seq !== this.openSeq) return;
    if (result.ok) {
      this.update({ project: { requestedDir: result.data.root, loading: false, view: result.data, error: null, created: result.data.manifestFile } });
      persisted.setProject(result.data.root);
    } else {
      this.update((state) => ({ project: { ...state.project, loading: false } }));
      this.toastError(result.error);
      // One appeared meanwhile (written by hand, or by another window): show what it says.
      if (result.error.kind === 'usage') void this.openProject(dir);
    }
  };

  retryProject = (): void => {
    const dir = this.state.project.requestedDir;
    if (dir) void this.openProject(dir);
  };

  pickFolder = async (): Promise<void> => {
    const result = await this.api.projects.pickFolder();
    if (!result.ok) this.toastError(result.error);
    else if (result.data.dir) await this.openProject(result.data.dir);
  };

  private async refreshSecretsAvailable(): Promise<void> {
    const result = await this.api.secrets.list();
    this.update({ secretsAvailable: result.ok && result.data.available });
  }

  /**
   * Stores a missing secret in the app, then re-reads the project so its badge goes. Answers the
   * error to show beside the input, or null. The value goes to the core and is kept nowhere here.
   */
  storeSecret = async (name: string, value: string): Promise<ErrorInfo | null> => {
    const result = await this.api.secrets.set({ name, value });
    if (!result.ok) return result.error;
    this.toast({ tone: 'info', title: `${name} is stored in the app`, body: 'Encrypted with the OS keychain; bottles started from here get it.' });
    const dir = this.state.project.view?.root ?? this.state.project.requestedDir;
    if (dir) await this.openProject(dir);
    return null;
  };

  private async refreshRecent(): Promise<void> {
    const result = await this.api.projects.recent();
    if (result.ok) this.update({ recent: result.data.projects });
  }

  // ---------------------------------------------------------------------------------------------
  // Bottles: the list, tabs and terminals

  /** Fetches `bottles.list`; calls while one is in flight coalesce into one more fetch. */
  refreshList = async (): Promise<void> => {
    if (this.listInFlight) {
      this.listAgain = true;
      return this.listInFlight;
    }
    const run = async (): Promise<void> => {
      do {
        this.listAgain = false;
        const result = await this.api.bottles.list();
        if (result.ok) this.applyList(result.data);
        else if (result.error.kind !== 'internal') this.toastError(result.error);
      } while (this.listAgain && !this.disposed);
    };
    this.listInFlight = run().finally(() => {
      this.listInFlight = null;
    });
    return this.listInFlight;
  };

  private applyList(list: BottleList): void {
    const statuses = { ...this.state.statuses };
    const listed = new Set<string>();
    for (const session of list.sessions) {
      const { projectRoot: _root, image: _image, network: _network, startedAt: _started, ...status } = session;
      statuses[session.slug] = status;
      listed.add(session.slug);
      this.seenSessions.add(session.slug);
    }
    // A live tab whose session the core no longer lists lost it: the server (or app) it belonged to
    // went away. Its container may still run: Running offers it for Re-attach.
    for (const tab of this.state.tabs) {
      if (!listed.has(tab.slug) && this.seenSessions.has(tab.slug) && isLive(statuses[tab.slug])) {
        statuses[tab.slug] = disconnectedStatus(tab.slug, tab.agent);
      }
    }
    // Sessions this window has no tab for (after a reload, or started from the tray) get one.
    const known = new Set(this.state.tabs.map((tab) => tab.slug));
    const missing = list.sessions.filter((session) => !known.has(session.slug) && !this.closedTabs.has(session.slug));
    this.update((state) => ({
      list,
      sessionsBySlug: new Map(list.sessions.map((session) => [session.slug, session])),
      statuses,
      tabs: [...state.tabs, ...missing.map((session) => ({ slug: session.slug, agent: session.agent }))],
      activeSlug: state.activeSlug ?? missing[missing.length - 1]?.slug ?? null,
    }));
    for (const session of missing) {
      this.registry.ensure(session.slug);
      void this.attachTab(session.slug);
    }
  }

  private async attachTab(slug: string): Promise<void> {
    const result = await this.registry.attach(slug);
    if (result.ok) this.update((state) => ({ statuses: { ...state.statuses, [slug]: result.data.status } }));
    else if (result.error.kind !== 'not-found' && result.error.kind !== 'internal') this.toastError(result.error);
  }

  private openTab(slug: string, agent: string, status?: BottleStatus): void {
    this.closedTabs.delete(slug);
    persisted.setClosedTabs(this.closedTabs);
    this.registry.ensure(slug);
    this.update((state) => ({
      statuses: status ? { ...state.statuses, [slug]: status } : state.statuses,
      tabs: state.tabs.some((tab) => tab.slug === slug) ? state.tabs : [...state.tabs, { slug, agent }],
      activeSlug: slug,
    }));
    void this.attachTab(slug);
  }

  /** Shows a bottle's tab, opening it again for a session of the core this window had closed. */
  focusTab = (slug: string): void => {
    if (this.state.tabs.some((tab) => tab.slug === slug)) this.update({ activeSlug: slug });
    else {
      const session = this.state.sessionsBySlug.get(slug);
      if (session) this.openTab(slug, session.agent);
    }
  };

  closeTab = (slug: string): void => {
    this.closedTabs.add(slug);
    persisted.setClosedTabs(this.closedTabs);
    this.update((state) => {
      const index = state.tabs.findIndex((tab) => tab.slug === slug);
      const tabs = state.tabs.filter((tab) => tab.slug !== slug);
      return {
        tabs,
        activeSlug: state.activeSlug === slug ? (tabs[Math.min(index, tabs.length - 1)]?.slug ?? null) : state.activeSlug,
        searchSlug: state.searchSlug === slug ? null : state.searchSlug,
      };
    });
    this.registry.remove(slug);
    // The core forgets an ended bottle's terminal with its tab (a running one it refuses: no harm).
    void this.api.terminal.close({ slug });
  };

  closeSearch = (): void => this.update({ searchSlug: null });

  private cycleTab(step: number): void {
    const { tabs, activeSlug } = this.state;
    if (tabs.length === 0) return;
    const index = tabs.findIndex((tab) => tab.slug === activeSlug);
    const next = tabs[(index + step + tabs.length) % tabs.length];
    if (next) this.update({ activeSlug: next.slug });
  }

  private terminalSize(): { cols: number; rows: number } {
    const active = this.state.activeSlug ? this.registry.get(this.state.activeSlug) : undefined;
    const size = active?.size();
    if (active?.term.element?.isConnected && size && size.cols > 2) return size;
    return this.estimateSize(this.fontSize);
  }

  /** `keep` preserves the bottle (its conversation can be resumed); otherwise its state goes. */
  stop = async (slug: string, keep = false): Promise<void> => {
    this.setBusy(slug, true);
    const result = await this.api.bottles.stop({ slug, keep });
    this.setBusy(slug, false);
    if (!result.ok) this.toastError(result.error);
    void this.refreshList();
  };

  reattach = async (slug: string): Promise<void> => {
    const agent = this.state.list.detached.find((bottle) => bottle.slug === slug)?.agent ?? slug;
    this.setBusy(slug, true);
    const size = this.terminalSize();
    const result = await this.api.bottles.reattach({ slug, cols: size.cols, rows: size.rows });
    this.setBusy(slug, false);
    if (!result.ok) this.toastError(result.error);
    else this.openTab(slug, agent, result.data);
    void this.refreshList();
  };

  discard = async (slug: string): Promise<void> => {
    this.setBusy(slug, true);
    const result = await this.api.bottles.discard({ slug });
    this.setBusy(slug, false);
    if (!result.ok) this.toastError(result.error);
    void this.refreshList();
  };

  // ---------------------------------------------------------------------------------------------
  // The preflight

  private async prepare(request: PrepareRequest): Promise<void> {
    this.preflightSeq += 1;
    const seq = this.preflightSeq;
    this.preflightRequest = request;
    this.update((state) => ({
      preflight: {
        phase: 'preparing',
        agent: request.agent,
        resume: request.kind === 'resume',
        options: request.kind === 'start' ? request.options : (state.preflight?.options ?? { copyProject: false, remoteControl: false }),
        // A re-prepare (a toggle changed) keeps showing the old plan until the new one arrives.
        view: state.preflight && state.preflight.agent === request.agent ? state.preflight.view : null,
        error: null,
      },
    }));
    const result =
      request.kind === 'start'
        ? await this.api.bottles.prepare({ projectDir: request.projectDir, agent: request.agent, ...request.options })
        : await this.api.bottles.prepareResume({ slug: request.slug });
    if (seq !== this.preflightSeq) {
      // The dialog was closed or re-prepared meanwhile: this plan is nobody's.
      if (result.ok) void this.api.bottles.cancel({ slug: result.data.slug });
      return;
    }
    this.preflightSlug = result.ok ? result.data.slug : null;
    this.update((state) => ({
      preflight: state.preflight && {
        ...state.preflight,
        phase: 'ready',
        view: result.ok ? result.data : null,
        options: result.ok ? result.data.options : state.preflight.options,
        error: result.ok ? null : result.error,
      },
    }));
  }

  startAgent = (agent: string, projectDir?: string): void => {
    const root = projectDir ?? this.state.project.view?.root;
    if (!root) return;
    const view = this.state.project.view?.agents.find((entry) => entry.name === agent);
    void this.prepare({ kind: 'start', projectDir: root, agent, options: { copyProject: false, remoteControl: view?.remoteControl ?? false } });
  };

  resume = (slug: string): void => {
    const entry = this.state.list.preserved.find((bottle) => bottle.slug === slug);
    void this.prepare({ kind: 'resume', slug, agent: entry?.agent ?? agentOfSlug(slug) });
  };

  /** Forgets the dialog's prepared bottle, leaving nothing behind. */
  private dropPrepared(): void {
    this.preflightSeq += 1;
    const slug = this.preflightSlug;
    this.preflightSlug = null;
    if (slug) void this.api.bottles.cancel({ slug });
  }

  /** A toggle re-prepares: the old slug is cancelled and a new plan made with the new options. */
  togglePreflight = (option: 'copyProject' | 'remoteControl', value: boolean): void => {
    const request = this.preflightRequest;
    if (!request || request.kind !== 'start') return;
    this.dropPrepared();
    void this.prepare({ ...request, options: { ...request.options, [option]: value } });
  };

  cancelPreflight = (): void => {
    this.dropPrepared();
    this.preflightRequest = null;
    this.update({ preflight: null });
  };

  /** Show plan only: the plan as text, and the prepared bottle cancelled at once (like --dry-run). */
  showPlanOnly = (): void => {
    const current = this.state.preflight;
    if (!current?.view) return;
    this.dropPrepared();
    this.preflightRequest = null;
    this.update({ preflight: { ...current, phase: 'plan', planText: preflightText(current.view) } });
  };

  closePreflight = (): void => this.update({ preflight: null });

  confirmPreflight = async (): Promise<void> => {
    const slug = this.preflightSlug;
    const agent = this.preflightRequest?.agent;
    if (!slug || !agent || this.state.preflight?.phase !== 'ready') return;
    const seq = this.preflightSeq;
    this.update((state) => ({ preflight: state.preflight && { ...state.preflight, phase: 'confirming' } }));
    const size = this.terminalSize();
    const result = await this.api.bottles.confirm({ slug, cols: size.cols, rows: size.rows });
    if (seq !== this.preflightSeq) return;
    if (result.ok) {
      this.preflightSlug = null;
      this.preflightRequest = null;
      this.update({ preflight: null });
      this.openTab(slug, agent, result.data);
      void this.refreshList();
    } else {
      // The launch was refused before it began: say why; Cancel cleans up.
      this.update((state) => ({ preflight: state.preflight && { ...state.preflight, phase: 'ready', view: null, error: result.error } }));
    }
  };

  // ---------------------------------------------------------------------------------------------
  // First-run checks and "Update Claude Code"

  private patchChecks(patch: Partial<ChecksState> | ((checks: ChecksState) => Partial<ChecksState>)): void {
    this.update((state) => ({ checks: { ...state.checks, ...(typeof patch === 'function' ? patch(state.checks) : patch) } }));
  }

  private patchImageUpdate(patch: Partial<ImageUpdateState>): void {
    this.patchChecks((checks) => ({ update: { ...checks.update, ...patch } }));
  }

  /** Runs the checks; on start (`auto`) the panel opens by itself when one fails or warns. */
  runChecks = async ({ auto = false }: { auto?: boolean } = {}): Promise<void> => {
    this.patchChecks({ loading: true });
    const result = await this.api.app.doctor();
    if (!result.ok) {
      this.patchChecks({ loading: false, error: result.error });
      return;
    }
    const attention = result.data.checks.some((check) => check.status !== 'ok');
    this.patchChecks((checks) => ({
      loading: false,
      error: null,
      checks: result.data.checks,
      visible: checks.visible || (auto && attention && !persisted.checksDismissed()),
    }));
  };

  /** The sidebar's Checks button: the panel, with fresh results. */
  showChecks = (): void => {
    this.patchChecks({ visible: true, requested: true });
    if (!this.state.checks.loading) void this.runChecks();
  };

  dismissChecks = (): void => {
    persisted.setChecksDismissed();
    this.patchChecks({ visible: false, requested: false });
  };

  updateClaude = async (): Promise<void> => {
    if (this.state.checks.update.running) return;
    this.patchImageUpdate({ running: true, progress: null, result: null, error: null });
    const result = await this.api.images.updateClaude();
    if (result.ok) this.patchImageUpdate({ running: false, result: result.data, error: null });
    else this.patchImageUpdate({ running: false, error: result.error });
    // The base-image check now says which image new bottles get.
    if (result.ok) void this.runChecks();
  };

  private onImageProgress(progress: ImageProgressView): void {
    if (progress.done) {
      this.patchImageUpdate({ progress, running: false, ...(progress.error ? { error: progress.error } : {}) });
      return;
    }
    // Another window may have started the build: this one shows it running too.
    this.patchImageUpdate({ progress, running: true, error: null, result: null });
  }

  // ---------------------------------------------------------------------------------------------
  // The app menu and the tray

  private zoom(direction: 'in' | 'out' | 'reset'): void {
    const step = direction === 'in' ? 1 : -1;
    this.fontSize = direction === 'reset' ? MODEL_CONSTANTS.zoomDefault : Math.min(MODEL_CONSTANTS.zoomMax, Math.max(MODEL_CONSTANTS.zoomMin, this.fontSize + step));
    this.registry.setFontSize(this.fontSize);
  }

  handleUiRequest = (request: UiRequest): void => {
    switch (request.action) {
      case 'new-bottle':
        document.querySelector<HTMLButtonElement>('.agent-list .button-primary')?.focus();
        break;
      case 'close-tab': {
        const slug = this.state.activeSlug;
        if (slug && !isLive(this.state.statuses[slug])) this.closeTab(slug);
        break;
      }
      case 'next-tab':
        this.cycleTab(1);
        break;
      case 'previous-tab':
        this.cycleTab(-1);
        break;
      case 'zoom':
        this.zoom(request.direction);
        break;
      case 'open-project':
        void this.openProject(request.dir);
        break;
      case 'start-agent':
        this.startAgent(request.agent, request.projectDir);
        break;
      case 'focus-bottle':
        if (this.state.tabs.some((tab) => tab.slug === request.slug)) this.update({ activeSlug: request.slug });
        else {
          this.closedTabs.delete(request.slug);
          void this.refreshList().then(() => this.focusTab(request.slug));
        }
        break;
      case 'resume-bottle':
        this.resume(request.slug);
        break;
    }
  };
}

/** What a tab shows once the process that ran its session is gone. */
function disconnectedStatus(slug: string, agent: string): BottleStatus {
  return {
    slug,
    agent,
    status: 'failed',
    message: DISCONNECTED,
    error: { kind: 'not-found', message: 'The app that ran this session stopped.', hint: 'If its container still runs, Running offers to re-attach it.' },
  };
}

export const DISCONNECTED = 'disconnected';

/** `reviewer-20250101T120000-ab12` → `reviewer`. */
function agentOfSlug(slug: string): string {
  return slug.replace(/-\d{8}T\d{6}-[0-9a-f]{4}$/, '');
}
