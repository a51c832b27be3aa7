import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_PATH } from './chromium';
import { REPO_ROOT, startServe } from './server';

// Before the end-to-end run: everything it needs must be there, or the run FAILS with what to do
// (in CI and locally alike: these tests exist to exercise a real engine and a real browser, so they
// are never skipped). Then: the renderer built, the fake-claude image built, and browser mode
// started with its own state root in a temporary folder. The returned teardown stops the server
// (which stops its bottles) and removes any container still labelled with that state root.

const BUILD_TIMEOUT_MS = 600_000;

export default async function globalSetup(): Promise<() => Promise<void>> {
  requireChromium();
  requireDocker();
  buildRendererIfStale();
  execFileSync('bash', [join(REPO_ROOT, 'scripts/test-image/build.sh')], { stdio: ['ignore', 'inherit', 'inherit'], timeout: BUILD_TIMEOUT_MS });

  const tmp = fs.mkdtempSync(join(os.tmpdir(), 'cb-e2e-'));
  const home = join(tmp, 'home');
  fs.mkdirSync(home);
  const server = await startServe(home);
  process.env.E2E_URL = server.url;
  process.env.E2E_ORIGIN = server.origin;
  process.env.E2E_HOME = home;
  process.env.E2E_TMP = tmp;

  return async () => {
    await server.stop();
    removeContainers(home);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}

function requireChromium(): void {
  if (fs.existsSync(CHROMIUM_PATH)) return;
  throw new Error(
    `Chromium is not at ${CHROMIUM_PATH}: the end-to-end tests drive the window in Debian's Chromium.\n` +
      'Install it with `apt-get install -y chromium` (or point CHROMIUM_PATH at one). They are never skipped.',
  );
}

function requireDocker(): void {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  } catch (error) {
    const where = process.env.CI ? 'CI must provide a Docker engine' : 'the end-to-end tests need a running Docker engine';
    throw new Error(`${where}: \`docker info\` failed: ${(error as Error).message}\nStart one (here: \`(nohup dockerd > /tmp/dockerd.log 2>&1 &)\`) and run the tests again; they are never skipped.`);
  }
}

/** Builds the app when out/renderer is missing or older than the renderer's sources. */
function buildRendererIfStale(): void {
  const built = join(REPO_ROOT, 'out/renderer/index.html');
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const newest = Math.max(newestMtime(join(REPO_ROOT, 'src/renderer')), newestMtime(join(REPO_ROOT, 'src/shared')));
  if (builtAt > newest) return;
  process.stderr.write(builtAt === 0 ? '[e2e] out/renderer is missing: building the app\n' : '[e2e] the renderer changed since the last build: building the app\n');
  execFileSync('npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: BUILD_TIMEOUT_MS });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, fs.statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Containers of this run's state root that a crashed test or server left behind. */
export function removeContainers(home: string): void {
  try {
    const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=claude-bottle.home=${home}`], { encoding: 'utf8', timeout: 30_000 }).split(/\s+/).filter(Boolean);
    if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore', timeout: 60_000 });
  } catch {
    // Best effort: the engine went away, or nothing was left.
  }
}
