import type { BottleApi, BottleStatus, CommandResult, ErrorInfo, RecentProject, UiRequest } from '#contract';
import { checkCredential, describeLogin, LOGIN_SECRET_NAME, type LoginKind } from '#claude-credential';
import type { Connection, ConnectionState } from '../api/connection';
import { isLive } from '../format';
import type { TerminalRegistry } from '../terminal/registry';
import { persisted } from './persist';
import { agentOfSlug, busySet, type BottlesState, initialBottles, listReceived, startedRunning, statusReceived } from './slices/bottles';
import * as checks from './slices/checks';
import * as preflight from './slices/preflight';
import * as project from './slices/project';
import * as requests from './slices/requests';
import { initialPrune, type PruneState } from './slices/prune';
import { hasTab, initialTabs, searchClosed, searchOpened, tabClosed, tabFocused, tabOpened, tabReopenable, type TabsState, tabsCycled, ZOOM, zoomed } from './slices/tabs';
import { errorToast, notificationToast, type Toast, toastAdded, toastDismissed, TOASTS, type ToastsState } from './slices/toasts';

// The window's state as a plain object React subscribes to (useSyncExternalStore), and the glue
// between it and the core: each action calls the core and applies the answer with the pure
// transitions of a slice (./slices, see docs/window.md). Terminal output never passes through here
// (see TerminalRegistry): this holds what the sidebar, the tabs and the dialog show. Everything it
// subscribes is released by `dispose`.

export interface AppState {
  info: CommandResult<'app.info'> | null;
  connection: ConnectionState;
  /** Secrets can be stored in the app (an OS keychain is reachable: the desktop app, or secret-tool / security). */
  secretsAvailable: boolean;
  /** Claude's credential as bottles will get it, by kind and last 4 characters; null when there is none. */
  credential: CommandResult<'secrets.list'>['claude'] | null;
  recent: RecentProject[];
  project: project.ProjectState;
  bottles: BottlesState;
  tabs: TabsState;
  preflight: preflight.PreflightState;
  checks: checks.ChecksState;
  toasts: ToastsState;
  requests: requests.RequestsState;
  prune: PruneState;
}

/** How long `bottles.changed` waits before the list is fetched (changes in between share the fetch). */
const LIST_REFRESH_PAUSE_MS = 250;

