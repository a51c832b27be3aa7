import { StringDecoder } from 'node:string_decoder';
import { TERMINAL_FLOW } from './constants';
import { ReplayBuffer } from './replayBuffer';

// One bottle's terminal between its pty and the window:
//
//   pty ──onData──▶ batch (leading edge, then 5 ms / 200 KiB) ──send──▶ window (xterm.write) ──ack──▶ flow control
//                └─▶ replay buffer (last 256 KiB, for a re-attach)
//
// Flow control counts characters sent and not yet acknowledged. Above the high watermark the pty is
// paused: the process in the bottle blocks on its writes and nothing piles up here; below the low
// watermark it resumes. Nothing in this file grows without bound.

export interface Disposable {
  dispose(): void;
}

/** What a terminal stream needs of a pseudo-terminal (ClaudeSession has it, so does node-pty). */
export interface PtyLike {
  onData(listener: (data: string | Buffer) => void): Disposable;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
}

export interface TerminalFlowLimits {
  batchWindowMs: number;
  batchMaxChars: number;
  highWatermarkChars: number;
  lowWatermarkChars: number;
  replayMaxChars: number;
  resizeDebounceMs: number;
}

export interface TerminalStreamStats {
  /** Sent to the window and not yet acknowledged. */
  unacknowledged: number;
  /** Waiting for the batch window to close. */
  pending: number;
  replay: number;
  paused: boolean;
  attached: boolean;
}

export class TerminalStream implements Disposable {
  private readonly replay: ReplayBuffer;
  private readonly decoder = new StringDecoder('utf8');
  private readonly subscription: Disposable;
  private pending: string[] = [];
  private pendingChars = 0;
  private batchTimer: NodeJS.Timeout | undefined;
  private resizeTimer: NodeJS.Timeout | undefined;
  private unacknowledged = 0;
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
  ) {
    this.replay = new ReplayBuffer(limits.replayMaxChars);
    this.subscription = pty.onData((data) => this.receive(typeof data === 'string' ? data : this.decoder.write(data)));
  }

  /**
   * A window (re)joins: what is waiting is flushed into the replay, which it gets whole, and flow
   * control starts afresh (whatever an earlier window never acknowledged is forgotten).
   */
  attach(): string {
    this.flushPending(false);
    this.attached = true;
    this.unacknowledged = 0;
    this.setPaused(false);
    return this.replay.text();
  }

  /**
   * Nobody shows this terminal any more (the window closed or reloaded, the last browser left):
   * output only feeds the replay buffer, and the session runs on unthrottled.
   */
  detach(): void {
    this.attached = false;
    this.unacknowledged = 0;
    this.setPaused(false);
  }

  /** The window has written `chars` more characters to its terminal. */
  acknowledge(chars: number): void {
    this.unacknowledged = Math.max(0, this.unacknowledged - chars);
    if (this.paused && this.unacknowledged < this.limits.lowWatermarkChars) this.setPaused(false);
  }

  write(data: string): void {
    if (!this.disposed) this.pty.write(data);
  }

  /** Debounced: a window being dragged produces dozens of sizes; the pty gets the last one. */
  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = undefined;
      if (!this.disposed) this.pty.resize(cols, rows);
    }, this.limits.resizeDebounceMs);
  }

  /** Sends whatever is waiting now (before an exit status, so the tab shows the last output first). */
  flush(): void {
    this.flushPending(true);
  }

  stats(): TerminalStreamStats {
    return { unacknowledged: this.unacknowledged, pending: this.pendingChars, replay: this.replay.length, paused: this.paused, attached: this.attached };
  }

  /** Recent output, for a window that joins. */
  replayText(): string {
    return this.replay.text();
  }

  /** Stops listening to the pty and drops the timers; the replay buffer stays readable. */
  dispose(): void {
    if (this.disposed) return;
    this.flushPending(true);
    this.disposed = true;
    this.subscription.dispose();
    clearTimeout(this.batchTimer);
    clearTimeout(this.resizeTimer);
    this.batchTimer = undefined;
    this.resizeTimer = undefined;
    if (this.paused) this.setPaused(false);
  }

  private receive(data: string): void {
    if (this.disposed || data.length === 0) return;
    this.replay.append(data);
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
    if (!this.paused && this.unacknowledged > this.limits.highWatermarkChars) this.setPaused(true);
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (this.disposed && paused) return;
    if (paused) this.pty.pause();
    else this.pty.resume();
  }
}
