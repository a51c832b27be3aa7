import fs from 'node:fs';
import { join } from 'node:path';
import { expect, makeProject, test, WAIT } from './support/fixtures';

// The preflight is the one place a person sees what a bottle gets before it runs. Whatever they do
// short of Confirm starts nothing and leaves no state behind.

const stateDir = (slug: string): string => join(process.env.E2E_HOME ?? '', 'state', slug);

async function expectNoState(slug: string): Promise<void> {
  await expect.poll(() => fs.existsSync(stateDir(slug)), { message: `state folder of ${slug} is removed`, timeout: WAIT.short }).toBe(false);
}

test('Escape and Cancel start nothing and leave no state', async ({ app, page }) => {
  await app.goto();
  await app.openProject(makeProject('cancels', { tester: { description: 'fake Claude' } }));

  await app.startAgent('tester');
  const first = await app.preparedSlug();
  expect(fs.existsSync(stateDir(first)), 'a prepared bottle has its state folder').toBe(true);
  await page.keyboard.press('Escape');
  await expect(app.dialog).toHaveCount(0);
  await expectNoState(first);

  await app.startAgent('tester');
  const second = await app.preparedSlug();
  await app.dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(app.dialog).toHaveCount(0);
  await expectNoState(second);
  await expect(app.tab(first)).toHaveCount(0);
  await expect(app.tab(second)).toHaveCount(0);
});

test('changing a toggle prepares a new plan and cancels the old one', async ({ app }) => {
  await app.goto();
  await app.openProject(makeProject('toggles', { tester: { description: 'fake Claude' } }));

  await app.startAgent('tester');
  const first = await app.preparedSlug();
  await expect(app.dialog.locator('tr[data-row="image"]')).not.toContainText('copy of the project');

  await app.dialog.getByRole('checkbox', { name: /Copy project into the image/ }).check();
  await expect(app.dialog.locator('#preflight-title')).not.toContainText(first, { timeout: WAIT.short });
  await expect(app.confirmButton).toBeEnabled();
  const second = await app.preparedSlug();
  await expect(app.dialog.locator('tr[data-row="image"]')).toContainText('a copy of the project baked in');
  await expectNoState(first);

  await app.dialog.getByRole('checkbox', { name: /Remote control/ }).check();
  await expect(app.dialog.locator('#preflight-title')).not.toContainText(second, { timeout: WAIT.short });
  await expect(app.confirmButton).toBeEnabled();
  const third = await app.preparedSlug();
  await expect(app.dialog.locator('tr[data-row="claude"]')).toContainText('--remote-control');
  await expect(app.dialog.getByRole('checkbox', { name: /Copy project into the image/ })).toBeChecked();
  await expectNoState(second);

  await app.dialog.getByRole('button', { name: 'Cancel' }).click();
  await expectNoState(third);
});

test('Show plan only shows the plan as text and starts nothing', async ({ app }) => {
  await app.goto();
  await app.openProject(makeProject('dryrun', { tester: { description: 'fake Claude' } }));

  await app.startAgent('tester');
  const slug = await app.preparedSlug();
  await app.dialog.getByRole('button', { name: 'Show plan only' }).click();
  const plan = app.dialog.getByLabel('plan');
  await expect(plan).toContainText(`Start bottle ${slug}`);
  await expect(plan).toContainText('hardening');
  await expect(plan).toContainText('claude --dangerously-skip-permissions');
  await expect(app.dialog.locator('#preflight-title')).toContainText('nothing was started');
  await expectNoState(slug);

  await app.dialog.getByRole('button', { name: 'Close' }).click();
  await expect(app.dialog).toHaveCount(0);
  await expect(app.tab(slug)).toHaveCount(0);
});

test('Enter confirms only when the focus is on Confirm', async ({ app, page }) => {
  await app.goto();
  await app.openProject(makeProject('keyboard', { tester: { description: 'fake Claude' } }));

  await app.startAgent('tester');
  const slug = await app.preparedSlug();
  // The first focus is Cancel (like the CLI's y/N); Enter on a toggle changes nothing.
  await expect(app.dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await app.dialog.getByRole('checkbox', { name: /Remote control/ }).focus();
  await page.keyboard.press('Enter');
  await expect(app.dialog).toBeVisible();
  await expect(app.dialog.getByRole('checkbox', { name: /Remote control/ })).not.toBeChecked();
  expect(await app.preparedSlug()).toBe(slug);
  await expect(app.tab(slug)).toHaveCount(0);

  // Tab cycles inside the dialog: from Cancel, one Tab is Confirm.
  await app.dialog.getByRole('button', { name: 'Cancel' }).focus();
  await page.keyboard.press('Tab');
  await expect(app.confirmButton).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(app.dialog).toHaveCount(0, { timeout: WAIT.short });
  await app.expectTerminal(slug, '> ', WAIT.prompt);

  await app.pane(slug).getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(app.tab(slug)).not.toContainText('running', { timeout: WAIT.short });
});

test('a launch fetches the bottle list once for its burst of changes, not once per change, and joins its terminal once', async ({ app, page }) => {
  const lists: number[] = [];
  const attaches: number[] = [];
  page.on('websocket', (socket) =>
    socket.on('framesent', (frame) => {
      if (typeof frame.payload !== 'string') return;
      if (frame.payload.includes('"bottles.list"')) lists.push(Date.now());
      if (frame.payload.includes('"terminal.attach"')) attaches.push(Date.now());
    }),
  );
  await app.goto();
  await app.openProject(makeProject('lists', { tester: { description: 'fake Claude' } }));
  await app.startAgent('tester');
  const before = lists.length;
  const slug = await app.confirm();
  await app.expectTerminal(slug, /\n> $/, WAIT.prompt);
  // Confirm, the tab and the bottle running each change the list within a few hundred milliseconds.
  await page.waitForTimeout(1_000);
  expect(lists.length - before).toBeLessThanOrEqual(2);
  // The tab joined while the bottle started, and got its output from the first byte: no second
  // attach when it ran, which would hold Claude's first screen back a round trip.
  expect(attaches).toHaveLength(1);
  // And the list it fetched shows the bottle running.
  await expect(app.running(slug)).toBeVisible();
  await app.type(slug, 'exit 0\n');
});
