import { Terminal, type IDisposable } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon, type ISearchOptions } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { BASE_TERMINAL_OPTIONS, SHIFT_ENTER_SEQUENCE, TERMINAL_CONSTANTS, isOpenableLink } from './constants';
import { DARK_THEME, LIGHT_THEME, prefersDark } from './themes';
import { webglVerdict } from './webglProbe';

/** What a terminal needs from the bottle it shows. */
export interface TerminalBackend {
  /** Keystrokes and pastes, as the terminal encodes them. */
  input(data: string): void;
  resize(cols: number, rows: number): void;
  /** Flow control: this many characters of output have been parsed by xterm. */
  ack(chars: number): void;
  /** A link the user clicked; only http(s) ever reaches this. */
  openLink(url: string): void;
}

export interface TerminalCallbacks {
  /** Ctrl/Cmd+F inside the terminal. */
  onSearchRequested?(): void;
}

const SEARCH_DECORATIONS: ISearchOptions['decorations'] = {
  matchOverviewRuler: '#d19a3a',
  activeMatchColorOverviewRuler: '#e8590c',
  matchBackground: '#d19a3a66',
  activeMatchBackground: '#e8590caa',
};

/**
 * One bottle's xterm.js terminal, its addons and its data path. It exists before and after its
 * React view: output is written even while the tab is not mounted, and the view only opens the
 * terminal into an element. Everything it subscribes is released by `dispose`.
 */
export class TerminalController {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly search = new SearchAddon({ highlightLimit: TERMINAL_CONSTANTS.searchHighlightLimit });
  private readonly disposables: IDisposable[] = [];
  private readonly parsedListeners = new Set<(data: string) => void>();
  private webgl: WebglAddon | undefined;
  /** The WebGL renderer's pending loads (docs/terminal.md): a while after opening, or once idle after the first output. */
  private webglTimer: ReturnType<typeof setTimeout> | undefined;
  private webglIdle: number | undefined;
  private webglTried = false;
  private opened = false;
  private unacked = 0;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSentSize = { cols: 0, rows: 0 };
  private disposed = false;
  /** Set while output flows in with no one connected (a replay): nothing to acknowledge. */
  private ackEnabled = true;
  renderer: 'webgl' | 'dom' = 'dom';
  /** Why the terminal draws with its renderer (diagnostics and tests). */
  rendererReason = 'the DOM renderer until the first output is drawn';

