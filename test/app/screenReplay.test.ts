import serializeModule from '@xterm/addon-serialize';
import headlessModule from '@xterm/headless';
import * as pty from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { TERMINAL_FLOW } from '../../src/app/constants';
import { TerminalStream } from '../../src/app/terminalStream';

const { Terminal } = headlessModule;
type HeadlessTerminal = InstanceType<typeof Terminal>;
void serializeModule; // the app loads it; imported here only so a broken install fails this file first

/** What the app replayed before the screen mirror: the raw last 256 KiB of output. */
const OLD_REPLAY_CHARS = 256 * 1024;

/**
 * A full-screen program, as Claude's TUI behaves: it draws a header and a status line on the
 * alternate screen, sets bracketed paste, SGR mouse reports and a hidden cursor, then scrolls more
 * than 256 KiB through the region between them, and parks the cursor. It redraws on SIGWINCH and
 * answers a key. Each step ends with a window title the test waits for (invisible on screen).
 */
const PROGRAM = String.raw`
const out = (s) => process.stdout.write(s);
let rows = process.stdout.rows, cols = process.stdout.columns;
function frame() {
  out('\x1b[1;1H\x1b[2K\x1b[1;33;44m CLAUDE-TUI \x1b[0m ' + cols + 'x' + rows);
  out('\x1b[' + rows + ';1H\x1b[2K\x1b[7m status: ready \x1b[0m\x1b[38;2;255;100;0m orange\x1b[0m');
  out('\x1b[3;' + (rows - 1) + 'r');
}
out('a line on the normal screen\r\n\x1b[32mgreen\x1b[0m prompt $ ');
out('\x1b[?1049h\x1b[2J');
out('\x1b[?2004h\x1b[?1000h\x1b[?1006h\x1b[?25l');
frame();
for (let i = 0; i < 5000; i += 1) out('\x1b[' + (rows - 1) + ';1H\r\n\x1b[3' + (i % 7) + 'mscrolling line ' + i + ' ' + 'x'.repeat(40) + '\x1b[0m');
out('\x1b[2;3H\x1b[1mparked\x1b[0m');
out('\x1b]0;drawn\x07');
process.on('SIGWINCH', () => {
  rows = process.stdout.rows; cols = process.stdout.columns;
  out('\x1b[r\x1b[2J');
  frame();
  out('\x1b[5;1Hredrawn at ' + cols + 'x' + rows + '\x1b[2;3H\x1b]0;resized\x07');
});
process.stdin.setRawMode(true);
process.stdin.on('data', (key) => out('\x1b[6;1H\x1b[4mkey ' + key + '\x1b[0m\x1b]0;key\x07'));
setInterval(() => {}, 1000);
`;

interface Running {
  child: pty.IPty;
  stream: TerminalStream;
  /** Everything the program printed, as it came. */
  raw: () => string;
  /** Resolves once the output so far ends a step with this title. */
  waitForTitle: (title: string) => Promise<void>;
  /** What the window received live since it attached. */
  live: string[];
}

const running: Running[] = [];

