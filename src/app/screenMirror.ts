import serializeModule from '@xterm/addon-serialize';
import headlessModule from '@xterm/headless';
import { clampSize } from '../core/session/claudeSession';
import { TERMINAL_FLOW } from './constants';
import { OpenSequence } from './openSequence';

// Both packages are CommonJS without named ESM exports: Node hands them over as a default export.
const { Terminal } = headlessModule;
const { SerializeAddon } = serializeModule;

export interface ScreenMirrorLimits {
  mirrorScrollbackLines: number;
  mirrorHighWatermarkChars: number;
  mirrorLowWatermarkChars: number;
}

/**
 * A headless terminal fed with one bottle's output, as VS Code's pty host keeps one per terminal:
 * a window that (re)joins gets the screen it would have drawn — the alternate screen, the cursor,
 * the modes Claude set — instead of a raw tail that may start inside an escape sequence.
 *
 * Parsing is xterm's, asynchronous and in slices, so writing here never blocks the output path.
 * What is written and not yet parsed is kept (the same strings xterm holds) so that the replay is
 * exact at any moment: the parsed screen, serialized, followed by the unparsed rest as it came.
 * When that backlog passes the high watermark, `onBehind(true)` asks the owner to pause the source;
 * below the low watermark, `onBehind(false)`.
 */
export class ScreenMirror {
  private readonly terminal: InstanceType<typeof Terminal>;
  private readonly serializer: InstanceType<typeof SerializeAddon>;
  /** Written to the terminal and not yet parsed, oldest first. */
  private readonly unparsed: string[] = [];
  private unparsedChars = 0;
  /** The escape sequence the parsed output ends inside of, which the serializer cannot write. */
  private readonly openSequence = new OpenSequence();
  private behind = false;
  private disposed = false;
  /** Modes the serializer does not carry, tracked from the output itself. */
  private cursorHidden = false;
  private sgrMouse = false;

  constructor(
    cols: number,
    rows: number,
    private readonly onBehind: (behind: boolean) => void,
    private readonly limits: ScreenMirrorLimits = TERMINAL_FLOW,
  ) {
    const size = clampSize(cols, rows);
    this.terminal = new Terminal({ cols: size.cols, rows: size.rows, scrollback: limits.mirrorScrollbackLines, allowProposedApi: true });
    this.serializer = new SerializeAddon();
    this.terminal.loadAddon(this.serializer);
    // Observe DECSET/DECRST without handling them (return false): xterm still applies them.
    const observe = (set: boolean) => (params: (number | number[])[]) => {
      for (const param of params) {
        if (param === 25) this.cursorHidden = !set;
        else if (param === 1006) this.sgrMouse = set;
      }
      return false;
    };
    this.terminal.parser.registerCsiHandler({ prefix: '?', final: 'h' }, observe(true));
    this.terminal.parser.registerCsiHandler({ prefix: '?', final: 'l' }, observe(false));
    this.terminal.parser.registerEscHandler({ final: 'c' }, () => {
      this.cursorHidden = false; // a full reset (RIS) shows the cursor and ends SGR mouse reports
      this.sgrMouse = false;
      return false;
    });
  }

  /** Characters written and not yet parsed. */
  get backlog(): number {
    return this.unparsedChars;
  }

  write(data: string): void {
    if (this.disposed || data.length === 0) return;
    this.unparsed.push(data);
    this.unparsedChars += data.length;
    this.terminal.write(data, () => this.parsed());
    if (!this.behind && this.unparsedChars > this.limits.mirrorHighWatermarkChars) this.setBehind(true);
  }

  /** The session's pty was resized: the program draws for the new size from now on. */
  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    const size = clampSize(cols, rows);
    if (size.cols !== this.terminal.cols || size.rows !== this.terminal.rows) this.terminal.resize(size.cols, size.rows);
  }

  /**
   * What a fresh terminal must be written to show this screen: the parsed state (scrollback, the
   * alternate screen if it is on, cursor, modes), then the half of an escape sequence the parsed
   * output ended in, then whatever is still waiting to be parsed.
   */
  serialize(): string {
    if (this.disposed) return '';
    let state = this.serializer.serialize({ scrollback: this.limits.mirrorScrollbackLines });
    if (this.sgrMouse && this.terminal.modes.mouseTrackingMode !== 'none') state += '\x1b[?1006h';
    state += this.scrollRegion();
    state += this.savedCursor();
    if (this.cursorHidden) state += '\x1b[?25l';
    return state + this.openSequence.tail + this.unparsed.join('');
  }

  /**
   * The scroll margins (DECSTBM) a full-screen program set, which the serializer leaves out: without
   * them what comes after the replay scrolls the whole screen, header and status line too. Setting
   * them homes the cursor, so the cursor is put back after.
   */
  private scrollRegion(): string {
    const buffer = this.bufferInternals();
    const top = buffer?.scrollTop;
    const bottom = buffer?.scrollBottom;
    if (top === undefined || bottom === undefined || (top === 0 && bottom === this.terminal.rows - 1)) return '';
    return `\x1b[${top + 1};${bottom + 1}r${this.cursorHere()}`;
  }

  /**
   * The position a program saved with DECSC (ESC 7) to come back to with DECRC (ESC 8), which the
   * serializer leaves out too: saved again from the same place, then the cursor is put back.
   */
  private savedCursor(): string {
    const buffer = this.bufferInternals();
    if (buffer?.savedX === undefined || buffer.savedY === undefined || buffer.ybase === undefined) return '';
    const row = Math.min(Math.max(buffer.savedY - buffer.ybase, 0), this.terminal.rows - 1);
    const col = Math.min(buffer.savedX, this.terminal.cols - 1);
    if (row === 0 && col === 0) return ''; // where a fresh terminal's saved cursor already is
    return `\x1b[${row + 1};${col + 1}H\x1b7${this.cursorHere()}`;
  }

  private cursorHere(): string {
    const cursor = this.terminal.buffer.active;
    return `\x1b[${cursor.cursorY + 1};${cursor.cursorX + 1}H`;
  }

  /** xterm keeps the margins and the saved cursor on its active buffer, which the public API does not expose. */
  private bufferInternals(): { scrollTop?: number; scrollBottom?: number; savedX?: number; savedY?: number; ybase?: number } | undefined {
    type Internals = { _core?: { _bufferService?: { buffer?: ReturnType<ScreenMirror['bufferInternals']> } } };
    return (this.terminal as unknown as Internals)._core?._bufferService?.buffer;
  }

  /** Frees the terminal. Chunks xterm already queued are parsed into nothing and dropped. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.unparsed.length = 0;
    this.unparsedChars = 0;
    this.terminal.dispose();
  }

  private parsed(): void {
    if (this.disposed) return;
    const chunk = this.unparsed.shift();
    if (chunk === undefined) return;
    this.unparsedChars -= chunk.length;
    this.openSequence.feed(chunk);
    if (this.behind && this.unparsedChars <= this.limits.mirrorLowWatermarkChars) this.setBehind(false);
  }

  private setBehind(behind: boolean): void {
    this.behind = behind;
    this.onBehind(behind);
  }
}
