import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { type MenuActions, appMenuTemplate, trayMenuTemplate } from '../../src/main/menus';
import type { BottleList, UiRequest } from '../../src/shared/contract';

function recorder(): MenuActions & { requests: UiRequest[]; calls: string[] } {
  const requests: UiRequest[] = [];
  const calls: string[] = [];
  return {
    requests,
    calls,
    request: (request) => requests.push(request),
    openFolder: () => calls.push('openFolder'),
    showWindow: () => calls.push('showWindow'),
    quit: () => calls.push('quit'),
  };
}

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu) : [])]);
}

function click(items: MenuItemConstructorOptions[], label: string | RegExp): void {
  const item = flatten(items).find((candidate) => (typeof label === 'string' ? candidate.label === label : label.test(candidate.label ?? '')));
  if (!item?.click) throw new Error(`no clickable item ${String(label)}`);
  (item.click as () => void)();
}

const SLUG = 'reviewer-20260101T000000-abcd';
const LIST: BottleList = {
  sessions: [{ slug: SLUG, agent: 'reviewer', status: 'running', projectRoot: '/p', image: 'img', network: 'open', behindProxy: false, startedAt: '2026-01-01T00:00:00Z' }],
  detached: [],
  preserved: [{ slug: 'tester-20260101T000000-beef', agent: 'tester', projectRoot: '/p', at: '2026-01-01T00:00:00Z', reason: 'exit', detail: 'Claude exited with code 3', exitCode: 3, grantedCapabilities: [], sessions: 1 }],
  corrupt: [],
};

describe('the application menu', () => {
  it('has new bottle, close tab, next and previous tab and zoom, each sent to the window', () => {
    const actions = recorder();
    const template = appMenuTemplate('linux', actions);
    for (const label of ['New Bottle…', 'Close Tab', 'Next Tab', 'Previous Tab', 'Zoom In', 'Zoom Out', 'Actual Size']) click(template, label);
    expect(actions.requests).toEqual([
      { action: 'new-bottle' },
      { action: 'close-tab' },
      { action: 'next-tab' },
      { action: 'previous-tab' },
      { action: 'zoom', direction: 'in' },
      { action: 'zoom', direction: 'out' },
      { action: 'zoom', direction: 'reset' },
    ]);
    click(template, 'Open Project Folder…');
    expect(actions.calls).toEqual(['openFolder']);
  });

  it('leaves Ctrl+letter to the terminal on Linux and Windows (Claude Code uses Ctrl+O, shells Ctrl+W)', () => {
    for (const platform of ['linux', 'win32'] as const) {
      const accelerators = flatten(appMenuTemplate(platform, recorder())).map((item) => item.accelerator as string | undefined).filter(Boolean) as string[];
      const bareCtrlLetters = accelerators.filter((accelerator) => /^(Ctrl|CmdOrCtrl)\+[A-Z]$/i.test(accelerator) && accelerator !== 'Ctrl+Q');
      expect(bareCtrlLetters, platform).toEqual([]);
    }
    const mac = flatten(appMenuTemplate('darwin', recorder())).map((item) => item.accelerator);
    expect(mac).toContain('Cmd+W');
  });

  it('offers dev tools only when asked to', () => {
    expect(flatten(appMenuTemplate('linux', recorder())).some((item) => item.role === 'toggleDevTools')).toBe(false);
    expect(flatten(appMenuTemplate('linux', recorder(), { devTools: true })).some((item) => item.role === 'toggleDevTools')).toBe(true);
  });
});

describe('the tray menu', () => {
  it("quick-starts an agent of a recent project by opening its preflight, never by launching", () => {
    const actions = recorder();
    const template = trayMenuTemplate({ recent: [{ root: '/work/acme', name: 'acme', openedAt: '2026-01-01T00:00:00Z', agents: ['reviewer', 'fixer'] }], bottles: LIST }, actions);
    click(template, 'fixer…');
    expect(actions.requests).toEqual([{ action: 'start-agent', projectDir: '/work/acme', agent: 'fixer' }]);
  });

  it('focuses running bottles, resumes preserved ones through the preflight, and quits', () => {
    const actions = recorder();
    const template = trayMenuTemplate({ recent: [], bottles: LIST }, actions);
    click(template, /^reviewer — /);
    click(template, /^tester — Claude exited with code 3/);
    click(template, 'Quit Claude Bottle');
    expect(actions.requests).toEqual([
      { action: 'focus-bottle', slug: SLUG },
      { action: 'resume-bottle', slug: 'tester-20260101T000000-beef' },
    ]);
    expect(actions.calls).toEqual(['quit']);
  });

  it('still builds when Docker could not be asked', () => {
    const template = trayMenuTemplate({ recent: [], bottles: undefined }, recorder());
    expect(flatten(template).map((item) => item.label)).toContain('No running bottles');
  });
});
