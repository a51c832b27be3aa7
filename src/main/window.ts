import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserWindow, type Session, shell } from 'electron';
import { electronContentSecurityPolicy, isPermissionAllowed, isSafeExternalUrl, windowSecurityOptions } from './security';

// The one BrowserWindow: a sandboxed page that cannot navigate, open windows, or get permissions,
// and whose only way out is the preload's named functions.

export interface PageLocation {
  /** What the window loads, and what an IPC sender's frame URL must match. */
  url: string;
  /** Set while `electron-vite dev` serves the renderer. */
  devServer?: string;
}

/** Where the built page and preload are, next to the built main process (`out/main/index.js`). */
export function pageLocation(env: NodeJS.ProcessEnv = process.env): PageLocation {
  const devServer = env.ELECTRON_RENDERER_URL;
  if (devServer) return { url: devServer, devServer };
  return { url: pathToFileURL(fileURLToPath(new URL('../renderer/index.html', import.meta.url))).href };
}

export function preloadPath(): string {
  return fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
}

/** Session-wide rules: a CSP header on everything the page loads, every permission request refused. */
export function installSessionSecurity(session: Session, page: PageLocation): void {
  const csp = electronContentSecurityPolicy(page.devServer ? { devServer: page.devServer } : {});
  // file: pages get no response headers: index.html's <meta> carries the same policy for them.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionAllowed(permission)));
  session.setPermissionCheckHandler((_contents, permission) => isPermissionAllowed(permission));
  session.on('will-download', (event) => event.preventDefault());
}

export interface WindowHooks {
  /** The page is (re)loading or the window closed: terminals lose their viewer. */
  onViewerGone(): void;
}

export function createMainWindow(page: PageLocation, hooks: WindowHooks): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    title: 'Claude Bottle',
    show: false,
    backgroundColor: '#1e1e1e',
    webPreferences: windowSecurityOptions(preloadPath()),
  });
  const contents = window.webContents;

  // No navigation away from the app's page, ever; links go to the system browser after a check.
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });

  contents.on('did-start-loading', () => hooks.onViewerGone());
  window.on('closed', () => hooks.onViewerGone());
  window.once('ready-to-show', () => window.show());

  if (page.devServer) void window.loadURL(page.url);
  else void window.loadFile(fileURLToPath(page.url));
  return window;
}
