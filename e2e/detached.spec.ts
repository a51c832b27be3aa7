import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { removeContainers } from './support/globalSetup';
import { expect, makeProject, test, WAIT } from './support/fixtures';
import { startServe } from './support/server';

// The app died with bottles running (here: browser mode stopped with its containers left on). The
// open page says so and reconnects by itself when the app is back; the new app finds the
// containers by label and offers Re-attach (to the same Claude, still running in the same
// container) or Stop.

function containerExists(slug: string): boolean {
  return execFileSync('docker', ['ps', '-aq', '--filter', `name=^claude-bottle-${slug}$`], { encoding: 'utf8' }).trim() !== '';
}

test('the window reconnects to a restarted app, which offers the bottles it left running for Re-attach and Stop', async ({ app, page }) => {
  const home = join(process.env.E2E_TMP ?? '', 'detached-home');
  fs.mkdirSync(home, { recursive: true });
  const project = makeProject('orphans', { keeper: { description: 'fake Claude' }, quitter: { description: 'fake Claude' } });
  const first = await startServe(home, { leave: true });
  let second: Awaited<ReturnType<typeof startServe>> | undefined;
  try {
    await app.goto(first.url);
    await app.openProject(project);
    const keeper = await app.launch('keeper');
    const quitter = await app.launch('quitter');
    await app.type(keeper, 'remember me\n');
    await app.expectTerminal(keeper, 'Claude: you said: remember me');

    // The app goes away; its containers stay.
    await first.stop();
    await expect(page.locator('.connection-banner')).toBeVisible({ timeout: WAIT.short });
    expect(containerExists(keeper) && containerExists(quitter)).toBe(true);

    // The app comes back (same address): the page reconnects by itself, and its two tabs say
    // they lost their sessions.
    second = await startServe(home, { port: first.port, token: first.token });
    await app.waitConnected();
    await expect(app.tab(keeper)).toContainText('disconnected', { timeout: WAIT.short });
    await expect(app.tab(quitter)).toContainText('disconnected');
    const running = page.locator('section[aria-labelledby="running-heading"]');
    const keeperItem = running.locator(`.bottle-item.detached[data-slug="${keeper}"]`);
    const quitterItem = running.locator(`.bottle-item.detached[data-slug="${quitter}"]`);
    await expect(keeperItem).toContainText('left running by an earlier session', { timeout: WAIT.short });
    await expect(quitterItem).toBeVisible();
    await app.screenshot('detached');

    // Re-attach (from the Running list, or the tab's own banner): the window attaches to the same
    // Claude, still running in the same container, and the conversation goes on.
    await expect(app.pane(quitter).locator('.terminal-failure button', { hasText: 'Re-attach' })).toBeAttached(); // an inactive pane is aria-hidden
    await keeperItem.getByRole('button', { name: 'Re-attach' }).click();
    await expect(app.tab(keeper)).toBeVisible({ timeout: WAIT.short });
    await expect(keeperItem).toHaveCount(0);
    await app.type(keeper, 'back again\n');
    await app.expectTerminal(keeper, 'Claude: you said: back again');

    // Stop: the other one is removed.
    await quitterItem.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(quitterItem).toHaveCount(0, { timeout: WAIT.short });
    await expect.poll(() => containerExists(quitter), { timeout: WAIT.short }).toBe(false);

    await app.pane(keeper).getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(app.tab(keeper)).not.toContainText('running', { timeout: WAIT.short });
    await expect.poll(() => containerExists(keeper), { timeout: WAIT.short }).toBe(false);
  } finally {
    await first.stop();
    await second?.stop();
    removeContainers(home);
  }
});
