import { resolve } from 'node:path';
import type { WebPreferences } from 'electron';
import { contentSecurityPolicy } from '#csp';

// The window's security rules as small pure functions, so that unit tests can pin them without
// starting Electron. Only type imports from 'electron' here: this file must load in plain Node.

/** The BrowserWindow's webPreferences: the renderer is a sandboxed web page and nothing more. */
export function windowSecurityOptions(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/**
 * Whether an IPC message comes from the app's own page: the same file (for a `file:` URL; query and
 * fragment may differ) or the same origin (the dev server). The caller also checks that the frame
 * is the main window's top frame.
 */
export function isTrustedSender(frameUrl: string | undefined | null, expected: string): boolean {
  if (!frameUrl) return false;
  let actual: URL;
  let wanted: URL;
  try {
    actual = new URL(frameUrl);
    wanted = new URL(expected);
  } catch {
    return false;
  }
  if (actual.protocol !== wanted.protocol) return false;
  if (wanted.protocol === 'file:') return actual.host === wanted.host && actual.pathname === wanted.pathname;
  if (wanted.protocol === 'http:' || wanted.protocol === 'https:') return actual.origin === wanted.origin;
  return false;
}

/** Links the page may open in the system browser: http and https only, with a host and no credentials. */
export function isSafeExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (!parsed.hostname) return false;
  if (parsed.username || parsed.password) return false;
  return url.length <= 8 * 1024;
}

/**
 * Permission requests from the page: all refused, except writing plain text to the clipboard
 * (copy from the terminal); reading the clipboard goes through the platform's paste shortcut.
 */
export function isPermissionAllowed(permission: string): boolean {
  return permission === 'clipboard-sanitized-write';
}

/** The Content-Security-Policy of the app's page (a `<meta>` in index.html says the same). */
export function electronContentSecurityPolicy({ devServer }: { devServer?: string } = {}): string {
  const dev = devServer ? new URL(devServer) : undefined;
  return contentSecurityPolicy(dev ? { connect: [`ws://${dev.host}`], inlineScripts: true } : {});
}

/** The folder the app should open first: a folder named on the command line, else the working folder if it is a project. */
export function initialProjectFrom(argv: string[], cwd: string, isDirectory: (path: string) => boolean, isProject: (dir: string) => boolean): string | null {
  for (const arg of argv.slice(1).reverse()) {
    if (arg.startsWith('-') || arg === '.') continue;
    const dir = resolve(cwd, arg);
    if (isDirectory(dir) && isProject(dir)) return dir;
  }
  return cwd !== '/' && isProject(cwd) ? cwd : null;
}
