import { ScreenMirror } from '../src/app/screenMirror';
import { TERMINAL_FLOW } from '../src/app/constants';

// What the host's headless copy of each terminal costs (docs/terminal.md): how fast it parses a
// full-screen program's output, how long a re-attach's serialization takes and how big it is, and
// the memory one mirror holds after a long session.

function* claudeLikeOutput(totalChars: number): Generator<string> {
  let size = 0;
  for (let i = 0; size < totalChars; i += 1) {
    const chunk =
      i % 50 === 0
        ? '\x1b[?2026h\x1b[H\x1b[2J\x1b[1;38;2;215;119;87m╭─ Claude ─────────────────────────────────╮\x1b[0m\r\n' // a synchronized redraw
        : `\x1b[38;5;${i % 256}m● line ${i}\x1b[0m ${'text with some words and ünïcödé 日本語 '.repeat(2)}\r\n${i % 50 === 49 ? '\x1b[?2026l' : ''}`;
    size += chunk.length;
    yield chunk;
  }
}

function drained(mirror: ScreenMirror): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => (mirror.backlog === 0 ? resolve() : void setTimeout(check, 1));
    check();
  });
}

export async function benchScreenMirror(): Promise<Record<string, unknown>> {
  let chars = 0;
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const mirror = new ScreenMirror(120, 40, () => undefined, TERMINAL_FLOW);
  const started = performance.now();
  for (const chunk of claudeLikeOutput(20 * 1024 * 1024)) {
    chars += chunk.length;
    mirror.write(chunk);
    if (mirror.backlog > TERMINAL_FLOW.mirrorHighWatermarkChars) await drained(mirror); // as the paused pty would
  }
  await drained(mirror);
  const parseMs = performance.now() - started;
  const serializeStarted = performance.now();
  const replay = mirror.serialize();
  const serializeMs = performance.now() - serializeStarted;
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  mirror.dispose();
  return {
    parsedMiBPerSecond: +(chars / 1024 / 1024 / (parseMs / 1000)).toFixed(1),
    serializeMs: +serializeMs.toFixed(1),
    replayKiB: Math.round(replay.length / 1024),
    heapPerMirrorMiB: +((heapAfter - heapBefore) / 1024 / 1024).toFixed(1),
    note: `${(chars / 1024 / 1024).toFixed(0)} MiB of Claude-like output into a 120x40 mirror with ${TERMINAL_FLOW.mirrorScrollbackLines} lines of scrollback`,
  };
}