export class AppModel {
  private state: AppState;
  private readonly listeners = new Set<() => void>();
  private readonly disposers: (() => void)[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private listInFlight: Promise<void> | null = null;
  private listAgain = false;
  private listFetchPending = false;
  /**
   * Tabs that joined their bottle while it was building or starting: the core sends them its
   * session's output from the first byte, so they need no second attach when it runs.
   */
  private readonly joinedBeforeRunning = new Set<string>();
  private toastSeq = 0;
  private fontSize: number = ZOOM.default;
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
      connection: connection.state,
      secretsAvailable: false,
      credential: null,
      recent: [],
      project: project.initialProject,
      bottles: initialBottles,
      tabs: initialTabs(persisted.closedTabs()),
      preflight: preflight.initialPreflight,
      checks: checks.initialChecks,
      toasts: [],
      requests: requests.initialRequests,
      prune: initialPrune,
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
      this.api.on('bottles.changed', () => this.refreshListSoon()),
      this.api.on('projects.changed', () => void this.refreshRecent()),
      this.api.on('app.notification', (note) => {
        // Claude waiting is shown on its tab; the other notes as toasts. A hidden page (browser mode) also asks the desktop.
        if (note.kind !== 'waiting') this.toast(notificationToast(note));
        if (note.kind === 'waiting' || note.kind === 'attention') desktopNotify(note);
      }),
      this.api.on('ui.request', (request) => this.handleUiRequest(request)),
      this.api.on('bottle.request', (request) => this.update((state) => ({ requests: requests.requestReceived(state.requests, request) }))),
      this.api.on('bottle.requestSettled', ({ slug, id }) => this.update((state) => ({ requests: requests.requestSettled(state.requests, slug, id) }))),
      this.api.on('preflight.network', (check) => this.update((state) => ({ preflight: preflight.networkChecked(state.preflight, check) }))),
      this.api.on('image.progress', (progress) => this.update((state) => ({ checks: checks.imageProgressed(state.checks, progress) }))),
      this.registry.onSearchRequested((slug) => this.update((state) => ({ tabs: searchOpened(state.tabs, slug) }))),
      this.watchConnection(),
    );
    const onHide = (): void => {
      // An open preflight holds a prepared state folder: cancel it if the page goes away.
      const slug = this.state.preflight.slug;
      if (slug) void this.api.bottles.cancel({ slug });
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
    if (first && project.untouched(this.state.project)) void this.openProject(first);
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
      for (const tab of this.state.tabs.open) void this.attachTab(tab.slug);
      void this.refreshList();
      void this.refreshRecent();
      const dir = project.currentDir(this.state.project);
      if (dir) void this.openProject(dir);
    });
  }

  private onStatus(status: BottleStatus): void {
    const before = this.state.bottles.statuses[status.slug];
    this.update((state) => ({ bottles: statusReceived(state.bottles, status) }));
    if (!isLive(status)) this.joinedBeforeRunning.delete(status.slug); // it failed or ended before it ran
    if (!startedRunning(before, status)) return;
    // A tab that joined while its bottle was starting already gets the session's output; one that
    // did not (a relaunch that took over the tab, an attach that failed) joins now, and the replay
    // holds everything printed so far. A second attach would hold the first output back a round trip.
    if (this.joinedBeforeRunning.delete(status.slug)) return;
    if (hasTab(this.state.tabs, status.slug)) void this.attachTab(status.slug);
  }

  // ---------------------------------------------------------------------------------------------
  // Toasts

  toast(entry: Omit<Toast, 'id'>): void {
    this.toastSeq += 1;
    const id = this.toastSeq;
    this.update((state) => ({ toasts: toastAdded(state.toasts, { ...entry, id }) }));
    this.later(() => this.dismissToast(id), TOASTS.shownMs);
  }

  dismissToast = (id: number): void => {
    this.update((state) => ({ toasts: toastDismissed(state.toasts, id) }));
  };

  private toastError(error: ErrorInfo): void {
    this.toast(errorToast(error));
  }

  private setBusy(slug: string, on: boolean): void {
    this.update((state) => ({ bottles: busySet(state.bottles, slug, on) }));
  }

  // ---------------------------------------------------------------------------------------------
  // Projects

  openProject = async (dir: string): Promise<void> => {
    this.update((state) => ({ project: project.opening(state.project, dir) }));
    const seq = this.state.project.seq;
    const result = await this.api.projects.open({ dir });
    if (seq !== this.state.project.seq) return;
    // A failure is shown in place of the agents, with its file:line:column; "Try again" re-reads the file.
    this.update((state) => ({ project: project.opened(state.project, seq, dir, result) }));
    persisted.setProject(result.ok ? result.data.root : dir);
  };

  /** "Create claude-bottle.json" for a folder without one: the starter manifest, then its agents. */
  createManifest = async (dir: string): Promise<void> => {
    this.update((state) => ({ project: project.creating(state.project) }));
    const seq = this.state.project.seq;
    const result = await this.api.projects.init({ dir });
    if (seq !== this.state.project.seq) return;
    this.update((state) => ({ project: project.created(state.project, seq, result) }));
    if (result.ok) {
      persisted.setProject(result.data.root);
    } else {
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
    this.update({ secretsAvailable: result.ok && result.data.available, credential: result.ok ? (result.data.claude ?? null) : null });
  }

  /**
   * Signs in: stores a pasted API key or subscription token under the name the launch reads, and
   * forgets the other kind (one login). Answers the error to show in the dialog, or null. The value
   * goes to the core and is kept nowhere here.
   */
  signIn = async (raw: string, kind?: LoginKind): Promise<ErrorInfo | null> => {
    const checked = checkCredential(raw, kind);
    if (!checked.ok) return { kind: 'usage', message: `Not stored: ${checked.problem}`, ...(checked.unknownKind ? { hint: 'if it is one, say which kind it is' } : {}) };
    const result = await this.api.secrets.set({ name: LOGIN_SECRET_NAME[checked.kind], value: checked.value });
    if (!result.ok) return result.error;
    await this.api.secrets.delete({ name: LOGIN_SECRET_NAME[checked.kind === 'api-key' ? 'oauth' : 'api-key'] });
    await this.refreshSecretsAvailable();
    this.toast({ tone: 'info', title: `Signed in (${describeLogin(checked.kind, checked.value)})`, body: 'Encrypted with the OS keychain; every bottle whose manifest names no credential of its own gets it.' });
    const dir = project.currentDir(this.state.project);
    if (dir) await this.openProject(dir);
    return null;
  };

  /** Forgets both stored kinds; a credential in the environment stays (and the window says so). */
  signOut = async (): Promise<ErrorInfo | null> => {
    const removed: string[] = [];
    for (const name of Object.values(LOGIN_SECRET_NAME)) {
      const result = await this.api.secrets.delete({ name });
      if (!result.ok) return result.error;
      if (result.data.deleted) removed.push(name);
    }
    await this.refreshSecretsAvailable();
    this.toast({ tone: 'info', title: 'Signed out', body: removed.length > 0 ? `Forgot the stored ${removed.join(' and ')}.` : 'No credential was stored in the app.' });
    return null;
  };

  /**
   * Stores a missing secret in the app, then re-reads the project so its badge goes. Answers the
   * error to show beside the input, or null. The value goes to the core and is kept nowhere here.
   */
  storeSecret = async (name: string, value: string): Promise<ErrorInfo | null> => {
    const result = await this.api.secrets.set({ name, value });
    if (!result.ok) return result.error;
    this.toast({ tone: 'info', title: `${name} is stored in the app`, body: 'Encrypted with the OS keychain; bottles started from here get it.' });
    const dir = project.currentDir(this.state.project);
    if (dir) await this.openProject(dir);
    return null;
  };

  private async refreshRecent(): Promise<void> {
    const result = await this.api.projects.recent();
    if (result.ok) this.update({ recent: result.data.projects });
  }

  // ---------------------------------------------------------------------------------------------
  // Bottles: the list, tabs and terminals

  /**
   * The list fetched after a short pause: a launch sends several changes within a few hundred
   * milliseconds, and each fetch (Docker's container list, the state folders) competes with the
   * bottle's own start on the same cores; its tab shows its status meanwhile.
   */
  private refreshListSoon(): void {
    if (this.listFetchPending || this.disposed) return;
    this.listFetchPending = true;
    this.later(() => {
      this.listFetchPending = false;
      void this.refreshList();
    }, LIST_REFRESH_PAUSE_MS);
  }

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
        if (result.ok) this.applyList(result);
        else if (result.error.kind !== 'internal') this.toastError(result.error);
      } while (this.listAgain && !this.disposed);
    };
    this.listInFlight = run().finally(() => {
      this.listInFlight = null;
    });
    return this.listInFlight;
  };

  private applyList({ data: list }: { data: CommandResult<'bottles.list'> }): void {
    const next = listReceived(this.state.bottles, this.state.tabs, list);
    this.update({ bottles: next.bottles, tabs: next.tabs });
    for (const slug of next.joined) {
      this.registry.ensure(slug);
      void this.attachTab(slug);
    }
    // Requests the window has not heard of (it reloaded while they waited): ask the core for them.
    for (const session of list.sessions) {
      const known = this.state.requests.bySlug[session.slug]?.length ?? 0;
      if ((session.pendingRequests ?? 0) !== known) void this.loadRequests(session.slug);
    }
  }

  /** "Find unused…": what no bottle owns, listed before anything is removed. */
  findUnused = async (): Promise<void> => {
    this.update({ prune: { items: this.state.prune.items, busy: true } });
    const result = await this.api.app.prune({});
    this.update({ prune: result.ok ? { items: result.data.items, busy: false } : { items: null, busy: false, note: result.error.message } });
  };

  /** "Remove N": exactly the listed items that are still unused. */
  removeUnused = async (): Promise<void> => {
    const shown = this.state.prune.items ?? [];
    this.update({ prune: { items: shown, busy: true } });
    const result = await this.api.app.prune({ remove: shown.map(({ kind, name }) => ({ kind, name })) });
    if (!result.ok) {
      this.update({ prune: { items: shown, busy: false, note: result.error.message } });
      return;
    }
    const failed = result.data.failures.map((failure) => `${failure.name}: ${failure.error}`).join('; ');
    this.update({ prune: { items: result.data.items, busy: false, note: `Removed ${result.data.removed}.${failed ? ` Could not remove ${failed}` : ''}` } });
  };

  private async loadRequests(slug: string): Promise<void> {
    const result = await this.api.bottles.requests({ slug });
    if (result.ok) this.update((state) => ({ requests: requests.requestsLoaded(state.requests, slug, result.data.requests) }));
  }

  /** Grant or Deny in a bottle's request dialog. A grant may relaunch the bottle, in the same tab. */
  answerRequest = async (slug: string, id: string, decision: 'grant' | 'deny'): Promise<void> => {
    this.update((state) => ({ requests: requests.answeringSet(state.requests, id, true) }));
    const result = await this.api.bottles.answerRequest({ slug, id, decision });
    this.update((state) => ({ requests: requests.answeringSet(state.requests, id, false) }));
    if (!result.ok) {
      this.toastError(result.error);
      void this.loadRequests(slug);
    }
  };

  private async attachTab(slug: string): Promise<void> {
    const result = await this.registry.attach(slug);
    const starting = result.ok && isLive(result.data.status) && result.data.status.status !== 'running';
    if (starting && this.state.bottles.statuses[slug]?.status !== 'running') this.joinedBeforeRunning.add(slug);
    else this.joinedBeforeRunning.delete(slug);
    if (result.ok) this.update((state) => ({ bottles: statusReceived(state.bottles, result.data.status) }));
    else if (result.error.kind !== 'not-found' && result.error.kind !== 'internal') this.toastError(result.error);
  }

  private openTab(slug: string, agent: string, status?: BottleStatus): void {
    const tabs = tabOpened(this.state.tabs, slug, agent);
    persisted.setClosedTabs(tabs.closed);
    this.registry.ensure(slug);
    this.update((state) => ({ bottles: status ? statusReceived(state.bottles, status) : state.bottles, tabs }));
    void this.attachTab(slug);
  }

  /** Shows a bottle's tab, opening it again for a session of the core this window had closed. */
  focusTab = (slug: string): void => {
    if (hasTab(this.state.tabs, slug)) this.update((state) => ({ tabs: tabFocused(state.tabs, slug) }));
    else {
      const session = this.state.bottles.sessionsBySlug.get(slug);
      if (session) this.openTab(slug, session.agent);
    }
  };

  closeTab = (slug: string): void => {
    const tabs = tabClosed(this.state.tabs, slug);
    persisted.setClosedTabs(tabs.closed);
    this.update({ tabs });
    this.registry.remove(slug);
    // The core forgets an ended bottle's terminal with its tab (a running one it refuses: no harm).
    void this.api.terminal.close({ slug });
  };

  closeSearch = (): void => this.update((state) => ({ tabs: searchClosed(state.tabs) }));

  private terminalSize(): { cols: number; rows: number } {
    const activeSlug = this.state.tabs.active;
    const active = activeSlug ? this.registry.get(activeSlug) : undefined;
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
    const agent = this.state.bottles.list.detached.find((bottle) => bottle.slug === slug)?.agent ?? slug;
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

  private cancelPrepared(slug: string | null): void {
    if (slug) void this.api.bottles.cancel({ slug });
  }

  private async prepare(request: preflight.PrepareRequest): Promise<void> {
    this.update((state) => ({ preflight: preflight.preparing(state.preflight, request) }));
    const seq = this.state.preflight.seq;
    const result =
      request.kind === 'start'
        ? await this.api.bottles.prepare({ projectDir: request.projectDir, agent: request.agent, ...request.options })
        : await this.api.bottles.prepareResume({ slug: request.slug });
    const answer = preflight.prepared(this.state.preflight, seq, result);
    // The dialog was closed or prepared again meanwhile: this plan is nobody's.
    this.cancelPrepared(answer.orphan);
    if (answer.state !== this.state.preflight) this.update({ preflight: answer.state });
  }

  startAgent = (agent: string, projectDir?: string): void => {
    const root = projectDir ?? this.state.project.view?.root;
    if (!root) return;
    const view = this.state.project.view?.agents.find((entry) => entry.name === agent);
    void this.prepare({ kind: 'start', projectDir: root, agent, options: { copyProject: false, remoteControl: view?.remoteControl ?? false } });
  };

  resume = (slug: string): void => {
    const entry = this.state.bottles.list.preserved.find((bottle) => bottle.slug === slug);
    void this.prepare({ kind: 'resume', slug, agent: entry?.agent ?? agentOfSlug(slug) });
  };

  /** A toggle prepares again: the old bottle is cancelled and a new plan made with the new options. */
  togglePreflight = (option: 'copyProject' | 'remoteControl', value: boolean): void => {
    const request = preflight.toggledRequest(this.state.preflight, option, value);
    if (!request) return;
    const { state, cancel } = preflight.dropped(this.state.preflight);
    this.cancelPrepared(cancel);
    this.update({ preflight: state });
    void this.prepare(request);
  };

  cancelPreflight = (): void => {
    const { state, cancel } = preflight.cancelled(this.state.preflight);
    this.cancelPrepared(cancel);
    this.update({ preflight: state });
  };

  /** Show plan only: the plan as text, and the prepared bottle cancelled at once (like --dry-run). */
  showPlanOnly = (): void => {
    const next = preflight.planShown(this.state.preflight);
    if (!next) return;
    this.cancelPrepared(next.cancel);
    this.update({ preflight: next.state });
  };

  closePreflight = (): void => this.update((state) => ({ preflight: preflight.closed(state.preflight) }));

  confirmPreflight = async (): Promise<void> => {
    const launch = preflight.confirming(this.state.preflight);
    if (!launch) return;
    askToNotify();
    this.update({ preflight: launch.state });
    const size = this.terminalSize();
    const result = await this.api.bottles.confirm({ slug: launch.slug, cols: size.cols, rows: size.rows });
    const next = preflight.confirmed(this.state.preflight, launch.seq, result);
    if (!next) return;
    this.update({ preflight: next });
    // The list follows from the service's bottles.changed, which the launch sends.
    if (result.ok) this.openTab(launch.slug, launch.agent, result.data);
  };

  // ---------------------------------------------------------------------------------------------
  // First-run checks and "Update Claude Code"

  /** Runs the checks; on start (`auto`) the panel opens by itself when one fails or warns. */
  runChecks = async ({ auto = false }: { auto?: boolean } = {}): Promise<void> => {
    this.update((state) => ({ checks: checks.checksRunning(state.checks) }));
    const result = await this.api.app.doctor();
    this.update((state) => ({ checks: checks.checksAnswered(state.checks, result, { auto, dismissed: persisted.checksDismissed() }) }));
  };

  /** The sidebar's Checks button: the panel, with fresh results. */
  showChecks = (): void => {
    this.update((state) => ({ checks: checks.checksShown(state.checks) }));
    if (!this.state.checks.loading) void this.runChecks();
  };

  dismissChecks = (): void => {
    persisted.setChecksDismissed();
    this.update((state) => ({ checks: checks.checksDismissed(state.checks) }));
  };

  updateClaude = async (): Promise<void> => {
    const started = checks.imageUpdateStarted(this.state.checks);
    if (!started) return;
    this.update({ checks: started });
    const result = await this.api.images.updateClaude();
    this.update((state) => ({ checks: checks.imageUpdateAnswered(state.checks, result) }));
    // The base-image check now says which image new bottles get.
    if (result.ok) void this.runChecks();
  };

  // ---------------------------------------------------------------------------------------------
  // The app menu and the tray

  handleUiRequest = (request: UiRequest): void => {
    switch (request.action) {
      case 'new-bottle':
        document.querySelector<HTMLButtonElement>('.agent-list .button-primary')?.focus();
        break;
      case 'close-tab': {
        const slug = this.state.tabs.active;
        if (slug && !isLive(this.state.bottles.statuses[slug])) this.closeTab(slug);
        break;
      }
      case 'next-tab':
        this.update((state) => ({ tabs: tabsCycled(state.tabs, 1) }));
        break;
      case 'previous-tab':
        this.update((state) => ({ tabs: tabsCycled(state.tabs, -1) }));
        break;
      case 'zoom':
        this.fontSize = zoomed(this.fontSize, request.direction);
        this.registry.setFontSize(this.fontSize);
        break;
      case 'open-project':
        void this.openProject(request.dir);
        break;
      case 'start-agent':
        this.startAgent(request.agent, request.projectDir);
        break;
      case 'focus-bottle':
        if (hasTab(this.state.tabs, request.slug)) this.update((state) => ({ tabs: tabFocused(state.tabs, request.slug) }));
        else {
          this.update((state) => ({ tabs: tabReopenable(state.tabs, request.slug) }));
          void this.refreshList().then(() => this.focusTab(request.slug));
        }
        break;
      case 'resume-bottle':
        this.resume(request.slug);
        break;
    }
  };
}

/**
 * In browser mode, the browser's own notification when the page is hidden and the user allowed
 * them (asked once, on the first Confirm). The desktop app's notifications come from its main process.
 */
function desktopNotify(note: { title: string; body: string }): void {
  if (typeof Notification === 'undefined' || !document.hidden || Notification.permission !== 'granted') return;
  if ((window as { bottle?: unknown }).bottle) return;
  new Notification(note.title, { body: note.body });
}

/** Asks once for permission to notify, from a click (browsers allow the question only then). */
export function askToNotify(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default' || (window as { bottle?: unknown }).bottle) return;
  void Notification.requestPermission().catch(() => undefined);
}
