import { statSync } from 'node:fs';
import { BrowserWindow, Menu, Notification, Tray, app, dialog, ipcMain, nativeImage, session } from 'electron';
import { BottleService, type ShutdownMode } from '../app/bottleService';
import { createDispatcher } from '../app/dispatch';
import { createCoreContext } from '../core/context';
import { findManifest } from '../core/manifest/discover';
import { AppSecretStore, layeredSecrets } from '../core/secrets/appSecretStore';
import { keychainCipher, readingAlso } from '../core/secrets/keychainCipher';
import { defaultStateRoot } from '../core/state/stateRoot';
import type { BottleList, BottleNotification, RecentProject, UiRequest } from '#contract';
import { registerIpcHandlers, sendEvent } from './ipc';
import { type MenuActions, appMenuTemplate, trayMenuTemplate } from './menus';
import { safeStorageCipher } from './safeStorageCipher';
import { initialProjectFrom } from './security';
import { createMainWindow, installSessionSecurity, pageLocation } from './window';

// The Electron shell, kept thin: one BottleService (the same one `serve` runs) behind IPC, one
// window that can be closed and reopened while bottles run on, a tray, an app menu, native
// notifications, and a quit that asks what to do with running bottles.

const MAIN_TIMING = {
  /** Listing bottles asks Docker: rebuild the tray at most this often while things change. */
  trayRefreshMs: 250,
} as const;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

async function main(): Promise<void> {
  const page = pageLocation();
  const isProject = (dir: string): boolean => findManifest(dir) !== undefined;
  const isDirectory = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  let window: BrowserWindow | undefined;
  let quitDecided = false;

  await app.whenReady();
  installSessionSecurity(session.defaultSession, page);
  const tray = new Tray(trayIcon());
  tray.setToolTip('Claude Bottle');

  // Secrets stored in the app (encrypted by the OS keychain) win over the environment; what the
  // CLI's login stored (its own key, also in the keychain) is read too.
  const secretStore = new AppSecretStore(defaultStateRoot(), readingAlso(safeStorageCipher, keychainCipher()));
  const service = new BottleService({
    ctx: createCoreContext({ secrets: layeredSecrets(secretStore, process.env) }),
    secretStore,
    transport: 'electron',
    version: app.getVersion(),
    initialProject: initialProjectFrom(process.argv, process.cwd(), isDirectory, isProject),
    pickFolder: async () => {
      const options = { title: 'Open a project folder', properties: ['openDirectory' as const] };
      const result = window && !window.isDestroyed() ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  });
  const dispatch = createDispatcher(service);

  const showWindow = (): BrowserWindow => {
    if (!window || window.isDestroyed()) {
      window = createMainWindow(page, { onViewerGone: () => service.detachViewers() });
      window.on('closed', () => (window = undefined));
    }
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return window;
  };

  /** Requests wait for a freshly created window to load before they are sent. */
  const request = (uiRequest: UiRequest): void => {
    const target = showWindow();
    if (target.webContents.isLoading()) target.webContents.once('did-finish-load', () => sendEvent(target, 'ui.request', uiRequest));
    else sendEvent(target, 'ui.request', uiRequest);
  };

  const actions: MenuActions = {
    request,
    showWindow: () => void showWindow(),
    openFolder: () => {
      void dispatch({ command: 'projects.pickFolder', args: {} }).then((result) => {
        if (result.ok && (result.data as { dir: string | null }).dir) request({ action: 'open-project', dir: (result.data as { dir: string }).dir });
      });
    },
    quit: () => app.quit(),
  };

  registerIpcHandlers(ipcMain, { dispatch, window: () => window, expectedUrl: page.url });

  // Events go to the window; notifications also to the desktop; list changes rebuild the tray.
  let trayTimer: NodeJS.Timeout | undefined;
  const refreshTray = (): void => {
    clearTimeout(trayTimer);
    trayTimer = setTimeout(() => void rebuildTray(), MAIN_TIMING.trayRefreshMs);
  };
  service.onEvent((event, payload) => {
    sendEvent(window, event, payload);
    if (event === 'app.notification') notify(payload as BottleNotification, request);
    if (event === 'bottles.changed' || event === 'projects.changed') refreshTray();
  });

  const rebuildTray = async (): Promise<void> => {
    if (tray.isDestroyed()) return;
    const [recent, bottles] = await Promise.all([
      dispatch({ command: 'projects.recent', args: {} }),
      dispatch({ command: 'bottles.list', args: {} }),
    ]);
    const state = {
      recent: recent.ok ? (recent.data as { projects: RecentProject[] }).projects : [],
      bottles: bottles.ok ? (bottles.data as BottleList) : undefined,
    };
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(state, actions)));
    const running = state.bottles?.sessions.filter((bottle) => bottle.status === 'running').length ?? 0;
    tray.setToolTip(running > 0 ? `Claude Bottle — ${running} running` : 'Claude Bottle');
  };

  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(process.platform, actions, { devTools: !app.isPackaged })));
  tray.on('click', () => void showWindow());
  await rebuildTray();

  app.on('second-instance', (_event, argv, workingDirectory) => {
    const dir = initialProjectFrom(argv, workingDirectory, isDirectory, isProject);
    if (dir) request({ action: 'open-project', dir });
    else showWindow();
  });
  app.on('activate', () => void showWindow());
  // Closing the window keeps the app (and its bottles) running in the tray.
  app.on('window-all-closed', () => {});

  app.on('before-quit', (event) => {
    if (quitDecided) return;
    event.preventDefault();
    void decideQuit(service, window).then((mode) => {
      if (mode === undefined) return;
      quitDecided = true;
      clearTimeout(trayTimer);
      void service.shutdown(mode).finally(() => {
        tray.destroy();
        app.quit();
      });
    });
  });

  showWindow();
}

