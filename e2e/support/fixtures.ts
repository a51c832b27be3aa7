import fs from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { removeContainers } from './globalSetup';
import { REPO_ROOT } from './server';

// What the end-to-end tests do with the window, in its own words. Tests read the terminal through
// `window.__bottleTerminals` (what xterm.js's buffer shows), never through the server.

export const TEST_IMAGE = 'claude-bottle-test:latest';

/** Times that include starting a real container. */
export const WAIT = {
  /** From Confirm to Claude's prompt: create + start the container, docker exec, print. */
  prompt: 60_000,
  /** An echo, a status change, a list refresh. */
  short: 15_000,
} as const;

type AgentSpec = { description?: string; image?: string; network?: unknown; [key: string]: unknown };

let projectSeq = 0;

/** A project folder with a claude-bottle.json; `raw` writes the manifest text as given (for broken ones). */
export function makeProject(name: string, agents: Record<string, AgentSpec>, raw?: string): string {
  projectSeq += 1;
  const tmp = process.env.E2E_TMP;
  if (!tmp) throw new Error('E2E_TMP is not set: run the tests with `npx playwright test` (the global setup sets it)');
  // `<tmp>/src/webshop` reads like a real checkout in the screenshots; the sequence number keeps
  // two tests' projects of the same name apart.
  const dir = join(tmp, projectSeq === 1 ? 'src' : `src-${projectSeq}`, name);
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    version: 1,
    agents: Object.fromEntries(Object.entries(agents).map(([agent, spec]) => [agent, { image: TEST_IMAGE, network: 'none', ...spec }])),
  };
  fs.writeFileSync(join(dir, 'claude-bottle.json'), raw ?? `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

export class AppDriver {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByRole('dialog');
  }

  /** Opens the window through the URL `serve` printed (the token becomes a cookie). */
  async goto(url: string | undefined = process.env.E2E_URL): Promise<void> {
    if (!url) throw new Error('E2E_URL is not set: run the tests with `npx playwright test` (the global setup sets it)');
    await this.page.goto(url);
    await this.waitConnected();
  }

  async waitConnected(): Promise<void> {
    await expect(this.page.locator('.brand-name')).toBeVisible();
    await expect(this.page.locator('.connection-banner')).toHaveCount(0, { timeout: WAIT.short });
  }

  async openProject(dir: string): Promise<void> {
    // Filled again if the field lost its text before the click: once in CI a just-loaded window
    // dropped what was typed into it (not understood yet), and the click then waited on a disabled
    // button for the whole test.
    await expect(async () => {
      await this.page.getByLabel('project folder').fill(dir);
      await this.page.getByRole('button', { name: 'Open', exact: true }).click({ timeout: 2_000 });
    }).toPass({ timeout: WAIT.short });
    await expect(this.page.locator('.project-root')).toHaveText(dir);
  }

  agent(name: string): Locator {
    return this.page.locator(`.agent[data-agent="${name}"]`);
  }

  /** Start → the preflight dialog with its plan. */
  async startAgent(name: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Start ${name}` }).click();
    await expect(this.dialog).toBeVisible();
    await expect(this.dialog.locator('tr[data-row="image"]')).toBeVisible({ timeout: WAIT.short });
    await expect(this.confirmButton).toBeEnabled();
    return this.dialog;
  }

  get confirmButton(): Locator {
    return this.dialog.getByRole('button', { name: /^Confirm/ });
  }

  /** The slug the open preflight prepared (its title is `Start bottle <slug>`). */
  async preparedSlug(): Promise<string> {
    const title = (await this.dialog.locator('#preflight-title').textContent()) ?? '';
    const slug = /bottle (\S+)$/.exec(title)?.[1];
    if (!slug) throw new Error(`no slug in the preflight title "${title}"`);
    return slug;
  }

  /** Confirm → the dialog closes and a tab opens; returns its slug. */
  async confirm(): Promise<string> {
    const slug = await this.preparedSlug();
    await this.confirmButton.click();
    await expect(this.dialog).toHaveCount(0, { timeout: WAIT.short });
    await expect(this.tab(slug)).toBeVisible();
    return slug;
  }

  /** Start, confirm, and wait for Claude's prompt. */
  async launch(agent: string): Promise<string> {
    await this.startAgent(agent);
    const slug = await this.confirm();
    await this.expectTerminal(slug, '> ', WAIT.prompt);
    return slug;
  }

  tab(slug: string): Locator {
    return this.page.locator(`.tab[data-slug="${slug}"]`);
  }

  pane(slug: string): Locator {
    return this.page.locator(`.terminal-pane[data-slug="${slug}"]`);
  }

  preserved(slug: string): Locator {
    return this.page.locator(`.bottle-item.preserved[data-slug="${slug}"]`);
  }

  running(slug: string): Locator {
    return this.page.locator(`.sidebar .bottle-item[data-slug="${slug}"]`);
  }

  async terminalText(slug: string): Promise<string> {
    return this.page.evaluate((s) => (globalThis as unknown as PageGlobals).__bottleTerminals?.[s]?.text() ?? '', slug);
  }

  /** Waits until the terminal shows `expected` (a string it contains, or a pattern it matches). */
  async expectTerminal(slug: string, expected: string | RegExp, timeout: number = WAIT.short): Promise<void> {
    const poll = expect.poll(() => this.terminalText(slug), { timeout, message: `terminal of ${slug} shows ${String(expected)}` });
    if (typeof expected === 'string') await poll.toContain(expected);
    else await poll.toMatch(expected);
  }

  /** Resolves whether `text` showed in the terminal within the timeout, even for a moment. */
  async sawInTerminal(slug: string, text: string, timeout: number): Promise<boolean> {
    return this.page.evaluate(([s, t, ms]) => (globalThis as unknown as PageGlobals).__bottleTerminals?.[s]?.waitFor(t, ms) ?? Promise.resolve(false), [slug, text, timeout] as const);
  }

  /**
   * Where `text` is on screen (its last occurrence): the page coordinates of the middle of its
   * first few cells, computed from the terminal's grid.
   */
  async pointAt(slug: string, text: string): Promise<{ x: number; y: number }> {
    const found = await this.page.evaluate(
      ([s, needle]) => {
        const probe = (globalThis as unknown as PageGlobals).__bottleTerminals?.[s];
        if (!probe) return undefined;
        const lines = probe.text().split('\n');
        let line = -1;
        for (let index = lines.length - 1; index >= 0 && line < 0; index -= 1) if (lines[index]?.includes(needle)) line = index;
        const size = probe.size();
        return { row: line - size.viewportY, col: line >= 0 ? (lines[line]?.indexOf(needle) ?? -1) : -1, cols: size.cols, rows: size.rows };
      },
      [slug, text] as const,
    );
    if (!found || found.row < 0 || found.row >= found.rows) throw new Error(`"${text}" is not on the screen of ${slug}`);
    const box = await this.pane(slug).locator('.xterm-screen').boundingBox();
    if (!box) throw new Error(`the terminal of ${slug} is not on screen`);
    return { x: box.x + ((found.col + 3.5) / found.cols) * box.width, y: box.y + ((found.row + 0.5) / found.rows) * box.height };
  }

  /** Focuses a bottle's terminal (its tab first) and types, as a person would. */
  async type(slug: string, text: string): Promise<void> {
    await this.tab(slug).getByRole('tab').click();
    await this.pane(slug).locator('.xterm-screen').click();
    await this.page.keyboard.type(text);
  }

  /** Closes every tab whose bottle has ended (the core then forgets its terminal). */
  async closeEndedTabs(): Promise<void> {
    const close = this.page.locator('.tab .tab-close');
    for (let count = await close.count(); count > 0; count -= 1) {
      await close.first().click({ timeout: WAIT.short });
    }
  }

  async slugs(): Promise<string[]> {
    return this.page.evaluate(() => Object.keys((globalThis as unknown as PageGlobals).__bottleTerminals ?? {}));
  }

  /** docs/screenshots/<name>.png, only with UPDATE_SCREENSHOTS=1 (so CI never dirties the tree). */
  async screenshot(name: string): Promise<void> {
    if (process.env.UPDATE_SCREENSHOTS !== '1') return;
    const dir = join(REPO_ROOT, 'docs/screenshots');
    fs.mkdirSync(dir, { recursive: true });
    // Let the terminal's renderer and any fade settle.
    await this.page.waitForTimeout(300);
    await this.page.screenshot({ path: join(dir, `${name}.png`) });
  }
}

