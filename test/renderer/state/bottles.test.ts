import { describe, expect, it } from 'vitest';
import { agentOfSlug, busySet, DISCONNECTED, initialBottles, listReceived, startedRunning, statusReceived } from '../../../src/renderer/src/state/slices/bottles';
import { initialTabs, tabClosed, tabOpened } from '../../../src/renderer/src/state/slices/tabs';
import { bottleList, session } from './fixtures';

describe('the bottles slice', () => {
  it('takes each listed session’s status, without its status-bar details', () => {
    const { bottles } = listReceived(initialBottles, initialTabs(), bottleList([session('a-1'), session('b-1', 'building')]));
    expect(bottles.statuses['a-1']).toEqual({ slug: 'a-1', agent: 'a', status: 'running', behindProxy: false });
    expect(bottles.statuses['b-1']?.status).toBe('building');
    expect(bottles.sessionsBySlug.get('a-1')?.projectRoot).toBe('/work/p');
    expect(bottles.seenSessions).toEqual(new Set(['a-1', 'b-1']));
    expect(initialBottles.seenSessions.size).toBe(0);
  });

  it('opens a tab for each session the window has none for, except those the user closed', () => {
    const tabs = tabClosed(tabOpened(initialTabs(), 'c-1', 'c'), 'c-1');
    const next = listReceived(initialBottles, tabs, bottleList([session('a-1'), session('b-1'), session('c-1')]));
    expect(next.tabs.open.map((tab) => tab.slug)).toEqual(['a-1', 'b-1']);
    expect(next.tabs.active).toBe('b-1');
    expect(next.joined).toEqual(['a-1', 'b-1']);
    const again = listReceived(next.bottles, next.tabs, bottleList([session('a-1'), session('b-1'), session('c-1')]));
    expect(again.joined).toEqual([]);
    expect(again.tabs.open).toHaveLength(2);
  });

  it('marks a live tab disconnected when the core stops listing its session, and leaves ended ones alone', () => {
    const first = listReceived(initialBottles, initialTabs(), bottleList([session('a-1'), session('b-1')]));
    const ended = statusReceived(first.bottles, { slug: 'b-1', agent: 'b', status: 'exited', exitCode: 0 });
    const gone = listReceived(ended, first.tabs, bottleList([]));
    expect(gone.bottles.statuses['a-1']).toMatchObject({ status: 'failed', message: DISCONNECTED });
    expect(gone.bottles.statuses['b-1']).toMatchObject({ status: 'exited' });
  });

  it('does not call a tab disconnected whose session was never listed (it is still launching)', () => {
    const tabs = tabOpened(initialTabs(), 'a-1', 'a');
    const starting = statusReceived(initialBottles, { slug: 'a-1', agent: 'a', status: 'starting' });
    expect(listReceived(starting, tabs, bottleList([])).bottles.statuses['a-1']?.status).toBe('starting');
  });

  it('says when a bottle starts running (its tab joins the terminal then)', () => {
    expect(startedRunning(undefined, { slug: 'a-1', agent: 'a', status: 'running' })).toBe(true);
    expect(startedRunning({ slug: 'a-1', agent: 'a', status: 'building' }, { slug: 'a-1', agent: 'a', status: 'running' })).toBe(true);
    expect(startedRunning({ slug: 'a-1', agent: 'a', status: 'running' }, { slug: 'a-1', agent: 'a', status: 'running' })).toBe(false);
    expect(startedRunning(undefined, { slug: 'a-1', agent: 'a', status: 'starting' })).toBe(false);
  });

  it('marks a bottle busy while an action runs, without touching the previous state', () => {
    const busy = busySet(initialBottles, 'a-1', true);
    expect(busy.busy.has('a-1')).toBe(true);
    expect(initialBottles.busy.has('a-1')).toBe(false);
    expect(busySet(busy, 'a-1', false).busy.size).toBe(0);
  });

  it('names the agent of a slug', () => {
    expect(agentOfSlug('reviewer-20250101T120000-ab12')).toBe('reviewer');
    expect(agentOfSlug('odd')).toBe('odd');
  });
});