/** Asks what to do with running bottles; undefined means: do not quit. */
async function decideQuit(service: BottleService, window: BrowserWindow | undefined): Promise<ShutdownMode | undefined> {
  const live = service.liveSessions();
  if (live.length === 0) return 'leave';
  const names = live.map((bottle) => `${bottle.agent} (${bottle.slug})`).join('\n');
  const options = {
    type: 'question' as const,
    title: 'Quit Claude Bottle',
    message: `${live.length} bottle${live.length === 1 ? ' is' : 's are'} still running`,
    detail: `${names}\n\nStop and keep: they are preserved and resume with the conversation.\nLeave running: the next start offers Re-attach or Stop.`,
    buttons: ['Stop and Keep', 'Stop and Remove', 'Leave Running', 'Cancel'],
    defaultId: 0,
    cancelId: 3,
    noLink: true,
  };
  const { response } = window && !window.isDestroyed() ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
  return (['keep', 'stop', 'leave', undefined] as const)[response];
}

function notify(notification: BottleNotification, request: (uiRequest: UiRequest) => void): void {
  if (!Notification.isSupported()) return;
  // Claude waiting, or asking for a capability, is shown in the window; the desktop says so only when the window is not in front.
  if ((notification.kind === 'attention' || notification.kind === 'waiting') && BrowserWindow.getFocusedWindow()) return;
  const native = new Notification({ title: notification.title, body: notification.body, urgency: notification.kind === 'crashed' || notification.kind === 'failed' ? 'critical' : 'normal' });
  native.on('click', () => request({ action: 'focus-bottle', slug: notification.slug }));
  native.show();
}

/** A 16×16 bottle drawn in code, so the tray needs no file next to the build. */
function trayIcon(): Electron.NativeImage {
  const size = 16;
  const pixels = Buffer.alloc(size * size * 4);
  const inside = (x: number, y: number): boolean => (y >= 1 && y <= 4 && x >= 6 && x <= 9) || (y >= 5 && y <= 6 && x >= 4 && x <= 11) || (y >= 7 && y <= 14 && x >= 3 && x <= 12);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const offset = (y * size + x) * 4;
      // BGRA; a mid grey that reads on light and dark panels.
      if (inside(x, y)) pixels.set([0x70, 0x70, 0x70, 0xff], offset);
    }
  }
  const image = nativeImage.createFromBitmap(pixels, { width: size, height: size });
  if (process.platform === 'darwin') image.setTemplateImage(true);
  return image;
}
