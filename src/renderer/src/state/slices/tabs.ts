// The tabs: one per bottle this window shows, the active one, the one whose search bar is open,
// and the bottles whose tab the user closed (not opened again by themselves).

export interface TabEntry {
  slug: string;
  agent: string;
}

export interface TabsState {
  open: readonly TabEntry[];
  active: string | null;
  /** The terminal whose search bar is open. */
  search: string | null;
  /** Closed by the user: a session of the core listed later gets no tab by itself. */
  closed: ReadonlySet<string>;
}

export const initialTabs = (closed: ReadonlySet<string> = new Set()): TabsState => ({ open: [], active: null, search: null, closed });

export function hasTab(state: TabsState, slug: string): boolean {
  return state.open.some((tab) => tab.slug === slug);
}

/** A bottle's tab is opened (or shown, if it is open) and becomes the active one. */
export function tabOpened(state: TabsState, slug: string, agent: string): TabsState {
  return {
    ...state,
    open: hasTab(state, slug) ? state.open : [...state.open, { slug, agent }],
    active: slug,
    closed: without(state.closed, slug),
  };
}

/** Tabs for sessions the window had none for; the last becomes active if none was. */
export function tabsAdded(state: TabsState, entries: readonly TabEntry[]): TabsState {
  if (entries.length === 0) return state;
  return { ...state, open: [...state.open, ...entries], active: state.active ?? entries[entries.length - 1]?.slug ?? null };
}

/** Shows an open tab; a slug with no tab changes nothing. */
export function tabFocused(state: TabsState, slug: string): TabsState {
  return hasTab(state, slug) ? { ...state, active: slug } : state;
}

/** The tab goes, and is remembered as closed; the one in its place (or the last) becomes active. */
export function tabClosed(state: TabsState, slug: string): TabsState {
  const index = state.open.findIndex((tab) => tab.slug === slug);
  const open = state.open.filter((tab) => tab.slug !== slug);
  return {
    open,
    active: state.active === slug ? (open[Math.min(index, open.length - 1)]?.slug ?? null) : state.active,
    search: state.search === slug ? null : state.search,
    closed: new Set(state.closed).add(slug),
  };
}

/** A bottle the user asked to see (from the tray): its session may get a tab again. */
export function tabReopenable(state: TabsState, slug: string): TabsState {
  return state.closed.has(slug) ? { ...state, closed: without(state.closed, slug) } : state;
}

/** Next (1) or previous (-1) tab, wrapping around. */
export function tabsCycled(state: TabsState, step: number): TabsState {
  if (state.open.length === 0) return state;
  const index = state.open.findIndex((tab) => tab.slug === state.active);
  const next = state.open[(index + step + state.open.length) % state.open.length];
  return next ? { ...state, active: next.slug } : state;
}

export function searchOpened(state: TabsState, slug: string): TabsState {
  return { ...state, search: slug };
}

export function searchClosed(state: TabsState): TabsState {
  return { ...state, search: null };
}

/** Terminal font sizes the zoom menu moves between. */
export const ZOOM = { min: 8, max: 32, default: 13 } as const;

export function zoomed(fontSize: number, direction: 'in' | 'out' | 'reset'): number {
  if (direction === 'reset') return ZOOM.default;
  return Math.min(ZOOM.max, Math.max(ZOOM.min, fontSize + (direction === 'in' ? 1 : -1)));
}

function without(set: ReadonlySet<string>, slug: string): ReadonlySet<string> {
  if (!set.has(slug)) return set;
  const next = new Set(set);
  next.delete(slug);
  return next;
}
