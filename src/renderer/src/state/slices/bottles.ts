import type { BottleList, BottleStatus, SessionView } from '#contract';
import { isLive } from '../../format';
import { type TabsState, tabsAdded } from './tabs';

// The bottles the core lists (sessions, detached, preserved, corrupt), each one's last status, and
// the ones with an action in flight.

export interface BottlesState {
  list: BottleList;
  sessionsBySlug: ReadonlyMap<string, SessionView>;
  statuses: Readonly<Record<string, BottleStatus>>;
  /** Slugs with an action in flight (their buttons are disabled). */
  busy: ReadonlySet<string>;
  /** Slugs some `bottles.list` answer has listed as a session of the core. */
  seenSessions: ReadonlySet<string>;
}

export const initialBottles: BottlesState = {
  list: { sessions: [], detached: [], preserved: [], corrupt: [] },
  sessionsBySlug: new Map(),
  statuses: {},
  busy: new Set(),
  seenSessions: new Set(),
};

/** What a tab shows once the process that ran its session is gone (see statusLabel in format.ts). */
export const DISCONNECTED = 'disconnected';

export function disconnectedStatus(slug: string, agent: string): BottleStatus {
  return {
    slug,
    agent,
    status: 'failed',
    message: DISCONNECTED,
    error: { kind: 'not-found', message: 'The app that ran this session stopped.', hint: 'If its container still runs, Running offers to re-attach it.' },
  };
}

export function statusReceived(state: BottlesState, status: BottleStatus): BottlesState {
  return { ...state, statuses: { ...state.statuses, [status.slug]: status } };
}

/** A bottle's terminal exists once its session runs: a tab opened while it was building or starting joins it then. */
export function startedRunning(before: BottleStatus | undefined, now: BottleStatus): boolean {
  return now.status === 'running' && before?.status !== 'running';
}

export function busySet(state: BottlesState, slug: string, on: boolean): BottlesState {
  const busy = new Set(state.busy);
  if (on) busy.add(slug);
  else busy.delete(slug);
  return { ...state, busy };
}

/**
 * A `bottles.list` answer. Each session's status is taken from it; a live tab whose session it no
 * longer lists lost it (the server or app it belonged to went away: its container may still run,
 * and Running offers it for Re-attach); sessions with no tab and not closed by the user get one
 * (after a reload, or started from the tray). `joined` are the new tabs, whose terminals to attach.
 */
export function listReceived(bottles: BottlesState, tabs: TabsState, list: BottleList): { bottles: BottlesState; tabs: TabsState; joined: string[] } {
  const statuses = { ...bottles.statuses };
  const listed = new Set<string>();
  const seenSessions = new Set(bottles.seenSessions);
  for (const session of list.sessions) {
    const { projectRoot: _root, image: _image, network: _network, startedAt: _started, ...status } = session;
    statuses[session.slug] = status;
    listed.add(session.slug);
    seenSessions.add(session.slug);
  }
  for (const tab of tabs.open) {
    if (!listed.has(tab.slug) && seenSessions.has(tab.slug) && isLive(statuses[tab.slug])) {
      statuses[tab.slug] = disconnectedStatus(tab.slug, tab.agent);
    }
  }
  const known = new Set(tabs.open.map((tab) => tab.slug));
  const missing = list.sessions.filter((session) => !known.has(session.slug) && !tabs.closed.has(session.slug));
  return {
    bottles: { ...bottles, list, sessionsBySlug: new Map(list.sessions.map((session) => [session.slug, session])), statuses, seenSessions },
    tabs: tabsAdded(tabs, missing.map((session) => ({ slug: session.slug, agent: session.agent }))),
    joined: missing.map((session) => session.slug),
  };
}

/** `reviewer-20250101T120000-ab12` → `reviewer`. */
export function agentOfSlug(slug: string): string {
  return slug.replace(/-\d{8}T\d{6}-[0-9a-f]{4}$/, '');
}
