import fs from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { BottleService } from '../src/app/bottleService';
import { createCoreContext } from '../src/core/context';
import { environmentSecrets } from '../src/core/plan/plan';
import { findRendererDir, startServer } from '../src/server/server';

// A launch as a person makes it in the window: in Debian's Chromium, against browser mode, from the
// click on Confirm to Claude's first output drawn in the tab's xterm. Needs `npm run build` (the
// window) and /usr/bin/chromium; says why when it cannot run.

/** What the window exposes for tests and this bench (src/renderer/src/terminal/registry.ts). */
interface TerminalProbe {
  waitFor(text: string, timeoutMs: number): Promise<boolean>;
}

const CHROMIUM = process.env.CLAUDE_BOTTLE_CHROMIUM ?? '/usr/bin/chromium';

export async function benchWindowLaunch(project: string, home: string, rounds: number, firstOutput: string): Promise<Record<string, unknown> | { skipped: string }> {
  if (!fs.existsSync(CHROMIUM)) return { skipped: `no Chromium at ${CHROMIUM}` };
  const rendererDir = findRendererDir();
  if (!rendererDir) return { skipped: 'the window is not built: run `npm run build`' };
  const service = new BottleService({ ctx: createCoreContext({ stateRoot: home, secrets: environmentSecrets({}) }), transport: 'browser', version: 'bench' });
  const server = await startServer({ service, rendererDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const samples: number[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url);
    await page.getByLabel('project folder').fill(project);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    for (let round = 0; round < rounds; round += 1) {
      await page.getByRole('button', { name: 'Start bench' }).click();
      const dialog = page.getByRole('dialog');
      const confirm = dialog.getByRole('button', { name: /^Confirm/ });
      await dialog.locator('tr[data-row="image"]').waitFor();
      const slug = /bottle (\S+)$/.exec((await dialog.locator('#preflight-title').textContent()) ?? '')?.[1];
      if (!slug) throw new Error('no slug in the preflight title');
      const clicked = Date.now();
      await confirm.click();
      // The tab's terminal exists once the window has opened it.
      await page.waitForFunction((s) => Boolean((globalThis as unknown as { __bottleTerminals?: Record<string, TerminalProbe> }).__bottleTerminals?.[s]), slug, { timeout: 30_000, polling: 5 });
      const seen = await page.evaluate(
        ([s, text]) => (globalThis as unknown as { __bottleTerminals?: Record<string, TerminalProbe> }).__bottleTerminals?.[s]?.waitFor(text, 30_000) ?? Promise.resolve(false),
        [slug, firstOutput] as const,
      );
      if (!seen) throw new Error(`the window did not show "${firstOutput}" for ${slug}`);
      samples.push(Date.now() - clicked);
      await service.handle('bottles.stop', { slug, keep: false });
    }
  } finally {
    await browser.close();
    await server.close();
    await service.shutdown('stop');
    fs.rmSync(join(home, 'recent-projects.json'), { force: true });
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { rounds, confirmToFirstOutputMs: sorted[Math.floor(sorted.length / 2)], samples };
}
