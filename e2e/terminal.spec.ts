import type { Page } from '@playwright/test';
import { expect, makeProject, type PageGlobals, test } from './support/fixtures';

// What a person does in the terminal besides typing: a newline in Claude's prompt (Shift+Enter),
// scrollback search (Ctrl+F), and links that open in a new browsing context.

test('Shift+Enter, search and links in the terminal', async ({ app, page }) => {
  await app.goto();
  await app.openProject(makeProject('terminal', { tester: { description: 'fake Claude' } }));
  const slug = await app.launch('tester');
  // Once the first output is drawn the terminal picks its renderer (docs/terminal.md): this
  // Chromium has no GPU, so WebGL would run in software, and the DOM renderer stays.
  await app.expectTerminal(slug, 'Welcome to Claude Code');
  await expect.poll(() => rendererOf(page, slug), { timeout: 5_000 }).toEqual({ renderer: 'dom', reason: expect.stringMatching(/^WebGL runs in software \(.*SwiftShader.*\)/) });

  // Shift+Enter sends ESC CR, what Claude Code's own terminal setup sends: the tty echoes the ESC as ^[.
  await app.type(slug, 'first line');
  await page.keyboard.press('Shift+Enter');
  await app.expectTerminal(slug, 'first line^[');
  await app.expectTerminal(slug, 'Claude: you said: first line');
  await page.keyboard.type('second line\n');
  await app.expectTerminal(slug, 'Claude: you said: second line');

  // Ctrl+F opens the search bar over the terminal; Escape closes it and gives the keys back.
  await app.type(slug, 'see https://example.com/docs for more\n');
  await app.expectTerminal(slug, 'Claude: you said: see https://example.com/docs for more');
  await page.keyboard.press('Control+f');
  const search = app.pane(slug).getByLabel('search the terminal');
  await expect(search).toBeFocused();
  await search.fill('example.com');
  await search.press('Enter');
  await expect(search).not.toHaveClass(/not-found/);
  await search.fill('no such text anywhere');
  await expect(search).toHaveClass(/not-found/);
  await search.press('Escape');
  await expect(search).toHaveCount(0);
  await page.keyboard.type('typed after search\n');
  await app.expectTerminal(slug, 'Claude: you said: typed after search');

  // A web link in the output opens in a new browsing context (Electron routes it to the system
  // browser); the web-links addon only ever matches http(s).
  await page.context().route('https://example.com/**', (route) => route.fulfill({ contentType: 'text/plain', body: 'the docs' }));
  const link = await app.pointAt(slug, 'https://example.com/docs');
  await page.mouse.move(link.x, link.y);
  const popup = page.waitForEvent('popup');
  await page.mouse.click(link.x, link.y);
  expect((await popup).url()).toBe('https://example.com/docs');

  await app.pane(slug).getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(app.tab(slug)).toContainText('stopped');
});

test('on a hardware GPU the terminal switches to WebGL once its first output is drawn', async ({ app, page }) => {
  // This machine has no GPU: the page is told the renderer's name a GPU would report. The WebGL
  // renderer itself is the real one (it draws in software here).
  await page.addInitScript(() => {
    const UNMASKED_RENDERER_WEBGL = 0x9246;
    const getParameter = WebGL2RenderingContext.prototype.getParameter;
    WebGL2RenderingContext.prototype.getParameter = function (this: WebGL2RenderingContext, name: number): unknown {
      return name === UNMASKED_RENDERER_WEBGL ? 'ANGLE (NVIDIA, NVIDIA GeForce RTX 4070 Direct3D11 vs_5_0 ps_5_0, D3D11)' : getParameter.call(this, name);
    };
  });
  await app.goto();
  await app.openProject(makeProject('terminal-webgl', { tester: { description: 'fake Claude' } }));
  const slug = await app.launch('tester');
  await app.expectTerminal(slug, 'Welcome to Claude Code');
  await expect.poll(() => rendererOf(page, slug), { timeout: 5_000 }).toEqual({ renderer: 'webgl', reason: expect.stringContaining('hardware WebGL (ANGLE (NVIDIA') });
  await app.type(slug, 'drawn by webgl\n');
  await app.expectTerminal(slug, 'Claude: you said: drawn by webgl');
});

function rendererOf(page: Page, slug: string): Promise<{ renderer?: string; reason?: string }> {
  return page.evaluate((s) => {
    const probe = (globalThis as unknown as PageGlobals).__bottleTerminals?.[s];
    return { renderer: probe?.renderer(), reason: probe?.rendererReason() };
  }, slug);
}

test('a window waiting for input draws nothing: no animation runs, so Chromium makes no frames', async ({ app, page }) => {
  await app.goto();
  await app.openProject(makeProject('idle', { tester: { description: 'fake Claude' } }));
  const slug = await app.launch('tester');
  await app.expectTerminal(slug, /\n> $/, 30_000);
  await expect(app.tab(slug)).toContainText('running');
  // A running CSS animation (a blinking cursor is one, in xterm's DOM renderer) makes Chromium
  // draw every frame of an idle window: 60 frames a second of style, paint and compositing.
  const running = () => page.evaluate(() => document.getAnimations().filter((animation) => animation.playState === 'running').map((animation) => (animation as CSSAnimation).animationName ?? animation.constructor.name));
  await expect.poll(running, { timeout: 5_000 }).toEqual([]);
  // The focused terminal still shows its cursor.
  await expect(app.pane(slug).locator('.xterm-rows .xterm-cursor')).toHaveCount(1);
  await app.type(slug, 'exit 0\n');
});
