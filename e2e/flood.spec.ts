import type { CDPSession, Page } from '@playwright/test';
import { expect, makeProject, type PageGlobals, test, WAIT } from './support/fixtures';

// A process printing forever must not take the window down: flow control keeps the page's memory
// flat, keystrokes still reach the session while it prints, and Ctrl-C stops it.

const FLOOD = {
  /** How long the flood runs before the heap is compared with its first measurement. */
  runMs: 12_000,
  /** Growth of the live JS heap (after a GC) allowed during the flood: xterm's bounded scrollback, not the flood. */
  maxHeapGrowthBytes: 48 * 1024 * 1024,
  /** A round trip into the page while it renders the flood. */
  maxEvaluateMs: 2_000,
  /** Typed text must come back (echoed by the bottle's tty) within this, through the flooded stream. */
  echoTimeoutMs: 20_000,
} as const;

async function liveHeap(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usage.usedSize;
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

async function evaluateLatency(page: Page): Promise<number> {
  const started = Date.now();
  await page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('.tab').length);
  return Date.now() - started;
}

test('a flood of output keeps the window responsive and its memory flat, and Ctrl-C stops it', async ({ app, page }) => {
  await app.goto();
  await app.openProject(makeProject('flood', { tester: { description: 'fake Claude' } }));
  const slug = await app.launch('tester');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.enable');

  await app.type(slug, 'flood\n');
  await app.expectTerminal(slug, /flood \d+ the quick brown fox/);
  const before = await liveHeap(cdp);

  // While it prints: the page answers, and input reaches the bottle (its tty echoes it back
  // through the same flooded stream). Entered as one piece (as a paste or an IME does), so the
  // echo is not interleaved character by character with the flood's lines.
  const marker = `typed-during-flood-${Date.now()}`;
  const seen = app.sawInTerminal(slug, marker, FLOOD.echoTimeoutMs);
  await page.keyboard.insertText(marker);
  expect(await seen, 'typed text is echoed while the flood runs').toBe(true);

  const deadline = Date.now() + FLOOD.runMs;
  let slowest = 0;
  while (Date.now() < deadline) {
    slowest = Math.max(slowest, await evaluateLatency(page));
    await page.waitForTimeout(500);
  }
  expect(slowest, 'slowest round trip into the page during the flood (ms)').toBeLessThan(FLOOD.maxEvaluateMs);
  const after = await liveHeap(cdp);
  test.info().annotations.push({ type: 'flood', description: `live heap ${mib(before)} → ${mib(after)} MiB; slowest page round trip ${slowest} ms` });
  expect(after - before, `live JS heap growth during the flood (${before} → ${after} bytes)`).toBeLessThan(FLOOD.maxHeapGrowthBytes);

  // Still flooding (the flow control paused it, it did not end it) ...
  const lastLine = async (): Promise<number> => {
    const numbers = [...(await app.terminalText(slug)).matchAll(/flood (\d+) the quick/g)].map((match) => Number(match[1]));
    return Math.max(0, ...numbers);
  };
  const firstCount = await lastLine();
  await expect.poll(lastLine, { timeout: WAIT.short }).toBeGreaterThan(firstCount);

  // ... until Ctrl-C, which brings back the prompt; the session goes on.
  await page.keyboard.press('Control+C');
  await app.expectTerminal(slug, /flood interrupted after \d+ lines\n> $/, WAIT.short);
  await app.type(slug, 'after the flood\n');
  await app.expectTerminal(slug, 'Claude: you said: after the flood');

  await app.pane(slug).getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(app.tab(slug)).not.toContainText('running', { timeout: WAIT.short });
});
