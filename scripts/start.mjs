#!/usr/bin/env node
// `npm start`: make sure Electron's binary is there, build if needed, run the app.
// Electron 45+ no longer downloads its binary at `npm install`; it fetches it lazily
// through its own install.js (which writes node_modules/electron/path.txt and dist/).
// `electron-vite preview` only reads path.txt, so we trigger that fetch here first.
// See docs/operations.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function fail(message) {
  process.stderr.write(`claude-bottle: ${message}\n`);
  process.exit(1);
}

function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return fail('Electron is not installed; run `npm install` first.');
  }
}

/** Same test electron's own index.js makes: path.txt names an executable that exists. */
function electronBinaryPresent(dir) {
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return false;
  const executable = readFileSync(pathFile, 'utf8');
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(dir, 'dist');
  return existsSync(join(distDir, executable));
}

/**
 * Runs electron's install.js (what `npx install-electron` runs). Its stdout and the
 * progress bar pass through; a failure's stack trace is held back so the user sees one line.
 */
function fetchElectron(dir) {
  process.stdout.write('Fetching the Electron binary (first start only)...\n');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dir, 'install.js')], {
      stdio: ['ignore', 'inherit', 'pipe']
    });
    let held = '';
    child.stderr.on('data', (chunk) => {
      const text = chunk.toString();
      // Progress bar redraws use \r; anything else is the error report we summarise ourselves.
      if (held === '' && text.startsWith('\r') && !/\n\s+at /.test(text)) process.stderr.write(text);
      else held += text;
    });
    child.on('error', (err) => resolve({ ok: false, reason: err.message }));
    child.on('close', (code) => {
      const firstLine = held.split('\n').find((line) => line.trim() !== '') ?? '';
      resolve({ ok: code === 0, reason: firstLine.trim() || `exit code ${code}` });
    });
  });
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return result.status ?? 1;
}

const dir = electronDir();
if (!electronBinaryPresent(dir)) {
  const fetched = await fetchElectron(dir);
  if (!fetched.ok || !electronBinaryPresent(dir)) {
    fail(
      `could not download the Electron binary (${fetched.ok ? 'no executable after install' : fetched.reason}); ` +
        '`npm run serve` opens the same window in a browser instead.'
    );
  }
}

if (!existsSync(join(root, 'out', 'main', 'index.js'))) {
  const status = run('npm', ['run', 'build']);
  if (status !== 0) fail(`the build failed (exit code ${status}); see the output above.`);
}

const electronVite = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
process.exit(run(process.execPath, [electronVite, 'preview', '--skipBuild', ...process.argv.slice(2)]));
