import fs from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/server';

// Where Electron's binary is, found the way `require('electron')` finds it (node_modules/electron/
// path.txt, or ELECTRON_OVERRIDE_DIST_PATH) but without requiring the package: when the binary is
// missing, that require tries to download it, which cannot work on a machine without the network.

export const ELECTRON_MISSING = "Electron's binary is not installed on this machine (it cannot be downloaded here)";

export function electronBinary(): string | undefined {
  const pkg = join(REPO_ROOT, 'node_modules/electron');
  const pathFile = join(pkg, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, relative || 'electron') : relative ? join(pkg, 'dist', relative) : undefined;
  return candidate && fs.existsSync(candidate) ? candidate : undefined;
}

export const NO_DISPLAY = 'there is no display to open a window on (run under xvfb-run, or set DISPLAY)';

/** Why the desktop app cannot be launched here, or undefined when it can. */
export function electronSkipReason(): string | undefined {
  if (!electronBinary()) return ELECTRON_MISSING;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return NO_DISPLAY;
  return undefined;
}
