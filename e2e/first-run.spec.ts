import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test, WAIT } from './support/fixtures';

// A newcomer's first minutes: a folder without a manifest gets one with a click, and the checks say
// whether Docker, disk and credentials are ready. The agent the starter declares is on the
// built-in image, whose first build takes minutes: it is not started here (the core's tests build
// that image), nor is "Update Claude Code" run.

function emptyFolder(name: string): string {
  const tmp = process.env.E2E_TMP;
  if (!tmp) throw new Error('E2E_TMP is not set: run the tests with `npx playwright test`');
  const dir = join(tmp, 'first-run', name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

test('a folder without claude-bottle.json gets a starter with one click, and its agent appears', async ({ app, page }) => {
  const dir = emptyFolder('hello-world');
  await app.goto();
  await app.openProject(dir);

  const missing = page.locator('.no-manifest');
  await expect(missing).toBeVisible({ timeout: WAIT.short });
  await expect(missing).toContainText('No claude-bottle.json here');
  await expect(missing.locator('.no-manifest-dir')).toHaveText(dir);
  await expect(page.locator('.agent')).toHaveCount(0);
  await app.screenshot('create-manifest');

  await missing.getByRole('button', { name: 'Create claude-bottle.json' }).click();
  const agent = app.agent('hello-world');
  await expect(agent).toBeVisible({ timeout: WAIT.short });
  await expect(agent.locator('.agent-image')).toHaveText('builtin:base');
  await expect(page.locator('.no-manifest')).toHaveCount(0);
  const file = join(dir, 'claude-bottle.json');
  await expect(page.locator('.created-note')).toContainText(file);
  expect(fs.readFileSync(file, 'utf8')).toContain('"image": "builtin:base"');

  // Opened again later, the folder simply shows its agent.
  await page.reload();
  await app.waitConnected();
  await app.openProject(dir);
  await expect(app.agent('hello-world')).toBeVisible({ timeout: WAIT.short });
  await expect(page.locator('.created-note')).toHaveCount(0);
});

test('the checks panel lists every check, Docker reachable, and runs again on request', async ({ app, page }) => {
  await app.goto();
  // It opens by itself when something warns or fails (here: usually the base image not built yet).
  const panel = await openChecks(page);
  const checks = panel.locator('.check');
  await expect(checks).toHaveCount(5, { timeout: WAIT.short });
  const docker = panel.locator('.check[data-check="docker"]');
  await expect(docker).toHaveAttribute('data-status', 'ok');
  await expect(docker.locator('.check-mark')).toHaveText('✓');
  await expect(docker.locator('.check-title')).toHaveText('Docker is reachable');
  for (const id of ['docker-cli', 'disk', 'credentials', 'base-image']) await expect(panel.locator(`.check[data-check="${id}"] .check-title`)).not.toBeEmpty();
  // Every check that is not ok says what to do, or (for the base image) when it happens.
  const notOk = panel.locator('.check:not([data-status="ok"])');
  for (let index = 0; index < (await notOk.count()); index += 1) await expect(notOk.nth(index).locator('.check-detail')).not.toBeEmpty();
  await expect(panel.getByRole('button', { name: 'Update Claude Code' })).toBeEnabled();
  await app.screenshot('first-run');

  await panel.getByRole('button', { name: 'Run again' }).click();
  await expect(panel).toHaveAttribute('data-loading', 'false', { timeout: WAIT.short });
  await expect(docker).toHaveAttribute('data-status', 'ok');

  await panel.getByRole('button', { name: 'Close the checks' }).click();
  await expect(panel).toHaveCount(0);
  // Dismissed: a reload does not bring it back by itself; the Checks button does.
  await page.reload();
  await app.waitConnected();
  await expect(page.locator('.brand-version')).toBeVisible();
  await page.waitForTimeout(500);
  await expect(panel).toHaveCount(0);
  await page.getByRole('button', { name: 'Checks' }).click();
  await expect(panel.locator('.check[data-check="docker"]')).toHaveAttribute('data-status', 'ok', { timeout: WAIT.short });
});

test('Find unused lists what no bottle owns, with why', async ({ app, page }) => {
  const home = process.env.E2E_HOME ?? '';
  const name = `claude-bottle-e2e-orphan-${process.pid}`;
  execFileSync('docker', ['create', '--name', name, '--label', `claude-bottle.home=${home}`, '--label', 'claude-bottle.slug=gone-20260101T000000-0000', 'claude-bottle-test:latest', 'true'], { stdio: 'ignore' });
  try {
    await app.goto();
    const panel = await openChecks(page);
    const free = panel.getByTestId('free-space');
    await free.getByRole('button', { name: 'Find unused…' }).click();
    const row = free.locator('tr[data-kind="container"]', { hasText: name });
    await expect(row).toContainText('no state folder owns it (bottle gone-20260101T000000-0000)', { timeout: WAIT.short });
    await expect(free.getByRole('button', { name: /^Remove \d+$/ })).toBeEnabled();
  } finally {
    execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  }
});

/**
 * Opens the checks panel. It also opens by itself once the checks come back with a warning, which
 * can happen just after a click opened it (and the click then closes it): try until it stays open.
 */
async function openChecks(page: Page): Promise<Locator> {
  const panel = page.locator('.checks-panel');
  await expect(async () => {
    if (!(await panel.isVisible())) await page.getByRole('button', { name: 'Checks' }).click();
    await expect(panel).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: WAIT.short });
  return panel;
}
