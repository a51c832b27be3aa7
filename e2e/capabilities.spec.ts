import fs from 'node:fs';
import { join } from 'node:path';
import { expect, makeProject, test, WAIT } from './support/fixtures';

// A bottle asks for more while it runs (docs/control-channel.md): its tab says so, the request
// shows over its terminal with the reason and what it would grant, and Grant relaunches the bottle
// in the same tab with the conversation going on. The tab also says when Claude waits for you.

test('a capability request on the tab, granted in place of the old bottle; the tab says when Claude waits', async ({ app }) => {
  const shared = join(process.env.E2E_TMP ?? '', 'shared-docs');
  fs.mkdirSync(shared, { recursive: true, mode: 0o755 });
  fs.writeFileSync(join(shared, 'README'), 'shared docs\n');
  const project = makeProject('capabilities', {
    tester: { description: 'fake Claude that may ask for the docs', capabilities: { docs: { description: 'read the shared docs', mounts: [{ source: shared, target: '/mnt/docs', readonly: true }] } } },
  });
  await app.goto();
  await app.openProject(project);
  const dialog = await app.startAgent('tester');
  await expect(dialog.locator('tr[data-row="requestable"]')).toContainText('docs — read the shared docs');
  await expect(dialog.locator('tr[data-row="requestable"]')).toContainText('adds mount ro');
  const slug = await app.confirm();
  await app.expectTerminal(slug, /\n> $/, WAIT.prompt);

  // A reply: Claude turns to the user, and the tab says so.
  await app.type(slug, 'hello\n');
  await app.expectTerminal(slug, 'you said: hello');
  await expect(app.tab(slug)).toContainText('waiting for you', { timeout: WAIT.short });

  await app.type(slug, 'request docs I need the \x1b[1mshared\x1b[0m docs\n');
  const request = app.pane(slug).getByRole('alertdialog');
  await expect(request).toContainText('tester asks for docs', { timeout: WAIT.short });
  await expect(request.getByLabel('reason')).toHaveText('I need the \\e[1mshared\\e[0m docs');
  await expect(request.locator('tr[data-row="grants"]')).toContainText('adds mount ro');
  await expect(app.tab(slug)).toContainText('asks for a capability');
  await app.screenshot('capability-request');

  await request.getByRole('button', { name: 'Grant' }).click();
  await app.expectTerminal(slug, 'granted "docs"');
  await app.expectTerminal(slug, /previous: request docs I need[^\n]*\n> $/, WAIT.prompt);
  await expect(request).toHaveCount(0);
  await expect(app.tab(slug)).not.toContainText('asks for a capability');
  await expect(app.tab(slug)).not.toContainText('preserved');
});
