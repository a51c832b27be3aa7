// Tunables of the window's side of the app, one block per concern, each with why it has its value.

/** The terminal's data path: pty → batch → window, with acknowledged-character flow control. */
export const TERMINAL_FLOW = {
  /** A burst is gathered this long before it crosses to the window (its first chunk after a quiet spell goes at once, so echo is not delayed). */
  batchWindowMs: 5,
  /** ...unless this much is waiting: a flood crosses in messages the window starts parsing while the next ones travel. */
  batchMaxChars: 64 * 1024,
  /**
   * Pause the pty when the window has this much unacknowledged output. What a keystroke's echo waits
   * behind in a flood: with the batch cap on top, about what the 100,000 + 200 KiB batches before
   * allowed in flight (xterm.js advises ≤ 500 KB for responsive typing).
   */
  highWatermarkChars: 256_000,
  /**
   * Resume once the window is down to this: half the window, so the next output is on its way while
   * the window parses the rest. Resuming near empty (5,000 before) left the window idle for each
   * round trip (ack → pty → batch → WebSocket), about half the time in a flood (docs/terminal.md).
   */
  lowWatermarkChars: 128_000,
  /**
   * History the host's headless copy of each terminal keeps, and a re-attached window gets back
   * above the screen: Claude prints its conversation into the scrollback, so a reload should keep
   * some to scroll through; 1000 lines bound the mirror at ~1.4 MB of cells at 120 columns
   * (12 bytes a cell) and its replay at a few hundred KB.
   */
  mirrorScrollbackLines: 1000,
  /** Pause the pty when the headless copy has this much output it has not parsed yet (it parses tens of MB/s; only a flood gets here). */
  mirrorHighWatermarkChars: 500_000,
  /** Resume once it is down to this. */
  mirrorLowWatermarkChars: 100_000,
  /** Column changes reflow the whole scrollback in xterm and Claude's TUI: wait for the drag to settle. */
  resizeDebounceMs: 100,
} as const;

/** Bottles and their sessions as the service keeps them. */
export const SERVICE_LIMITS = {
  /** Launch progress can arrive per build-output line; the window needs a few updates a second. */
  progressIntervalMs: 100,
  /** Ended sessions stay listed (their tab shows "exited 3" and replays) until closed; older ones are dropped. */
  maxEndedSessions: 20,
  /** Recent projects remembered across restarts (and offered in the tray). */
  maxRecentProjects: 10,
  /** Egress log entries a tab holds (the whole log is in the state folder and `claude-bottle logs`). */
  egressEntries: 500,
  /** Egress entries are sent to the window in batches: a bottle hammering a refused host costs a few events a second. */
  egressBatchMs: 250,
} as const;