function start(cols = 80, rows = 24): Running {
  const child = pty.spawn(process.execPath, ['-e', PROGRAM], { name: 'xterm-256color', cols, rows, cwd: process.cwd(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color' } });
  const chunks: string[] = [];
  let rawLength = 0;
  const titleWaiters: { title: string; resolve: () => void }[] = [];
  let seen = '';
  child.onData((data) => {
    chunks.push(data);
    rawLength += data.length;
    seen = (seen + data).slice(-200);
    for (const waiter of [...titleWaiters]) {
      if (seen.includes(`\x1b]0;${waiter.title}\x07`)) {
        titleWaiters.splice(titleWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const live: string[] = [];
  const stream = new TerminalStream(child, (data) => live.push(data), TERMINAL_FLOW, { cols, rows });
  const run: Running = {
    child,
    stream,
    live,
    raw: () => chunks.join(''),
    waitForTitle: (title) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${title}" from the program within 20 s (${rawLength} characters printed)`)), 20_000);
        titleWaiters.push({ title, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
  running.push(run);
  return run;
}

afterEach(() => {
  for (const run of running.splice(0)) {
    run.stream.dispose();
    run.child.kill();
  }
});

/** A fresh terminal, as a reloaded window's, written with `data`; it tracks what xterm does not expose (cursor visibility, SGR mouse). */
async function render(data: string, cols: number, rows: number): Promise<HeadlessTerminal & { dec: Map<number, boolean> }> {
  const term = new Terminal({ cols, rows, scrollback: 10_000, allowProposedApi: true }) as HeadlessTerminal & { dec: Map<number, boolean> };
  term.dec = new Map();
  const track = (set: boolean) => (params: (number | number[])[]) => {
    for (const param of params) if (param === 25 || param === 1006) term.dec.set(param, set);
    return false;
  };
  term.parser.registerCsiHandler({ prefix: '?', final: 'h' }, track(true));
  term.parser.registerCsiHandler({ prefix: '?', final: 'l' }, track(false));
  await new Promise<void>((resolve) => term.write(data, resolve));
  return term;
}

/** Every visible cell with its attributes, row by row, and the terminal state a window depends on. */
function screenOf(term: HeadlessTerminal & { dec: Map<number, boolean> }) {
  const buffer = term.buffer.active;
  const cells: string[] = [];
  for (let y = 0; y < term.rows; y += 1) {
    const line = buffer.getLine(buffer.viewportY + y);
    let row = '';
    for (let x = 0; x < term.cols; x += 1) {
      const cell = line?.getCell(x);
      if (!cell) break;
      row += `${cell.getChars() || ' '}${cell.getFgColorMode()}:${cell.getFgColor()}/${cell.getBgColorMode()}:${cell.getBgColor()}/${cell.isBold()}${cell.isInverse()}${cell.isUnderline()};`;
    }
    cells.push(row);
  }
  return {
    buffer: buffer.type,
    text: Array.from({ length: term.rows }, (_, y) => buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? ''),
    cells,
    cursor: [buffer.cursorX, buffer.cursorY],
    bracketedPaste: term.modes.bracketedPasteMode,
    mouse: term.modes.mouseTrackingMode,
    sgrMouse: term.dec.get(1006) ?? false,
    cursorHidden: term.dec.get(25) === false,
    normalScreen: Array.from({ length: term.buffer.normal.length }, (_, y) => term.buffer.normal.getLine(y)?.translateToString(true) ?? '').filter(Boolean),
  };
}

describe('a window that re-attaches to a live full-screen program', () => {
  it('gets back exactly the screen the program drew, where the raw 256 KiB tail did not', async () => {
    const run = start();
    await run.waitForTitle('drawn');
    const raw = run.raw();
    expect(raw.length).toBeGreaterThan(OLD_REPLAY_CHARS);

    const bottle = screenOf(await render(raw, 80, 24)); // what a window that never left shows
    expect(bottle).toMatchObject({ buffer: 'alternate', bracketedPaste: true, mouse: 'vt200', sgrMouse: true, cursorHidden: true, cursor: [8, 1] });
    expect(bottle.text[0]).toBe(' CLAUDE-TUI  80x24');
    expect(bottle.text[23]).toBe(' status: ready  orange');
    expect(bottle.text[22]).toMatch(/^scrolling line 4999 x{40}$/);

    const replay = run.stream.attach();
    expect(replay.length).toBeLessThan(raw.length / 10);
    const reloaded = screenOf(await render(replay, 80, 24));
    expect(reloaded).toEqual(bottle);

    // The old replay, for the record: it starts after the alternate screen was entered, so the
    // window shows the normal screen, without the header, and pastes without brackets.
    const oldReplay = screenOf(await render(raw.slice(-OLD_REPLAY_CHARS), 80, 24));
    expect(oldReplay.buffer).toBe('normal');
    expect(oldReplay.bracketedPaste).toBe(false);
    expect(oldReplay.text).not.toEqual(bottle.text);
  });

  it('the replay, then the live output after it, is what the program shows', async () => {
    const run = start();
    await run.waitForTitle('drawn');
    const replay = run.stream.attach();
    run.child.write('z');
    await run.waitForTitle('key');
    await new Promise((resolve) => setTimeout(resolve, TERMINAL_FLOW.batchWindowMs * 4)); // the last batch
    const window = screenOf(await render(replay + run.live.join(''), 80, 24));
    const bottle = screenOf(await render(run.raw(), 80, 24));
    expect(window).toEqual(bottle);
    expect(window.text[5]).toMatch(/^key z/); // written over a scrolled line, as the program does
  });

  it('follows the session when it is resized', async () => {
    const run = start();
    await run.waitForTitle('drawn');
    const resized = run.waitForTitle('resized');
    run.stream.resize(100, 30);
    await resized;
    expect([run.child.cols, run.child.rows]).toEqual([100, 30]);
    const window = screenOf(await render(run.stream.attach(), 100, 30));
    expect(window).toMatchObject({ buffer: 'alternate', bracketedPaste: true, cursorHidden: true, cursor: [2, 1] });
    expect(window.text[0]).toBe(' CLAUDE-TUI  100x30');
    expect(window.text[4]).toBe('redrawn at 100x30');
    expect(window.text[29]).toBe(' status: ready  orange');
  });

  it('keeps the last screen when the session ends, and nothing of the program reaches it after', async () => {
    const run = start();
    await run.waitForTitle('drawn');
    run.stream.dispose();
    const ended = run.stream.attach();
    run.child.write('y'); // the program answers; the ended stream no longer listens
    await run.waitForTitle('key');
    expect(run.stream.attach()).toBe(ended);
    const window = screenOf(await render(ended, 80, 24));
    expect(window.text[0]).toBe(' CLAUDE-TUI  80x24');
    expect(window.text.join('\n')).not.toContain('key y');
    expect(run.stream.stats().mirrorBacklog).toBe(0);
  });
});

describe('the screen mirror', () => {
  it('keeps a bounded scrollback however much scrolls past', async () => {
    const child = pty.spawn(process.execPath, ['-e', "for (let i = 0; i < 20000; i += 1) process.stdout.write('line ' + i + '\\r\\n'); process.stdout.write('\\x1b]0;done\\x07'); setInterval(() => {}, 1000);"], {
      name: 'xterm-256color',
      cols: 80,
      rows: 24,
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const stream = new TerminalStream(child, () => {}, TERMINAL_FLOW, { cols: 80, rows: 24 });
    try {
      let seen = '';
      await new Promise<void>((resolve) => child.onData((data) => (seen = (seen + data).slice(-100)).includes('\x1b]0;done\x07') && resolve()));
      const deadline = Date.now() + 10_000;
      while (stream.stats().mirrorBacklog > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const window = screenOf(await render(stream.attach(), 80, 24));
      expect(window.buffer).toBe('normal');
      expect(window.text[22]).toBe('line 19999');
      expect(window.normalScreen.length).toBeLessThanOrEqual(TERMINAL_FLOW.mirrorScrollbackLines + 24);
      expect(window.normalScreen[0]).toBe(`line ${20000 - TERMINAL_FLOW.mirrorScrollbackLines - 23}`);
    } finally {
      stream.dispose();
      child.kill();
    }
  });
});