export const test = base.extend<{ app: AppDriver }>({
  app: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const app = new AppDriver(page);
    try {
      await use(app);
      // The server is shared: ended bottles' tabs are closed so the next test's window (and its
      // screenshots) show only its own.
      await app.closeEndedTabs();
    } finally {
      // Tests run one at a time: a bottle still running now is this test's (it failed before its
      // Stop). Removing it keeps the next test's machine quiet.
      if (process.env.E2E_HOME) removeContainers(process.env.E2E_HOME);
    }
    // A script error in the window is a failure even when the flow happened to work.
    expect(errors, 'uncaught errors in the window').toEqual([]);
  },
});

export { expect };

/**
 * The page's globals the tests read inside `page.evaluate` (this code is compiled without the DOM
 * library, so the page's `window` is reached as `globalThis`).
 */
export interface PageGlobals {
  /** The renderer's read-only terminal probe (src/renderer/src/terminal/registry.ts). */
  __bottleTerminals?: Readonly<
    Record<string, { text(): string; waitFor(text: string, timeoutMs: number): Promise<boolean>; renderer(): string; rendererReason(): string; size(): { cols: number; rows: number; viewportY: number } }>
  >;
  /** The Electron preload's API; absent in a browser. */
  bottle?: unknown;
  document: { querySelectorAll(selector: string): { length: number } };
}
