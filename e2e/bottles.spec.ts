import { execFileSync } from 'node:child_process';
import { expect, makeProject, test, WAIT } from './support/fixtures';

// Bottles as the window manages them: Stop, several at once, and a reload that finds every tab's
// session again with its recent output.

function containerExists(slug: string): boolean {
  const out = execFileSync('docker', ['ps', '-a', '--filter', `name=^claude-bottle-${slug}$`, '--format', '{{.Names}}'], { encoding: 'utf8' });
  return out.trim() !== '';
}

test('Stop ends a running bottle and removes its container', async ({ app, page }) => {
  await app.goto();
  await app.openProject(makeProject('stopper', { tester: { description: 'fake Claude' } }));
  const slug = await app.launch('tester');
  expect(containerExists(slug)).toBe(true);

  await app.pane(slug).getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(app.tab(slug).locator('.tab-status')).not.toHaveText(/running|starting|building/, { timeout: WAIT.short });
  await expect(app.pane(slug).getByRole('button', { name: 'Stop', exact: true })).toHaveCount(0);
  await expect(page.locator(`section[aria-labelledby="running-heading"] [data-slug="${slug}"]`)).toHaveCount(0);
  await expect(app.preserved(slug)).toHaveCount(0);
  await expect.poll(() => containerExists(slug), { timeout: WAIT.short }).toBe(false);

  // An ended bottle's tab can be closed.
  await app.tab(slug).getByRole('button', { name: /close/ }).click();
  await expect(app.tab(slug)).toHaveCount(0);
});

test('Stop & keep ends a running bottle and lists it as preserved, ready to resume', async ({ app }) => {
  await app.goto();
  await app.openProject(makeProject('keeper', { tester: { description: 'fake Claude' } }));
  const slug = await app.launch('tester');
  await app.pane(slug).getByRole('button', { name: 'Stop & keep' }).click();
  await expect(app.preserved(slug)).toHaveCount(1, { timeout: WAIT.short });
  await expect(app.preserved(slug)).toContainText('stopped and kept');
  await expect.poll(() => containerExists(slug), { timeout: WAIT.short }).toBe(false);
});

test('two bottles run at once, each in its own tab', async ({ app, page }) => {
  await app.goto();
  await app.openProject(makeProject('pair', { alpha: { description: 'first fake Claude' }, beta: { description: 'second fake Claude' } }));
  const alpha = await app.launch('alpha');
  const beta = await app.launch('beta');
  expect(alpha).not.toBe(beta);
  await expect(page.locator('.tab')).toHaveCount(2);
  await expect(page.locator('section[aria-labelledby="running-heading"] .bottle-item')).toHaveCount(2);

  await app.type(alpha, 'to alpha\n');
  await app.type(beta, 'to beta\n');
  await app.expectTerminal(alpha, 'Claude: you said: to alpha');
  await app.expectTerminal(beta, 'Claude: you said: to beta');
  expect(await app.terminalText(alpha)).not.toContain('to beta');
  expect(await app.terminalText(beta)).not.toContain('to alpha');

  // The Running list focuses a bottle's tab.
  await page.locator(`section[aria-labelledby="running-heading"] [data-slug="${alpha}"] .bottle-focus`).click();
  await expect(app.tab(alpha)).toHaveClass(/active/);
  await expect(app.pane(alpha)).toBeVisible();
  await expect(app.pane(beta)).toBeHidden();

  // One ends; the other runs on.
  await app.type(alpha, 'exit\n');
  await expect(app.tab(alpha)).toContainText('exited 0', { timeout: WAIT.short });
  await app.type(beta, 'still here\n');
  await app.expectTerminal(beta, 'Claude: you said: still here');
  await expect(app.tab(beta)).toContainText('running');
  await app.pane(beta).getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(app.tab(beta)).not.toContainText('running', { timeout: WAIT.short });
});

test('a reload re-attaches every tab and replays its recent output', async ({ app, page }) => {
  await app.goto();
  await app.openProject(makeProject('reload', { first: { description: 'fake Claude' }, second: { description: 'fake Claude' } }));
  const first = await app.launch('first');
  const second = await app.launch('second');
  await app.type(first, 'before the reload\n');
  await app.expectTerminal(first, 'Claude: you said: before the reload');
  await app.type(second, 'second before\n');
  await app.expectTerminal(second, 'Claude: you said: second before');

  await page.reload();
  await app.waitConnected();
  await expect(app.tab(first)).toBeVisible({ timeout: WAIT.short });
  await expect(app.tab(second)).toBeVisible();
  await app.expectTerminal(first, 'Claude: you said: before the reload');
  await app.expectTerminal(second, 'Claude: you said: second before');
  // Replayed once, not twice.
  expect((await app.terminalText(first)).split('Claude: you said: before the reload').length).toBe(2);

  // The sessions go on.
  await app.type(first, 'after the reload\n');
  await app.expectTerminal(first, 'Claude: you said: after the reload');
  await expect(app.tab(first)).toContainText('running');
  await app.screenshot('two-tabs');

  for (const slug of [first, second]) {
    await app.tab(slug).getByRole('tab').click();
    await app.pane(slug).getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(app.tab(slug)).not.toContainText('running', { timeout: WAIT.short });
  }
});
