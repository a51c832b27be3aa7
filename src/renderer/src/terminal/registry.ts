import { LIMITS, type BottleApi } from '#contract';
import { TerminalController, type TerminalCallbacks } from './TerminalController';

// The terminals of this window by bottle slug. Terminal output is routed here straight from the
// API's `terminal.data` events, never through React state, so a flood of output costs no renders.

/** The read-only view tests use: `window.__bottleTerminals[slug].text()` is what the terminal shows. */
export interface TerminalProbe {
  text(): string;
  /** Resolves true once the text shows, even for a moment in a flood of output; false after the timeout. */
  waitFor(text: string, timeoutMs: number): Promise<boolean>;
  renderer(): 'webgl' | 'dom';
  /** Why it draws with that renderer (e.g. WebGL runs in software here). */
  rendererReason(): string;
  /** Calls back with each piece of output once xterm has parsed it; returns the unsubscribe. */
  onParsed(listener: (data: string) => void): () => void;
  /** Columns and rows, and the first buffer line on screen (to find a cell on screen). */
  size(): { cols: number; rows: number; viewportY: number };
}

declare global {
  interface Window {
    __bottleTerminals?: Readonly<Record<string, TerminalProbe>>;
  }
}

export class TerminalRegistry {
  private readonly controllers = new Map<string, TerminalController>();
  /** Slugs whose `terminal.attach` is in flight: their live output is covered by the replay. */
  private readonly attaching = new Set<string>();
  private readonly probes: Record<string, TerminalProbe> = {};
  private readonly unsubscribe: () => void;
  private readonly searchListeners = new Set<(slug: string) => void>();
  private fontSize: number | undefined;

  constructor(
    private readonly api: BottleApi,
    private readonly callbacks: { onLink(url: string): void },
  ) {
    Object.defineProperty(window, '__bottleTerminals', { value: this.probes, configurable: true, enumerable: false, writable: false });
    this.unsubscribe = api.on('terminal.data', ({ slug, data }) => {
      if (this.attaching.has(slug)) return;
      this.controllers.get(slug)?.write(data);
    });
  }

  get(slug: string): TerminalController | undefined {
    return this.controllers.get(slug);
  }

  /** The terminal of a bottle, created on first use. */
  ensure(slug: string): TerminalController {
    const existing = this.controllers.get(slug);
    if (existing) return existing;
    const callbacks: TerminalCallbacks = {
      onSearchRequested: () => {
        for (const listener of [...this.searchListeners]) listener(slug);
      },
    };
    const controller = new TerminalController(
      slug,
      {
        input: (data) => this.sendInput(slug, data),
        resize: (cols, rows) => void this.api.terminal.resize({ slug, cols: clamp(cols, LIMITS.maxCols), rows: clamp(rows, LIMITS.maxRows) }),
        ack: (chars) => void this.api.terminal.ack({ slug, chars }),
        openLink: (url) => this.callbacks.onLink(url),
      },
      callbacks,
    );
    if (this.fontSize !== undefined) controller.setFontSize(this.fontSize);
    this.controllers.set(slug, controller);
    Object.defineProperty(this.probes, slug, {
      value: Object.freeze({
        text: () => controller.text(),
        waitFor: (text: string, timeoutMs: number) => controller.waitForText(text, timeoutMs),
        renderer: () => controller.renderer,
        rendererReason: () => controller.rendererReason,
        onParsed: (listener: (data: string) => void) => controller.onParsed(listener),
        size: () => ({ ...controller.size(), viewportY: controller.term.buffer.active.viewportY }),
      }),
      configurable: true,
      enumerable: true,
      writable: false,
    });
    return controller;
  }

  /**
   * Joins a bottle's session: the recent output replaces whatever the terminal showed, and live
   * output that raced with the request is dropped (the replay holds it).
   */
  async attach(slug: string): Promise<Awaited<ReturnType<BottleApi['terminal']['attach']>>> {
    const controller = this.ensure(slug);
    this.attaching.add(slug);
    try {
      const result = await this.api.terminal.attach({ slug });
      if (result.ok) controller.replay(result.data.replay);
      return result;
    } finally {
      this.attaching.delete(slug);
    }
  }

  /** Ctrl/Cmd+F in a terminal asks for its search bar. */
  onSearchRequested(listener: (slug: string) => void): () => void {
    this.searchListeners.add(listener);
    return () => this.searchListeners.delete(listener);
  }

  /** The terminal font size of every terminal, now and later (the View menu's zoom). */
  setFontSize(size: number): void {
    this.fontSize = size;
    for (const controller of this.controllers.values()) controller.setFontSize(size);
  }

  remove(slug: string): void {
    this.controllers.get(slug)?.dispose();
    this.controllers.delete(slug);
    delete (this.probes as Record<string, unknown>)[slug];
  }

  slugs(): string[] {
    return [...this.controllers.keys()];
  }

  dispose(): void {
    this.unsubscribe();
    for (const slug of this.slugs()) this.remove(slug);
  }

  /** Long pastes go in pieces the contract accepts, never split inside a surrogate pair. */
  private sendInput(slug: string, data: string): void {
    let rest = data;
    while (rest.length > 0) {
      let size = Math.min(rest.length, LIMITS.maxInputChars);
      if (size < rest.length && isHighSurrogate(rest.charCodeAt(size - 1))) size -= 1;
      void this.api.terminal.input({ slug, data: rest.slice(0, size) });
      rest = rest.slice(size);
    }
  }
}

const clamp = (value: number, max: number): number => Math.max(1, Math.min(max, Math.floor(value)));
const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
