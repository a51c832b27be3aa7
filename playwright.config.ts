import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/support/chromium';

// End-to-end tests of the window: browser mode (`claude-bottle serve`) in Debian's Chromium, a real
// Docker engine and the fake-claude image. One worker: every test starts real containers, and the
// server is shared. `UPDATE_SCREENSHOTS=1` also writes docs/screenshots/*.png.
//
// e2e/electron/ holds the same start flow through Playwright's `_electron`; it runs where Electron's
// binary is installed and says why it skipped where it is not.

export default defineConfig({
  testDir: 'e2e',
  globalSetup: './e2e/support/globalSetup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'browser', testIgnore: /electron\// },
    { name: 'electron', testMatch: /electron\/.*\.spec\.ts/ },
  ],
});
