import { expect, makeProject, type PageGlobals, test } from './support/fixtures';

// What a person does in the terminal besides typing: a newline in Claude's prompt (Shift+Enter),
// scrollback search (Ctrl+F), and links that open in a new browsing context.

test('Shift+Enter, search and links in the terminal', async ({ app, page }) => {
  await app.goto();
  await app.openProject(makeProject('terminal', { tester: { description: 'fake Claude' } }));
  const slug = await app.launch('tester');
  // The WebGL renderer is loaded once the first output is drawn and the page is idle, not before
  // the launch's first screen (docs/terminal.md).
  await app.expectTerminal(slug, 'Welcome to Claude Code');
  await expect.poll(() => page.evaluate((s) => (globalThis as unknown as PageGlobals).__bottleTerminals?.[s]?.renderer(), slug), { timeout: 5_000 }).toBe('webgl');

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
