import { StringDecoder } from 'node:string_decoder';
import { TERMINAL_FLOW } from './constants';
import { ScreenMirror, type ScreenMirrorLimits } from './screenMirror';

// One bottle's terminal between its pty and the window:
//
//   pty ──onData──▶ batch (leading edge, then 5 ms / 200 KiB) ──send──▶ window (xterm.write) ──ack──▶ flow control
//                └─▶ screen mirror (a headless xterm, serialized for a window that (re)attaches)
//
// Flow control counts characters sent and not yet acknowledged. Above the high watermark the pty is
// paused: the process in the bottle blocks on its writes and nothing piles up here; below the low
// watermark it resumes. The mirror pauses the pty the same way if its parser falls behind (a flood
// with no window watching). Nothing in this file grows without bound. See docs/terminal.md.

import type { Disposable } from '../core/lifecycle/disposable';

/** What a terminal stream needs of a pseudo-terminal (ClaudeSession has it, so does node-pty). */
export interface PtyLike {
  onData(listener: (data: string | Buffer) => void): Disposable;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
}

export interface TerminalFlowLimits extends ScreenMirrorLimits {
  batchWindowMs: number;
  batchMaxChars: number;
  highWatermarkChars: number;
  lowWatermarkChars: number;
  resizeDebounceMs: number;
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface TerminalStreamStats {
  /** Sent to the window and not yet acknowledged. */
  unacknowledged: number;
  /** Waiting for the batch window to close. */
  pending: number;
  /** Written to the screen mirror and not yet parsed by it. */
  mirrorBacklog: number;
  /** The pty is paused (the window or the mirror is behind). */
  paused: boolean;
  attached: boolean;
}

export class TerminalStream implements Disposable {
  /** Until the session ends; then only its last screen is kept, in `endedReplay`. */
  private mirror: ScreenMirror | undefined;
  private endedReplay = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly subscription: Disposable;
  private pending: string[] = [];
  private pendingChars = 0;
  private batchTimer: NodeJS.Timeout | undefined;
  private resizeTimer: NodeJS.Timeout | undefined;
  private unacknowledged = 0;
  /** Why the pty is paused: the window has too much unacknowledged, or the mirror too much unparsed. */
  private windowBehind = false;
  private mirrorBehind = false;
  private paused = false;
  /** Someone is showing this terminal: only then is output sent and flow-controlled. */
  private attached = false;
  private disposed = false;
  /** When the last batch left, for the leading-edge send after a quiet spell. */
  private lastSentAt = -Infinity;

  constructor(
    private readonly pty: PtyLike,
    /** Delivers one batch to the window. */
    private readonly send: (data: string) => void,
    private readonly limits: TerminalFlowLimits = TERMINAL_FLOW,
    /** The pty's size when the stream takes it over. */
    size: TerminalSize = { cols: 80, rows: 24 },
  ) {
    this.mirror = new ScreenMirror(size.cols, size.rows, (behind) => {
      this.mirrorBehind = behind;
      this.updatePause();
    }, limits);
    this.subscription = pty.onData((data) => this.receive(typeof data === 'string' ? data : this.decoder.write(data)));
  }

  /**
   * A window (re)joins: it gets the screen as the mirror has it (what is waiting for the batch is
   * in there already, so it is not sent again), and flow control starts afresh (whatever an earlier
   * window never acknowledged is forgotten). The one place a replay is serialized.
   */
  attach(): string {
    this.flushPending(false);
    this.attached = true;
    this.unacknowledged = 0;
    this.windowBehind = false;
    this.updatePause();
    return this.mirror ? this.mirror.serialize() : this.endedReplay;
  }

  /**
   * Nobody shows this terminal any more (the window closed or reloaded, the last browser left):
   * output only feeds the mirror, and the session runs on, paced by the mirror alone.
   */
  detach(): void {
    this.attached = false;
    this.unacknowledged = 0;
    this.windowBehind = false;
    this.updatePause();
  }

  /** The window has written `chars` more characters to its terminal. */
  acknowledge(chars: number): void {
    this.unacknowledged = Math.max(0, this.unacknowledged - chars);
    if (this.windowBehind && this.unacknowledged < this.limits.lowWatermarkChars) {
      this.windowBehind = false;
      this.updatePause();
    }
  }

  write(data: string): void {
    if (!this.disposed) this.pty.write(data);
  }

  /** Debounced: a window being dragged produces dozens of sizes; the pty (and its mirror) get the last one. */
  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = undefined;
      if (this.disposed) return;
      this.pty.resize(cols, rows);
      this.mirror?.resize(cols, rows);
    }, this.limits.resizeDebounceMs);
  }

  /** Sends whatever is waiting now (before an exit status, so the tab shows the last output first). */
  flush(): void {
    this.flushPending(true);
  }

  stats(): TerminalStreamStats {
    return { unacknowledged: this.unacknowledged, pending: this.pendingChars, mirrorBacklog: this.mirror?.backlog ?? 0, paused: this.paused, attached: this.attached };
  }

  /**
   * The session ended: stops listening to the pty, drops the timers and frees the mirror, keeping
   * its last screen for the ended tab (a window that attaches later still sees how it ended).
   */
  dispose(): void {
    if (this.disposed) return;
    this.flushPending(true);
    this.disposed = true;
    this.subscription.dispose();
    clearTimeout(this.batchTimer);
    clearTimeout(this.resizeTimer);
    this.batchTimer = undefined;
    this.resizeTimer = undefined;
    this.endedReplay = this.mirror?.serialize() ?? '';
    this.mirror?.dispose();
    this.mirror = undefined;
    if (this.paused) {
      this.paused = false;
      this.pty.resume();
    }
  }

  private receive(data: string): void {
    if (this.disposed || data.length === 0) return;
    this.mirror?.write(data);
    if (!this.attached) return;
    this.pending.push(data);
    this.pendingChars += data.length;
    const quiet = this.batchTimer === undefined && performance.now() - this.lastSentAt >= this.limits.batchWindowMs;
    // After a quiet spell (a keystroke's echo) output leaves at once; a burst that follows within
    // the window is gathered, so a flood still crosses in few, bounded messages.
    if (quiet || this.pendingChars >= this.limits.batchMaxChars) this.flushPending(true);
    else this.batchTimer ??= setTimeout(() => this.flushPending(true), this.limits.batchWindowMs);
  }

  private flushPending(deliver: boolean): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.pendingChars === 0) return;
    const data = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    if (!deliver || !this.attached) return;
    this.unacknowledged += data.length;
    this.lastSentAt = performance.now();
    this.send(data);
    if (!this.windowBehind && this.unacknowledged > this.limits.highWatermarkChars) {
      this.windowBehind = true;
      this.updatePause();
    }
  }

  private updatePause(): void {
    const paused = !this.disposed && (this.windowBehind || this.mirrorBehind);
    if (this.paused === paused) return;
    this.paused = paused;
    if (paused) this.pty.pause();
    else this.pty.resume();
  }
}