  constructor(
    readonly slug: string,
    private readonly backend: TerminalBackend,
    private readonly callbacks: TerminalCallbacks = {},
  ) {
    this.term = new Terminal({
      ...BASE_TERMINAL_OPTIONS,
      theme: prefersDark() ? DARK_THEME : LIGHT_THEME,
      // OSC 8 hyperlinks: open only after the scheme is checked.
      linkHandler: { activate: (_event, uri) => this.openLink(uri), allowNonHttpProtocols: false },
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.term.loadAddon(new WebLinksAddon((_event, uri) => this.openLink(uri)));

    this.term.attachCustomKeyEventHandler((event) => this.handleKey(event));
    this.disposables.push(
      this.term.onData((data) => this.backend.input(data)),
      this.term.onBinary((data) => this.backend.input(data)),
      this.term.onResize(({ cols, rows }) => this.scheduleResize(cols, rows)),
    );

    if (typeof window.matchMedia === 'function') {
      const media = window.matchMedia('(prefers-color-scheme: dark)');
      const onScheme = (): void => {
        this.term.options.theme = media.matches ? DARK_THEME : LIGHT_THEME;
      };
      media.addEventListener('change', onScheme);
      this.disposables.push({ dispose: () => media.removeEventListener('change', onScheme) });
    }
  }

  /** Puts the terminal into its element (once), fits it, and schedules the WebGL renderer. */
  open(element: HTMLElement): void {
    if (this.disposed) return;
    if (!this.opened) {
      this.term.open(element);
      this.opened = true;
      this.webglTimer = setTimeout(() => this.tryWebgl(), TERMINAL_CONSTANTS.webglAfterOpenMs);
    } else if (this.term.element && this.term.element.parentElement !== element) {
      element.appendChild(this.term.element);
    }
    this.fitNow();
  }

  /** Output from the bottle. Acknowledged from xterm's write callback, once it has been parsed. */
  write(data: string): void {
    if (this.disposed || data.length === 0) return;
    const counted = this.ackEnabled;
    this.term.write(data, () => {
      if (this.disposed) return;
      if (!this.webglTried && this.webglIdle === undefined) this.webglIdle = requestIdleCallback(() => this.tryWebgl(), { timeout: TERMINAL_CONSTANTS.webglIdleTimeoutMs });
      for (const listener of this.parsedListeners) listener(data);
      if (!counted) return;
      this.unacked += data.length;
      while (this.unacked >= TERMINAL_CONSTANTS.ackStepChars) {
        this.unacked -= TERMINAL_CONSTANTS.ackStepChars;
        this.backend.ack(TERMINAL_CONSTANTS.ackStepChars);
      }
    });
  }

  /** Each piece of output once xterm has parsed it (the throughput bench times the output path with it). */
  onParsed(listener: (data: string) => void): () => void {
    this.parsedListeners.add(listener);
    return () => this.parsedListeners.delete(listener);
  }

  /**
   * Recent output replayed on (re)attach: the terminal is reset first so a reload shows the
   * session once. The replay was never counted as unacknowledged, so it is not acknowledged.
   */
  replay(data: string): void {
    if (this.disposed) return;
    this.term.reset();
    this.unacked = 0;
    this.ackEnabled = false;
    this.write(data);
    this.ackEnabled = true;
  }

  /** Fits the terminal to its element; the size reaches the bottle after the debounce. */
  fitNow(): void {
    if (!this.opened || this.disposed) return;
    const element = this.term.element?.parentElement;
    if (!element || element.clientWidth === 0 || element.clientHeight === 0) return; // hidden tab
    try {
      this.fit.fit();
    } catch {
      // The renderer is not ready yet (no character size): the next layout will fit.
    }
  }

  /** The current size, for a launch or attach request. */
  size(): { cols: number; rows: number } {
    return { cols: this.term.cols, rows: this.term.rows };
  }

  setFontSize(size: number): void {
    this.term.options.fontSize = size;
    this.fitNow();
  }

  focus(): void {
    this.term.focus();
  }

  findNext(text: string, options: { caseSensitive?: boolean; regex?: boolean } = {}): boolean {
    return this.search.findNext(text, { ...options, decorations: SEARCH_DECORATIONS, incremental: false });
  }

  findIncremental(text: string, options: { caseSensitive?: boolean; regex?: boolean } = {}): boolean {
    return this.search.findNext(text, { ...options, decorations: SEARCH_DECORATIONS, incremental: true });
  }

  findPrevious(text: string, options: { caseSensitive?: boolean; regex?: boolean } = {}): boolean {
    return this.search.findPrevious(text, { ...options, decorations: SEARCH_DECORATIONS });
  }

  clearSearch(): void {
    this.search.clearDecorations();
  }

  /** What the terminal shows (its active buffer, scrollback included), trailing blanks trimmed. */
  text(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let index = 0; index < buffer.length; index += 1) {
      lines.push(buffer.getLine(index)?.translateToString(true) ?? '');
    }
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  /**
   * Resolves true once `text` shows in the terminal, checking the lines each parsed write touched
   * (so a line that scrolls away within a flood of output is still seen), or false after the timeout.
   */
  waitForText(text: string, timeoutMs: number): Promise<boolean> {
    if (this.text().includes(text)) return Promise.resolve(true);
    return new Promise((resolve) => {
      let lineFeeds = 0;
      const subscriptions: IDisposable[] = [];
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (found: boolean): void => {
        clearTimeout(timer);
        for (const subscription of subscriptions.splice(0)) subscription.dispose();
        resolve(found);
      };
      subscriptions.push(
        this.term.onLineFeed(() => {
          lineFeeds += 1;
        }),
        this.term.onWriteParsed(() => {
          const buffer = this.term.buffer.active;
          const count = Math.min(buffer.length, lineFeeds + this.term.rows + 1);
          lineFeeds = 0;
          for (let index = buffer.length - count; index < buffer.length; index += 1) {
            if (buffer.getLine(index)?.translateToString(true).includes(text)) return finish(true);
          }
        }),
      );
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.parsedListeners.clear();
    if (this.resizeTimer !== undefined) clearTimeout(this.resizeTimer);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    clearTimeout(this.webglTimer);
    if (this.webglIdle !== undefined) cancelIdleCallback(this.webglIdle);
    this.webgl?.dispose();
    this.term.dispose();
  }

  /**
   * Loads the WebGL renderer, once: after the first output is drawn and the page is idle, or a
   * while after opening for a terminal that shows nothing, and only on a hardware GPU. Until then,
   * or for good, xterm draws with its DOM renderer.
   */
  private tryWebgl(): void {
    if (this.webglTried || this.disposed) return;
    this.webglTried = true;
    clearTimeout(this.webglTimer);
    if (this.webglIdle !== undefined) cancelIdleCallback(this.webglIdle);
    const verdict = webglVerdict();
    this.rendererReason = verdict.reason;
    if (!verdict.use) return;
    try {
      const webgl = new WebglAddon();
      this.term.loadAddon(webgl);
      this.webgl = webgl;
      this.renderer = 'webgl';
      // A lost GPU context (driver reset, too many contexts) falls back to the DOM renderer.
      this.disposables.push(
        webgl.onContextLoss(() => {
          webgl.dispose();
          if (this.webgl === webgl) this.webgl = undefined;
          this.renderer = 'dom';
          this.rendererReason = 'the WebGL context was lost';
        }),
      );
    } catch {
      // WebGL2 refused after all: xterm keeps its DOM renderer.
      this.webgl = undefined;
      this.renderer = 'dom';
      this.rendererReason = 'the WebGL renderer could not start';
    }
  }

  private scheduleResize(cols: number, rows: number): void {
    if (this.resizeTimer !== undefined) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = undefined;
      if (this.disposed || (cols === this.lastSentSize.cols && rows === this.lastSentSize.rows)) return;
      this.lastSentSize = { cols, rows };
      this.backend.resize(cols, rows);
    }, TERMINAL_CONSTANTS.resizeDebounceMs);
  }

  private openLink(uri: string): void {
    if (isOpenableLink(uri)) this.backend.openLink(uri);
  }

  /** Returns false for keys the terminal must not handle itself. */
  private handleKey(event: KeyboardEvent): boolean {
    const mod = event.ctrlKey || event.metaKey;
    if (event.key === 'Enter' && event.shiftKey && !mod && !event.altKey) {
      // Every phase of Shift+Enter is swallowed; the sequence is sent once, on keydown.
      if (event.type === 'keydown') {
        event.preventDefault();
        this.backend.input(SHIFT_ENTER_SEQUENCE);
      }
      return false;
    }
    if (event.type !== 'keydown') return true;
    const key = event.key.toLowerCase();
    if (mod && !event.altKey && key === 'f') {
      event.preventDefault();
      this.callbacks.onSearchRequested?.();
      return false;
    }
    // Copy: Ctrl+Shift+C everywhere, or Ctrl/Cmd+C while text is selected (else it is an interrupt).
    if (mod && key === 'c' && (event.shiftKey || this.term.hasSelection())) {
      const selection = this.term.getSelection();
      if (selection) {
        event.preventDefault();
        void navigator.clipboard?.writeText(selection).catch(() => undefined);
      }
      return false;
    }
    // Paste: Ctrl+Shift+V (or Cmd+V) lets the browser deliver a paste event, which xterm sends
    // bracketed when the program asked for it.
    if (key === 'v' && ((event.ctrlKey && event.shiftKey) || event.metaKey)) return false;
    return true;
  }
}
