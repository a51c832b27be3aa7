// The terminal's tunables in one place, each with why it has its value (see docs/terminal.md; after VS Code's
// FlowControlConstants and xterm.js's flow-control guide).

export const TERMINAL_CONSTANTS = {
  /**
   * Characters are acknowledged to the core in steps of this size, from xterm's write callback,
   * i.e. once xterm has parsed them. The core pauses the pty while too many are unacknowledged, so
   * a process printing forever cannot flood the window. Well below the core's low watermark (the
   * remainder under one step is never acknowledged), and big enough that a flood costs few acks.
   */
  ackStepChars: 16_000,
  /** Column/row changes are sent after the layout has been still this long (a drag sends many). */
  resizeDebounceMs: 100,
  /** Lines kept above the screen: enough for a long Claude answer, bounded so memory stays flat. */
  scrollback: 5_000,
  /** Highlight every search match up to this many; more is slow and not useful. */
  searchHighlightLimit: 1_000,
  /**
   * The WebGL renderer is loaded once the terminal's first output has been drawn and the page is
   * idle (or this long after the terminal opened with none): creating its context and glyph atlas
   * takes the main thread for tens of milliseconds (far more without a GPU), which at launch would
   * delay Claude's first screen and compete with the container starting.
   */
  webglAfterOpenMs: 2_000,
  /** ...and at most this long after the first output, if the page is never idle. */
  webglIdleTimeoutMs: 500,
  fontSize: 13,
  lineHeight: 1.1,
  fontFamily: '"JetBrains Mono", "SF Mono", Menlo, "DejaVu Sans Mono", "Liberation Mono", Consolas, monospace',
} as const;

/** The options every bottle's xterm is made with, before its theme and link handler (the throughput bench makes its baseline with them too). */
export const BASE_TERMINAL_OPTIONS = {
  // The Unicode 11 width tables and search decorations are "proposed" API in xterm.js.
  allowProposedApi: true,
  scrollback: TERMINAL_CONSTANTS.scrollback,
  fontSize: TERMINAL_CONSTANTS.fontSize,
  lineHeight: TERMINAL_CONSTANTS.lineHeight,
  fontFamily: TERMINAL_CONSTANTS.fontFamily,
  // A steady cursor, as VS Code's terminal has by default: xterm's DOM renderer blinks it with a
  // CSS animation, which makes Chromium draw every frame of a window that waits for input (and of
  // every launch, until Claude hides the cursor): 60 frames a second of style, paint and compositing.
  cursorBlink: false,
  macOptionIsMeta: true,
} as const;

/** What Claude Code's own `/terminal-setup` makes Shift+Enter send: ESC then CR (a newline in the prompt). */
export const SHIFT_ENTER_SEQUENCE = '\x1b\r';

/** Link schemes a click in the terminal may open; anything else (file:, javascript:, ...) is ignored. */
export const OPENABLE_LINK_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:']);

export function isOpenableLink(uri: string): boolean {
  try {
    return OPENABLE_LINK_SCHEMES.has(new URL(uri).protocol);
  } catch {
    return false;
  }
}
