import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const startScript = join(__dirname, '..', '..', 'scripts', 'start.mjs');

describe('npm start (scripts/start.mjs)', () => {
  let scratch = '';
  afterEach(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('says in one line that the Electron download failed and points to `npm run serve`', () => {
    scratch = mkdtempSync(join(tmpdir(), 'cb-start-'));
    const result = spawnSync(process.execPath, [startScript], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        // The binary counts as missing: electron looks for it in this (absent) directory.
        ELECTRON_OVERRIDE_DIST_PATH: join(scratch, 'no-dist'),
        // The download fails fast and without the real network: port 9 is closed locally.
        ELECTRON_MIRROR: 'http://127.0.0.1:9/',
        electron_config_cache: join(scratch, 'cache'),
        force_no_cache: 'true'
      }
    });
    expect(result.status).toBe(1);
    const errLines = result.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/could not download the Electron binary/);
    expect(errLines[0]).toContain('npm run serve');
    expect(result.stderr + result.stdout).not.toMatch(/\n\s+at /);
  });
});
