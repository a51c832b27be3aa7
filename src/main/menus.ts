import type { MenuItemConstructorOptions } from 'electron';
import type { BottleList, RecentProject, UiRequest } from '#contract';

// The application menu and the tray menu as plain templates (only type imports from Electron), so
// tests can read what each item does. Every item either asks the window to do something (a
// `UiRequest`: the window owns tabs and dialogs) or calls one of the `MenuActions`.

export interface MenuActions {
  /** Shows the window (creating it if it was closed) and sends it a request. */
  request(request: UiRequest): void;
  /** The open-folder dialog, then `open-project`. */
  openFolder(): void;
  showWindow(): void;
  quit(): void;
}

/**
 * On Linux and Windows every app shortcut takes Shift: Ctrl+W, Ctrl+N, Ctrl+O ... belong to the
 * terminal (Claude Code and shells use them), as in GNOME Terminal. macOS has Cmd for the app.
 */
function accelerators(platform: NodeJS.Platform): Record<'newBottle' | 'openFolder' | 'closeTab', string> {
  return platform === 'darwin'
    ? { newBottle: 'Cmd+T', openFolder: 'Cmd+O', closeTab: 'Cmd+W' }
    : { newBottle: 'Ctrl+Shift+T', openFolder: 'Ctrl+Shift+O', closeTab: 'Ctrl+Shift+W' };
}

export function appMenuTemplate(platform: NodeJS.Platform, actions: MenuActions, { devTools = false } = {}): MenuItemConstructorOptions[] {
  const keys = accelerators(platform);
  const template: MenuItemConstructorOptions[] = [];
  if (platform === 'darwin') template.push({ role: 'appMenu' });
  template.push(
    {
      label: 'File',
      submenu: [
        { label: 'New Bottle…', accelerator: keys.newBottle, click: () => actions.request({ action: 'new-bottle' }) },
        { label: 'Open Project Folder…', accelerator: keys.openFolder, click: () => actions.openFolder() },
        { type: 'separator' },
        { label: 'Close Tab', accelerator: keys.closeTab, click: () => actions.request({ action: 'close-tab' }) },
        { role: 'close', label: 'Close Window (bottles keep running)' },
        ...(platform === 'darwin' ? [] : [{ type: 'separator' as const }, { label: 'Quit', accelerator: 'Ctrl+Q', click: () => actions.quit() }]),
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { label: 'Next Tab', accelerator: 'Ctrl+Tab', click: () => actions.request({ action: 'next-tab' }) },
        { label: 'Previous Tab', accelerator: 'Ctrl+Shift+Tab', click: () => actions.request({ action: 'previous-tab' }) },
        { type: 'separator' },
        { label: 'Zoom In', accelerator: 'CmdOrCtrl+=', click: () => actions.request({ action: 'zoom', direction: 'in' }) },
        { label: 'Zoom In', accelerator: 'CmdOrCtrl+Plus', visible: false, acceleratorWorksWhenHidden: true, click: () => actions.request({ action: 'zoom', direction: 'in' }) },
        { label: 'Zoom Out', accelerator: 'CmdOrCtrl+-', click: () => actions.request({ action: 'zoom', direction: 'out' }) },
        { label: 'Actual Size', accelerator: 'CmdOrCtrl+0', click: () => actions.request({ action: 'zoom', direction: 'reset' }) },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(devTools ? [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }] : []),
      ],
    },
    { role: 'windowMenu' },
  );
  return template;
}

export interface TrayState {
  recent: RecentProject[];
  bottles: BottleList | undefined;
}

/**
 * The tray: quick-start for each agent of the recent projects (it opens that agent's preflight in
 * the window: nothing launches from the tray), the running bottles (focus their tab), the
 * preserved ones (resume: the preflight again), quit.
 */
export function trayMenuTemplate(state: TrayState, actions: MenuActions): MenuItemConstructorOptions[] {
  const template: MenuItemConstructorOptions[] = [{ label: 'Open Claude Bottle', click: () => actions.showWindow() }, { type: 'separator' }];

  const projects = state.recent.filter((project) => project.agents.length > 0);
  template.push({
    label: 'Quick Start',
    enabled: projects.length > 0,
    submenu: projects.map((project) => ({
      label: menuLabel(project.name),
      toolTip: project.root,
      submenu: project.agents.map((agent) => ({
        label: `${menuLabel(agent)}…`,
        click: () => actions.request({ action: 'start-agent', projectDir: project.root, agent }),
      })),
    })),
  });

  const running = (state.bottles?.sessions ?? []).filter((bottle) => bottle.status === 'running' || bottle.status === 'starting' || bottle.status === 'building');
  template.push({ type: 'separator' }, { label: running.length > 0 ? 'Running' : 'No running bottles', enabled: false });
  for (const bottle of running) {
    const waits = bottle.pendingRequests ? ' — asks for a capability' : bottle.attention?.state === 'waiting' ? ' — waiting for you' : '';
    template.push({ label: `${menuLabel(bottle.agent)} — ${bottle.slug.slice(bottle.agent.length + 1)}${waits}`, click: () => actions.request({ action: 'focus-bottle', slug: bottle.slug }) });
  }
  const detached = (state.bottles?.detached ?? []).filter((bottle) => bottle.owner === 'dead');
  for (const bottle of detached) {
    template.push({ label: `${menuLabel(bottle.agent)} (detached) — ${bottle.slug.slice(bottle.agent.length + 1)}`, click: () => actions.showWindow() });
  }

  const preserved = state.bottles?.preserved ?? [];
  template.push({
    label: 'Resume Preserved',
    enabled: preserved.length > 0,
    submenu: preserved.slice(0, 20).map((bottle) => ({
      label: `${menuLabel(bottle.agent)} — ${menuLabel(bottle.detail)}…`,
      toolTip: bottle.projectRoot,
      click: () => actions.request({ action: 'resume-bottle', slug: bottle.slug }),
    })),
  });

  template.push({ type: 'separator' }, { label: 'Quit Claude Bottle', click: () => actions.quit() });
  return template;
}

/** Menu labels treat `&` as a mnemonic on Windows and get unwieldy when long. */
function menuLabel(text: string): string {
  const clean = text.replace(/&/g, '&&');
  return clean.length > 60 ? `${clean.slice(0, 59)}…` : clean;
}
