import headlessModule from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { OpenSequence } from '../../src/app/openSequence';
import { ScreenMirror } from '../../src/app/screenMirror';

const { Terminal } = headlessModule;

/** Output with every kind of sequence a program may be cut inside of. */
const OUTPUT = [
  'plain ',
  '\x1b[1;38;2;255;100;0mtrue colour\x1b[0m ',
  '\x1b]0;a title\x07',
  '\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ ',
  '\x1bP$qm\x1b\\',
  '\x1b(0lqk\x1b(B ',
  '\x9b33mC1 yellow\x9b0m ',
  'emoji \u{1F600} wide 中 ',
  '\x1b[?2004h\x1b[3;20r\x1b[5;2H\x1b[4munder\x1b[24m',
  '\x1b[2Jcleared\x1b[K\x1b7\x1b[10;10Hsaved\x1b8 back',
].join('');

async function parsedBy(mirror: ScreenMirror): Promise<void> {
  while (mirror.backlog > 0) await new Promise((resolve) => setTimeout(resolve, 1));
}

async function screen(data: string): Promise<string[]> {
  const term = new Terminal({ cols: 40, rows: 12, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(data, resolve));
  const rows: string[] = [];
  for (let y = 0; y < term.rows; y += 1) {
    const line = term.buffer.active.getLine(y);
    let row = '';
    for (let x = 0; x < term.cols; x += 1) {
      const cell = line?.getCell(x);
      row += `${cell?.getChars() || ' '}${cell?.getFgColorMode()}:${cell?.getFgColor()}${cell?.isUnderline()}${cell?.isBold()}`;
    }
    rows.push(row);
  }
  rows.push(`cursor ${term.buffer.active.cursorX},${term.buffer.active.cursorY} paste ${term.modes.bracketedPasteMode}`);
  term.dispose();
  return rows;
}

describe('the screen mirror between two chunks', () => {
  it('hands a joining window the half sequence the parsed output ended in, at every cut', async () => {
    const whole = await screen(OUTPUT);
    const wrong: number[] = [];
    for (let cut = 1; cut < OUTPUT.length; cut += 1) {
      const mirror = new ScreenMirror(40, 12, () => undefined);
      mirror.write(OUTPUT.slice(0, cut));
      await parsedBy(mirror);
      const joined = await screen(mirror.serialize() + OUTPUT.slice(cut));
      mirror.dispose();
      if (JSON.stringify(joined) !== JSON.stringify(whole)) wrong.push(cut);
    }
    expect(wrong).toEqual([]);
  });
});

describe('OpenSequence', () => {
  const tailAfter = (...chunks: string[]) => {
    const open = new OpenSequence();
    for (const chunk of chunks) open.feed(chunk);
    return open.tail;
  };

  it('is empty between sequences and holds an unfinished one from its introducer', () => {
    expect(tailAfter('text \x1b[0m more')).toBe('');
    expect(tailAfter('text \x1b[')).toBe('\x1b[');
    expect(tailAfter('text \x1b[3', '8;5')).toBe('\x1b[38;5');
    expect(tailAfter('text \x1b[3', '8;5;1m after')).toBe('');
  });

  it('ends string sequences on BEL, ST and ESC \\, and a new ESC starts over', () => {
    expect(tailAfter('\x1b]0;tit', 'le')).toBe('\x1b]0;title');
    expect(tailAfter('\x1b]0;title\x07')).toBe('');
    expect(tailAfter('\x1bPdata\x1b')).toBe('\x1b');
    expect(tailAfter('\x1bPdata\x1b', '\\')).toBe('');
    expect(tailAfter('\x1b[12\x1b]2;x')).toBe('\x1b]2;x');
    expect(tailAfter('\x9d0;eight-bit')).toBe('\x9d0;eight-bit');
  });

  it('finds a sequence after long plain text, and an 8-bit control inside a string is text', () => {
    expect(tailAfter(`${'plain ─ text '.repeat(5_000)}\x9b3`)).toBe('\x9b3');
    expect(tailAfter(`\x1b[1mbold\x1b[0m ${'x'.repeat(5_000)}\x9d0;t`)).toBe('\x9d0;t');
    expect(tailAfter('\x1b]0;a\x9bb')).toBe('\x1b]0;a\x9bb');
    expect(tailAfter('\x1b]0;a', `${'y'.repeat(5_000)}\x9bb`)).toBe(`\x1b]0;a${'y'.repeat(5_000)}\x9bb`);
    expect(tailAfter('\x1b[3', `8;5m${'z'.repeat(5_000)}`)).toBe('');
  });

  it('drops an aborted sequence (CAN, SUB) and holds a lone high surrogate', () => {
    expect(tailAfter('\x1b[12\x18')).toBe('');
    expect(tailAfter('smile \ud83d')).toBe('\ud83d');
    expect(tailAfter('smile \ud83d', '\ude00')).toBe('');
  });
});
