import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { egressNames } from '../src/core/network/bottleEgress';
import { EGRESS_ENV } from '../src/core/network/egressForBottle';
import { DEBIAN_IMAGE, ensureTestEgressImage } from '../test/helpers/egressImage';
import { type StandInInternet, startStandInInternet } from '../test/helpers/standInInternet';
import { removeContainers } from './support/globalSetup';
import { expect, makeProject, type PageGlobals, test, WAIT } from './support/fixtures';
import { type ServeProcess, startServe } from './support/server';

// A bottle with an allow-list, in the window: its requests show under its terminal (allowed and
// refused counted, the list in a panel), a refused host goes into claude-bottle.json with one
// click, and when its egress proxy dies the tab says the bottle has no network and offers to
// restart the proxy. Against a stand-in internet on this machine only.

const LABELS = { 'claude-bottle.test': 'e2e-egress' };
let internet: StandInInternet | undefined;
let server: ServeProcess | undefined;
let home = '';

test.beforeAll(async () => {
  test.setTimeout(20 * 60_000);
  const docker = new Docker();
  const image = await ensureTestEgressImage(docker);
  internet = await startStandInInternet(docker, { image, labels: LABELS, subnetByte: 79 });
  home = join(process.env.E2E_TMP ?? '', 'egress-home');
  fs.mkdirSync(home, { recursive: true });
  // The server's bottles reach the stand-in internet through their proxies, and the proxy image
  // builds FROM the local Debian (no registry here).
  process.env[EGRESS_ENV.outsideNetwork] = internet.network;
  process.env[EGRESS_ENV.dnsServers] = internet.address;
  process.env.CLAUDE_BOTTLE_BASE_FROM = DEBIAN_IMAGE;
  server = await startServe(home);
});

test.afterAll(async () => {
  await server?.stop();
  removeContainers(home);
  await internet?.dispose();
});

