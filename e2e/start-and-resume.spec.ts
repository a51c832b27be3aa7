import { expect, makeProject, test, WAIT } from './support/fixtures';

// The journey a new user takes: open a project, start an agent, read the preflight, confirm, talk
// to Claude; Claude crashes (exit 3) and the bottle is preserved; double-click resumes it through
// the preflight and the conversation continues (`--continue` shows the previous messages).

test('a crashed agent is preserved, and double-clicking it resumes the conversation', async ({ app, page }) => {
  const project = makeProject('webshop', {
    tester: { description: 'Reads the repo and answers questions (fake Claude)' },
    reviewer: { description: 'Reviews changes; may push to GitHub', network: 'open', secrets: ['E2E_MISSING_TOKEN'] },
  });
  await app.goto();
  await app.openProject(project);

  // The agents, with their badges.
  await expect(app.agent('tester')).toContainText('claude-bottle-test:latest');
  await expect(app.agent('tester').locator('.badge')).toContainText(['no network', 'read-write mounts']);
  await expect(app.agent('reviewer').locator('.badge-danger')).toContainText('missing: E2E_MISSING_TOKEN');
  // Browser mode cannot store secrets (no OS keychain): the badge offers no "Store…".
  await expect(app.agent('reviewer').locator('.badge-action')).toHaveCount(0);
  await app.screenshot('agents');

  // Start → the preflight shows the whole plan; nothing runs yet.
  const dialog = await app.startAgent('tester');
  await expect(dialog.locator('#preflight-title')).toContainText('Start bottle tester-');
  for (const row of ['image', 'user', 'workdir', 'project', 'mounts', 'env', 'secrets', 'network', 'limits', 'hardening', 'claude']) {
    await expect(dialog.locator(`tr[data-row="${row}"]`)).toBeVisible();
  }
  await expect(dialog.locator('tr[data-row="network"] .tone-good')).toContainText('none');
  await expect(dialog.locator('tr[data-row="hardening"]')).toContainText('all Linux capabilities dropped');
  await expect(dialog.getByRole('checkbox', { name: /Copy project into the image/ })).not.toBeChecked();
  await expect(dialog.getByRole('checkbox', { name: /Remote control/ })).not.toBeChecked();
  await app.screenshot('preflight');

  // Confirm → a tab with the terminal attached to Claude's session.
  const slug = await app.confirm();
  await app.expectTerminal(slug, '✻ Welcome to Claude Code (fake)', WAIT.prompt);
  await app.expectTerminal(slug, /\n> $/);
  await expect(app.tab(slug)).toContainText('running');
  await expect(app.running(slug)).toContainText('running');
  const statusBar = app.pane(slug).locator('.status-bar');
  await expect(statusBar).toContainText('claude-bottle-test:latest');
  await expect(statusBar).toContainText('network: none');
  await expect(statusBar).toContainText(/up \d+s/);

  // Typing reaches Claude and its answer comes back.
  await app.type(slug, 'where are the tests?\n');
  await app.expectTerminal(slug, 'Claude: you said: where are the tests?');
  await app.type(slug, 'and the fixtures\n');
  await app.expectTerminal(slug, 'Claude: you said: and the fixtures');
  await app.screenshot('terminal');

  // The window and the terminal follow the OS theme.
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(app.pane(slug).locator('.terminal-host')).toHaveCSS('background-color', 'rgb(22, 23, 29)');
  await expect(app.pane(slug).locator('.xterm-viewport')).toHaveCSS('background-color', 'rgb(22, 23, 29)');
  await app.screenshot('terminal-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Claude exits with 3: the tab says so, and the bottle is listed as preserved.
  await app.type(slug, 'exit 3\n');
  await expect(app.tab(slug)).toContainText('preserved (exit 3)', { timeout: WAIT.short });
  const preserved = app.preserved(slug);
  await expect(preserved).toBeVisible({ timeout: WAIT.short });
  await expect(preserved).toContainText('tester');
  await expect(preserved).toContainText('webshop');
  await expect(preserved).toContainText('just now');
  await expect(preserved.locator('.bottle-why')).toContainText('3');
  await expect(page.locator(`section[aria-labelledby="running-heading"] [data-slug="${slug}"]`)).toHaveCount(0);
  await app.screenshot('preserved');

  // Double-click → the resume preflight → confirm → the conversation continues.
  await preserved.dblclick();
  await expect(app.dialog).toBeVisible();
  await expect(app.dialog.locator('#preflight-title')).toHaveText(`Resume bottle ${slug}`, { timeout: WAIT.short });
  await expect(app.dialog.locator('tr[data-row="resume"]')).toContainText('--continue');
  await expect(app.confirmButton).toBeEnabled();
  await app.confirmButton.click();
  await expect(app.dialog).toHaveCount(0, { timeout: WAIT.short });
  await app.expectTerminal(slug, 'previous: where are the tests?', WAIT.prompt);
  await app.expectTerminal(slug, 'previous: and the fixtures');
  await app.expectTerminal(slug, /\n> $/);
  await expect(app.tab(slug)).toContainText('running');
  await expect(app.preserved(slug)).toHaveCount(0);

  // It goes on as the same conversation; a clean exit ends it for good.
  await app.type(slug, 'still there?\n');
  await app.expectTerminal(slug, 'Claude: you said: still there?');
  await app.type(slug, 'exit\n');
  await expect(app.tab(slug)).toContainText('exited 0', { timeout: WAIT.short });
  await expect(app.preserved(slug)).toHaveCount(0);
});
