import fs from 'node:fs';
import { join } from 'node:path';
import { _electron as electron, type ElectronApplication } from '@playwright/test';
import { removeContainers } from '../support/globalSetup';
import { AppDriver, expect, makeProject, type PageGlobals, test, WAIT } from '../support/fixtures';
import { REPO_ROOT } from '../support/server';
import { electronBinary, electronSkipReason } from './electronBinary';

// The desktop app itself, through Playwright's `_electron`: the same start flow as the browser
// suite, over Electron's IPC transport (the preload's `window.bottle`). It needs Electron's binary;
// where that is not installed the suite skips, and says why.

const binary = electronBinary();
const skipReason = electronSkipReason();
if (skipReason) process.stderr.write(`[e2e/electron] skipped: ${skipReason}\n`);
test.skip(skipReason !== undefined, skipReason ?? '');

test('the desktop app starts an agent through the preflight and shows its terminal', async () => {
  let electronApp: ElectronApplication | undefined;
  const home = join(process.env.E2E_TMP ?? '', 'electron-home');
  fs.mkdirSync(home, { recursive: true });
  const project = makeProject('desktop', { tester: { description: 'fake Claude in the desktop app' } });
  try {
    // The folder named on the command line is the project the window opens first.
    electronApp = await electron.launch({
      executablePath: binary,
      // Chromium refuses to run as root with its OS sandbox (CI runs as root); the renderer's own
      // sandbox (webPreferences) is unaffected.
      args: [join(REPO_ROOT, 'out/main/index.js'), project, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      cwd: project,
      env: { ...process.env, CLAUDE_BOTTLE_HOME: home },
    });
    const page = await electronApp.firstWindow();
    const app = new AppDriver(page);
    await expect(page.evaluate(() => typeof (globalThis as unknown as PageGlobals).bottle)).resolves.toBe('object');
    await expect(app.agent('tester')).toBeVisible({ timeout: WAIT.short });
    await expect(page.getByRole('button', { name: 'Open folder…' })).toBeVisible();

    const dialog = await app.startAgent('tester');
    await expect(dialog.locator('tr[data-row="hardening"]')).toContainText('no-new-privileges');
    const slug = await app.confirm();
    await app.expectTerminal(slug, '✻ Welcome to Claude Code (fake)', WAIT.prompt);
    await app.expectTerminal(slug, /\n> $/);
    await app.type(slug, 'hello from electron\n');
    await app.expectTerminal(slug, 'Claude: you said: hello from electron');

    await app.type(slug, 'exit 3\n');
    await expect(app.tab(slug)).toContainText('preserved (exit 3)', { timeout: WAIT.short });
    await expect(app.preserved(slug)).toBeVisible({ timeout: WAIT.short });
  } finally {
    await electronApp?.close().catch(() => undefined);
    removeContainers(home);
  }
});
