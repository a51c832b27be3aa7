import fs from 'node:fs';
import { join } from 'node:path';
import { removeContainers } from './support/globalSetup';
import { expect, makeProject, test } from './support/fixtures';
import { type ServeProcess, startServe } from './support/server';

// Signing in from the window: with no credential the sidebar and the preflight say so before
// anything starts; Sign in stores a pasted key (the window learns back only its kind and last 4),
// every preflight then names it, and Sign out forgets it. Browser mode on its own server, with a
// stand-in `secret-tool` as the OS keychain (this machine runs no Secret Service).

const API_KEY = 'sk-ant-api03-E2e-Pasted-Never-Shown-0123456789-AbCd';
const FAKE_SECRET_TOOL = `#!/bin/sh
case "$1" in
  lookup) if [ -f "$FAKE_KEYRING" ]; then cat "$FAKE_KEYRING"; exit 0; fi; exit 1 ;;
  store) cat > "$FAKE_KEYRING"; exit 0 ;;
esac
exit 2
`;

let server: ServeProcess | undefined;
let home = '';

test.beforeAll(async () => {
  const base = join(process.env.E2E_TMP ?? '', 'sign-in');
  home = join(base, 'home');
  const bin = join(base, 'bin');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(join(bin, 'secret-tool'), FAKE_SECRET_TOOL, { mode: 0o755 });
  const saved = { PATH: process.env.PATH, ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN: process.env.CLAUDE_CODE_OAUTH_TOKEN };
  process.env.PATH = `${bin}:${saved.PATH ?? ''}`;
  process.env.FAKE_KEYRING = join(base, 'keyring');
  delete process.env.ANTHROPIC_API_KEY;
  delete process.env.CLAUDE_CODE_OAUTH_TOKEN;
  try {
    server = await startServe(home);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    delete process.env.FAKE_KEYRING;
  }
});

test.afterAll(async () => {
  await server?.stop();
  removeContainers(home);
});

test('Sign in stores a key, the preflight names it by kind and last 4, Sign out forgets it', async ({ app, page }) => {
  await app.goto(server?.url);
  const strip = page.getByLabel('Anthropic credential');
  await expect(strip).toContainText('No Anthropic credential');

  // Before launch, the preflight says Claude has no credential.
  await app.openProject(makeProject('signin', { coder: { description: 'fake Claude, open network', network: 'open' } }));
  await app.startAgent('coder');
  await expect(app.dialog.locator(`tr[data-row="Claude's API"]`)).toContainText('no Anthropic credential: run `claude-bottle login` or Sign in');
  await expect(app.dialog.getByLabel('warnings')).toContainText('no Anthropic credential');
  await app.dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(app.dialog).toHaveCount(0);

  await strip.getByRole('button', { name: 'Sign in' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign in to Anthropic' });
  await expect(dialog).toContainText('claude setup-token');
  const input = dialog.getByLabel(/API key or token/);
  await input.fill('not a key at all');
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Not stored: the credential holds a blank');
  await input.fill(API_KEY);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(strip).toContainText('Signed in (API key …AbCd)');
  expect(fs.readFileSync(join(home, 'secrets.json'), 'utf8')).not.toContain('Never-Shown');

  await app.startAgent('coder');
  await expect(app.dialog.locator(`tr[data-row="Claude's API"]`)).toContainText('your API key …AbCd (stored in the app), passed into the bottle as ANTHROPIC_API_KEY');
  await expect(app.dialog).not.toContainText('no Anthropic credential');
  expect(await page.content()).not.toContain('Never-Shown');
  await app.dialog.getByRole('button', { name: 'Cancel' }).click();

  await strip.getByRole('button', { name: 'Account…' }).click();
  await expect(dialog).toContainText('Signed in (API key …AbCd)');
  await dialog.getByRole('button', { name: 'Sign out' }).click();
  await expect(dialog).toContainText('No Anthropic credential');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(strip).toContainText('No Anthropic credential');
  expect(Object.keys((JSON.parse(fs.readFileSync(join(home, 'secrets.json'), 'utf8')) as { secrets: object }).secrets)).toEqual([]);
});