test('the egress of a bottle: live counts and list, a refused host allowed in one click, a dead proxy restarted', async ({ app, page }) => {
  const project = makeProject('egress', { fetcher: { description: 'fake Claude behind a proxy', network: { allow: ['allowed.test'] } } });
  await app.goto(server?.url);
  await app.openProject(project);
  await app.startAgent('fetcher');
  await expect(app.dialog).toContainText('allow-list: allowed.test');
  // Whether the bottle's pane had its egress strip the moment it appeared: the terminal is fitted
  // then, and a strip added later would shrink it after Claude started.
  await page.evaluate(() => {
    const observer = new MutationObserver(() => {
      const pane = document.querySelector('.terminal-pane');
      if (!pane) return;
      (globalThis as { __paneHadStrip?: boolean }).__paneHadStrip = pane.querySelector('[data-testid="egress"]') !== null;
      observer.disconnect();
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
  const slug = await app.confirm();
  expect(await page.evaluate(() => (globalThis as { __paneHadStrip?: boolean }).__paneHadStrip), 'the egress strip is in the pane from its first render').toBe(true);
  await app.expectTerminal(slug, /\n> $/, WAIT.prompt);

  await app.type(slug, 'fetch http://allowed.test/hello\n');
  await app.expectTerminal(slug, 'fetched: stand-in http allowed.test /hello');
  await app.type(slug, 'fetch http://other.test/\n');
  await app.expectTerminal(slug, 'fetch failed');
  const egress = app.pane(slug).getByTestId('egress');
  await expect(egress).toContainText('1 allowed · 1 refused (other.test)', { timeout: WAIT.short });
  // The strip was there from the start, not added with the first request: the terminal still has
  // the size Claude started at (a strip appearing now would take a row and make Claude redraw).
  const size = await page.evaluate((s) => (globalThis as unknown as PageGlobals).__bottleTerminals?.[s]?.size(), slug);
  await app.expectTerminal(slug, `terminal: ${size?.rows} ${size?.cols}`);

  await egress.locator('.egress-summary').click();
  const refusedRow = egress.locator('tr.egress-refused', { hasText: 'other.test' });
  await expect(refusedRow).toContainText('not on the allow-list');
  await refusedRow.getByRole('button', { name: 'Allow' }).click();
  await expect(egress).toContainText('Added other.test to');
  expect(fs.readFileSync(join(project, 'claude-bottle.json'), 'utf8')).toMatch(/"allow":\s*\[\s*"allowed.test",\s*"other.test"\s*\]/);
  await app.screenshot('egress');

  // The proxy dies: no network, never an open one; the tab says so and restarts it.
  execFileSync('docker', ['kill', egressNames(slug).sidecar], { stdio: 'ignore' });
  await expect(egress).toContainText('No network: the egress proxy stopped', { timeout: WAIT.short });
  await app.type(slug, 'fetch http://allowed.test/again\n');
  await app.expectTerminal(slug, /fetch failed.*\n> $/s);
  await egress.getByRole('button', { name: 'Restart proxy' }).click();
  await expect(egress).toContainText('The egress proxy runs again', { timeout: WAIT.short });
  await expect(egress).not.toContainText('No network');
  await app.type(slug, 'fetch http://allowed.test/back\n');
  await app.expectTerminal(slug, 'fetched: stand-in http allowed.test /back');
  await page.keyboard.press('Escape');
});

test('a capability that only adds hosts is granted in place: the same session reaches them, and the status bar lists them', async ({ app }) => {
  const project = makeProject('widen', {
    fetcher: { description: 'fake Claude behind a proxy', network: { allow: ['allowed.test'] }, capabilities: { other: { description: 'reach other.test', network: { allow: ['other.test'] } } } },
  });
  await app.goto(server?.url);
  await app.openProject(project);
  const slug = await app.launch('fetcher');
  const statusBar = app.pane(slug).locator('.status-bar');
  await expect(statusBar).toContainText('network: allow-list: allowed.test', { timeout: WAIT.short });

  await app.type(slug, 'request other I need other.test\n');
  const request = app.pane(slug).getByRole('alertdialog');
  await request.getByRole('button', { name: 'Grant' }).click();
  await app.expectTerminal(slug, 'these hosts are reachable now: other.test');
  await expect(statusBar).toContainText('network: allow-list: allowed.test, other.test', { timeout: WAIT.short });
  await app.type(slug, 'fetch http://other.test/granted\n');
  await app.expectTerminal(slug, 'fetched: stand-in http other.test /granted');
  await app.type(slug, 'exit 0\n');
  await expect(app.tab(slug)).toContainText('exited 0', { timeout: WAIT.short });
});

test('the network made while the preflight is read goes with Cancel, and Confirm uses it', async ({ app }) => {
  const docker = new Docker();
  const project = makeProject('ahead', { fetcher: { description: 'fake Claude behind a proxy', network: { allow: ['allowed.test'] } } });
  await app.goto(server?.url);
  await app.openProject(project);
  const running = async (name: string): Promise<boolean> => (await docker.getContainer(name).inspect().catch(() => undefined))?.State.Running === true;

  await app.startAgent('fetcher');
  const cancelled = egressNames(await app.preparedSlug());
  // The sidecar and the holder of the bottle's namespace are made while the dialog is open.
  await expect.poll(async () => (await running(cancelled.sidecar)) && (await running(cancelled.holder)), { timeout: WAIT.short }).toBe(true);
  await app.dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect.poll(async () => [await docker.getContainer(cancelled.sidecar).inspect().catch(() => 'gone'), await docker.getContainer(cancelled.holder).inspect().catch(() => 'gone'), await docker.getNetwork(cancelled.network).inspect().catch(() => 'gone')], { timeout: WAIT.short }).toEqual(['gone', 'gone', 'gone']);

  await app.startAgent('fetcher');
  const confirmed = egressNames(await app.preparedSlug());
  await expect.poll(() => running(confirmed.holder), { timeout: WAIT.short }).toBe(true);
  // The dialog shows what that network has checked already, from inside the bottle's namespace.
  const check = app.dialog.getByLabel('network check');
  await expect(check).toContainText('Network checked from inside the bottle', { timeout: WAIT.short });
  await expect(check).toContainText(/✓ direct connection to .* fails/);
  await expect(check).toContainText(/✓ DNS lookup of .* fails/);
  await app.screenshot('preflight-network-check');
  const holder = await docker.getContainer(confirmed.holder).inspect();
  const slug = await app.confirm();
  await app.expectTerminal(slug, /\n> $/, WAIT.prompt);
  expect((await docker.getContainer(`claude-bottle-${slug}`).inspect()).HostConfig.NetworkMode).toBe(`container:${holder.Id}`);
  await app.type(slug, 'fetch http://allowed.test/ahead\n');
  await app.expectTerminal(slug, 'fetched: stand-in http allowed.test /ahead');
  await app.type(slug, 'exit 0\n');
  await expect.poll(() => docker.getContainer(confirmed.holder).inspect().catch(() => 'gone'), { timeout: WAIT.short }).toBe('gone');
});
