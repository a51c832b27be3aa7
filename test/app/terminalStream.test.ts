import * as pty from 'node-pty';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TERMINAL_FLOW } from '../../src/app/constants';
import { FLOW } from '../../src/shared/contract';
import { SessionRegistry } from '../../src/app/sessionRegistry';
import { type PtyLike, TerminalStream } from '../../src/app/terminalStream';

/** A pty the test drives by hand. */
function fakePty(): PtyLike & { emit(data: string | Buffer): void; paused: boolean; sizes: [number, number][]; written: string[]; listeners: number } {
  const listeners = new Set<(data: string | Buffer) => void>();
  const fake = {
    paused: false,
    sizes: [] as [number, number][],
    written: [] as string[],
    get listeners() {
      return listeners.size;
    },
    emit: (data: string | Buffer) => listeners.forEach((listener) => listener(data)),
    onData: (listener: (data: string | Buffer) => void) => {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    write: (data: string) => fake.written.push(data),
    resize: (cols: number, rows: number) => fake.sizes.push([cols, rows]),
    pause: () => (fake.paused = true),
    resume: () => (fake.paused = false),
  };
  return fake;
}

describe('a terminal stream', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends nothing until a window attaches, then the first output at once and a burst in a 5 ms batch', () => {
    const source = fakePty();
    const sent: string[] = [];
    const stream = new TerminalStream(source, (data) => sent.push(data));
    source.emit('before ');
    expect(stream.attach()).toBe('before '); // the mirror has not parsed it yet: it comes as it was
    source.emit('a'); // a keystroke's echo after a quiet spell: no batching delay
    expect(sent).toEqual(['a']);
    source.emit('b');
    source.emit('c');
    expect(sent).toEqual(['a']);
    vi.advanceTimersByTime(TERMINAL_FLOW.batchWindowMs);
    expect(sent).toEqual(['a', 'bc']);
    vi.advanceTimersByTime(TERMINAL_FLOW.batchWindowMs);
    source.emit('d'); // quiet again
    expect(sent).toEqual(['a', 'bc', 'd']);
    stream.dispose();
  });

  it('sends at once when a batch reaches its cap', () => {
    const source = fakePty();
    const sent: string[] = [];
    const stream = new TerminalStream(source, (data) => sent.push(data));
    stream.attach();
    source.emit('w');
    source.emit('x'.repeat(TERMINAL_FLOW.batchMaxChars - 1));
    expect(sent).toHaveLength(1);
    source.emit('yy');
    expect(sent).toHaveLength(2);
    expect(sent[1]).toHaveLength(TERMINAL_FLOW.batchMaxChars + 1);
    stream.dispose();
  });

  it('pauses the pty above the high watermark and resumes below the low one', () => {
    const { highWatermarkChars: high, lowWatermarkChars: low } = TERMINAL_FLOW;
    const source = fakePty();
    let unacked = 0;
    const stream = new TerminalStream(source, (data) => (unacked += data.length));
    stream.attach();
    source.emit('y'.repeat(high));
    vi.advanceTimersByTime(TERMINAL_FLOW.batchWindowMs);
    expect(unacked).toBe(high);
    expect(source.paused).toBe(false); // not above yet
    source.emit('z');
    vi.advanceTimersByTime(TERMINAL_FLOW.batchWindowMs);
    expect(source.paused).toBe(true);
    stream.acknowledge(high + 1 - low);
    expect(source.paused).toBe(true); // exactly the low watermark left: still behind
    stream.acknowledge(1);
    expect(stream.stats().unacknowledged).toBe(low - 1);
    expect(source.paused).toBe(false);
    stream.dispose();
  });

  it('resumes while the window still has half its output to parse, so a flood never leaves it idle', () => {
    const source = fakePty();
    const stream = new TerminalStream(source, () => {});
    stream.attach();
    source.emit('f'.repeat(TERMINAL_FLOW.highWatermarkChars + 1));
    expect(source.paused).toBe(true);
    // The window has parsed a bit more than half of it: the next output leaves now, during the round trip.
    stream.acknowledge(Math.ceil(TERMINAL_FLOW.highWatermarkChars / 2) + 2);
    expect(source.paused).toBe(false);
    // The renderer's ack step fits under the low watermark (what is left under one step is never acknowledged).
    expect(FLOW.ackStepChars).toBeLessThanOrEqual(TERMINAL_FLOW.lowWatermarkChars / 4);
    stream.dispose();
  });

  it('a re-attach gets the replay and starts flow control afresh', () => {
    const source = fakePty();
    const stream = new TerminalStream(source, () => {});
    stream.attach();
    const printed = TERMINAL_FLOW.highWatermarkChars + 50_000;
    source.emit('q'.repeat(printed));
    vi.advanceTimersByTime(TERMINAL_FLOW.batchWindowMs);
    expect(source.paused).toBe(true);
    const replay = stream.attach(); // the window reloaded: what it never acknowledged is forgotten
    // The screen and its scrollback, not all the characters printed: 80 columns, 24 rows + 1000 lines.
    expect(replay.length).toBeLessThan(printed);
    expect(replay).toContain('q'.repeat(80));
    expect(replay.length).toBeLessThanOrEqual((TERMINAL_FLOW.mirrorScrollbackLines + 24) * 82);
    expect(source.paused).toBe(false);
    expect(stream.stats().unacknowledged).toBe(0);
    stream.detach(); // nobody watching: the session runs on, paced by the mirror's parser alone
    source.emit('r'.repeat(TERMINAL_FLOW.mirrorHighWatermarkChars));
    expect(source.paused).toBe(false);
    source.emit('r'); // more than the mirror's high watermark waits to be parsed: the pty waits too
    expect(source.paused).toBe(true);
    expect(stream.stats()).toMatchObject({ unacknowledged: 0, pending: 0, mirrorBacklog: TERMINAL_FLOW.mirrorHighWatermarkChars + 1 });
    vi.advanceTimersByTime(1_000); // xterm parses (in slices, on timers)
    expect(stream.stats()).toMatchObject({ mirrorBacklog: 0, paused: false });
    expect(source.paused).toBe(false);
    stream.dispose();
  });

  it('never splits UTF-8 when the pty hands over bytes', () => {
    const source = fakePty();
    const sent: string[] = [];
    const stream = new TerminalStream(source, (data) => sent.push(data));
    stream.attach();
    const bytes = Buffer.from('é🙂', 'utf8'); // 2 + 4 bytes
    for (const byte of bytes) source.emit(Buffer.from([byte]));
    vi.advanceTimersByTime(TERMINAL_FLOW.batchWindowMs);
    expect(sent.join('')).toBe('é🙂');
    stream.dispose();
  });

  it('debounces resizes to the last size', () => {
    const source = fakePty();
    const stream = new TerminalStream(source, () => {});
    for (let cols = 80; cols < 100; cols += 1) {
      stream.resize(cols, 30);
      vi.advanceTimersByTime(10);
    }
    expect(source.sizes).toEqual([]);
    vi.advanceTimersByTime(TERMINAL_FLOW.resizeDebounceMs);
    expect(source.sizes).toEqual([[99, 30]]);
    stream.dispose();
  });

  it('disposing flushes what waits, unsubscribes and clears its timers', () => {
    const source = fakePty();
    const sent: string[] = [];
    const stream = new TerminalStream(source, (data) => sent.push(data));
    stream.attach();
    source.emit('last words');
    stream.resize(100, 40);
    stream.dispose();
    expect(sent).toEqual(['last words']);
    expect(source.listeners).toBe(0);
    expect(stream.attach()).toBe('last words'); // the last screen stays readable for the ended tab
    // xterm still runs the parse it had scheduled (into the freed terminal); then nothing is left.
    vi.runOnlyPendingTimers();
    expect(vi.getTimerCount()).toBe(0);
    expect(stream.stats().mirrorBacklog).toBe(0);
  });

  it('the registry routes by slug and refuses unknown ones', () => {
    const sent: [string, string][] = [];
    const registry = new SessionRegistry((slug, data) => sent.push([slug, data]));
    const a = fakePty();
    const b = fakePty();
    registry.add('a', a);
    registry.add('b', b);
    registry.attach('a');
    registry.attach('b');
    a.emit('from a');
    b.emit('from b');
    vi.advanceTimersByTime(TERMINAL_FLOW.batchWindowMs);
    expect(sent).toEqual([
      ['a', 'from a'],
      ['b', 'from b'],
    ]);
    registry.input('b', 'typed');
    expect(b.written).toEqual(['typed']);
    expect(() => registry.input('c', 'x')).toThrow(/no terminal for bottle "c"/);
    registry.dispose();
    expect(a.listeners + b.listeners).toBe(0);
  });
});

