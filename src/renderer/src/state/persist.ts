// What this window remembers across a reload (not across app restarts: the core keeps recent
// projects). sessionStorage is per window, so two browser windows keep their own.

const KEYS = {
  project: 'claude-bottle.project',
  closedTabs: 'claude-bottle.closed-tabs',
  checksDismissed: 'claude-bottle.checks-dismissed',
} as const;

/** How many closed-tab slugs are remembered; older ones have left the core's session list anyway. */
const MAX_CLOSED_TABS = 200;

function read(key: string): string | null {
  try {
    return window.sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    window.sessionStorage.setItem(key, value);
  } catch {
    // Storage disabled or full: the window just forgets on reload.
  }
}

export const persisted = {
  project(): string | null {
    return read(KEYS.project);
  },
  setProject(dir: string): void {
    write(KEYS.project, dir);
  },
  closedTabs(): Set<string> {
    try {
      const parsed: unknown = JSON.parse(read(KEYS.closedTabs) ?? '[]');
      return new Set(Array.isArray(parsed) ? parsed.filter((slug): slug is string => typeof slug === 'string') : []);
    } catch {
      return new Set();
    }
  },
  setClosedTabs(slugs: ReadonlySet<string>): void {
    write(KEYS.closedTabs, JSON.stringify([...slugs].slice(-MAX_CLOSED_TABS)));
  },
  /** The first-run checks were dismissed in this window: a reload does not show them again by itself. */
  checksDismissed(): boolean {
    return read(KEYS.checksDismissed) === '1';
  },
  setChecksDismissed(): void {
    write(KEYS.checksDismissed, '1');
  },
};
