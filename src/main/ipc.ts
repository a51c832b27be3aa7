import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Dispatch } from '../app/dispatch';
import type { Disposable } from '../core/lifecycle/disposable';
import { type ApiResult, COMMAND_NAMES, type EventName, type EventPayload, IPC_EVENT_CHANNEL, ipcChannel } from '#contract';
import { isTrustedSender } from './security';

// Electron's transport of the contract: one `ipcMain.handle` per command. Before anything reaches
// the dispatcher (which validates the arguments), the sender must be the main window's top frame
// showing the app's own page — not a subframe, not a page it was somehow navigated to.

export interface IpcOptions {
  dispatch: Dispatch;
  /** The current main window, if open. */
  window(): BrowserWindow | undefined;
  /** The app's page URL (file: or the dev server). */
  expectedUrl: string;
}

export function registerIpcHandlers(ipcMain: IpcMain, options: IpcOptions): Disposable {
  const refuse: ApiResult<never> = { ok: false, error: { kind: 'usage', message: 'refused: the request did not come from the app window' } };
  for (const command of COMMAND_NAMES) {
    ipcMain.handle(ipcChannel(command), (event: IpcMainInvokeEvent, args: unknown) => {
      if (!isFromMainWindow(event, options)) return refuse;
      return options.dispatch({ command, args });
    });
  }
  return { dispose: () => COMMAND_NAMES.forEach((command) => ipcMain.removeHandler(ipcChannel(command))) };
}

function isFromMainWindow(event: IpcMainInvokeEvent, options: IpcOptions): boolean {
  const window = options.window();
  if (!window || window.isDestroyed()) return false;
  const frame = event.senderFrame;
  if (!frame || event.sender !== window.webContents || frame !== window.webContents.mainFrame) return false;
  return isTrustedSender(frame.url, options.expectedUrl);
}

/** Sends an event to the window; a closed or crashed window just misses it. */
export function sendEvent<E extends EventName>(window: BrowserWindow | undefined, event: E, payload: EventPayload<E>): void {
  if (!window || window.isDestroyed() || window.webContents.isDestroyed() || window.webContents.isCrashed()) return;
  window.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
}