describe('a real pseudo-terminal printing forever', () => {
  it('is paused when the window falls behind, resumes on acks, and memory stays bounded', async () => {
    const child = pty.spawn('sh', ['-c', 'yes "héllo wörld 🙂 flood"'], { name: 'xterm-256color', cols: 80, rows: 24, cwd: process.cwd(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    let received = 0;
    let text = '';
    const stream = new TerminalStream(child, (data) => {
      received += data.length;
      if (text.length < 50_000) text += data;
    });
    stream.attach();
    try {
      const waitUntil = async (condition: () => boolean, timeoutMs = 5_000): Promise<void> => {
        const deadline = Date.now() + timeoutMs;
        while (!condition()) {
          if (Date.now() > deadline) throw new Error(`timed out; stats ${JSON.stringify(stream.stats())}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      await waitUntil(() => stream.stats().paused);
      const atPause = received;
      expect(atPause).toBeGreaterThan(TERMINAL_FLOW.highWatermarkChars);
      expect(atPause).toBeLessThanOrEqual(TERMINAL_FLOW.highWatermarkChars + TERMINAL_FLOW.batchMaxChars + 64 * 1024);
      // While paused nothing more is delivered, and nothing piles up here.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stats = stream.stats();
      expect(received - atPause).toBeLessThan(TERMINAL_FLOW.batchMaxChars + 64 * 1024);
      expect(stats.pending).toBeLessThan(TERMINAL_FLOW.batchMaxChars + 64 * 1024);
      expect(stats.mirrorBacklog).toBeLessThanOrEqual(TERMINAL_FLOW.mirrorHighWatermarkChars + 64 * 1024);

      // The window catches up: output flows again.
      stream.acknowledge(received);
      expect(stream.stats().paused).toBe(false);
      await waitUntil(() => received > atPause + 2 * TERMINAL_FLOW.highWatermarkChars || stream.stats().paused);
      // Ack everything for a while: it keeps flowing, memory stays flat.
      const heapBefore = process.memoryUsage().heapUsed;
      const until = Date.now() + 1_000;
      while (Date.now() < until) {
        stream.acknowledge(received);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(received).toBeGreaterThan(atPause + 1_000_000);
      expect(stream.stats().mirrorBacklog).toBeLessThanOrEqual(TERMINAL_FLOW.mirrorHighWatermarkChars + 64 * 1024);
      expect(stream.attach()).toContain('héllo wörld 🙂 flood');
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
      expect(text).toContain('héllo wörld 🙂 flood');
      expect(text).not.toContain('\ufffd');
    } finally {
      stream.dispose();
      child.kill();
    }
  });
});
