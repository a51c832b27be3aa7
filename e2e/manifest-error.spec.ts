import fs from 'node:fs';
import { join } from 'node:path';
import { expect, makeProject, test, WAIT } from './support/fixtures';

// A broken manifest is shown in place of the agents, with where it is broken, never a blank window;
// fixing the file and trying again shows the agents.

const BROKEN = `{
  "version": 1,
  "agents": {
    "tester": {
      "image": "claude-bottle-test:latest",
      "network": "sometimes"
    }
  }
}
`;

test('a broken manifest is shown with its file, line and key path', async ({ app, page }) => {
  const dir = makeProject('broken', {}, BROKEN);
  await app.goto();
  await app.openProject(dir);

  const error = page.locator('.error-view[data-error-kind="manifest"]');
  await expect(error).toBeVisible({ timeout: WAIT.short });
  await expect(error.locator('.issue-location')).toContainText(`${join(dir, 'claude-bottle.json')}:6:`);
  await expect(error.locator('.issue-key')).toHaveText('agents.tester.network');
  await expect(error.locator('.issue-message')).not.toBeEmpty();
  await expect(page.locator('.agent')).toHaveCount(0);
  await app.screenshot('manifest-error');

  // A JSON syntax error names its line too.
  fs.writeFileSync(join(dir, 'claude-bottle.json'), '{\n  "version": 1,\n  "agents": {\n    "tester": { "image": "claude-bottle-test:latest", }\n  ]\n}\n');
  await error.getByRole('button', { name: 'Try again' }).click();
  await expect(error.locator('.issue-location')).toContainText(/claude-bottle\.json:[45]:\d+/, { timeout: WAIT.short });

  // Fixed: the agents appear.
  fs.writeFileSync(join(dir, 'claude-bottle.json'), JSON.stringify({ version: 1, agents: { tester: { image: 'claude-bottle-test:latest', network: 'none' } } }));
  await error.getByRole('button', { name: 'Try again' }).click();
  await expect(app.agent('tester')).toBeVisible({ timeout: WAIT.short });
  await expect(page.locator('.error-view')).toHaveCount(0);
});

test('a folder without a manifest says so (and offers to create one: first-run.spec.ts)', async ({ app, page }) => {
  const dir = join(process.env.E2E_TMP ?? '/tmp', 'no-manifest-here');
  fs.mkdirSync(dir, { recursive: true });
  await app.goto();
  await app.openProject(dir);
  const missing = page.locator('.no-manifest');
  await expect(missing).toBeVisible({ timeout: WAIT.short });
  await expect(missing).toContainText('claude-bottle.json');
  await expect(missing.getByRole('button', { name: 'Create claude-bottle.json' })).toBeVisible();
});
