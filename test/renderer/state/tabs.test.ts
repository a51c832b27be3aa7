import { describe, expect, it } from 'vitest';
import {
  initialTabs,
  searchOpened,
  tabClosed,
  tabFocused,
  tabOpened,
  tabReopenable,
  tabsAdded,
  tabsCycled,
  ZOOM,
  zoomed,
} from '../../../src/renderer/src/state/slices/tabs';

const three = tabOpened(tabOpened(tabOpened(initialTabs(), 'a-1', 'a'), 'b-1', 'b'), 'c-1', 'c');

describe('the tabs slice', () => {
  it('opens a tab once, makes it active, and forgets that it was closed', () => {
    const closedBefore = initialTabs(new Set(['a-1']));
    const state = tabOpened(closedBefore, 'a-1', 'a');
    expect(state.open).toEqual([{ slug: 'a-1', agent: 'a' }]);
    expect(state.active).toBe('a-1');
    expect(state.closed.has('a-1')).toBe(false);
    expect(closedBefore.closed.has('a-1')).toBe(true);
    const again = tabOpened(tabOpened(state, 'b-1', 'b'), 'a-1', 'a');
    expect(again.open.map((tab) => tab.slug)).toEqual(['a-1', 'b-1']);
    expect(again.active).toBe('a-1');
  });

  it('closing the active tab activates the one in its place, or the last; the slug is remembered as closed', () => {
    const middle = tabClosed(tabFocused(three, 'b-1'), 'b-1');
    expect(middle.open.map((tab) => tab.slug)).toEqual(['a-1', 'c-1']);
    expect(middle.active).toBe('c-1');
    expect(middle.closed.has('b-1')).toBe(true);
    const last = tabClosed(three, 'c-1');
    expect(last.active).toBe('b-1');
    const other = tabClosed(three, 'a-1');
    expect(other.active).toBe('c-1');
    let all = three;
    for (const slug of ['a-1', 'b-1', 'c-1']) all = tabClosed(all, slug);
    expect(all.active).toBeNull();
    expect(three.open).toHaveLength(3);
  });

  it('closing the tab whose search is open closes the search', () => {
    const searching = searchOpened(three, 'b-1');
    expect(tabClosed(searching, 'b-1').search).toBeNull();
    expect(tabClosed(searching, 'a-1').search).toBe('b-1');
  });

  it('focuses only a tab that exists', () => {
    expect(tabFocused(three, 'a-1').active).toBe('a-1');
    expect(tabFocused(three, 'zz-1')).toBe(three);
  });

  it('cycles forwards and backwards, wrapping around', () => {
    expect(tabsCycled(three, 1).active).toBe('a-1');
    expect(tabsCycled(three, -1).active).toBe('b-1');
    expect(tabsCycled(tabFocused(three, 'a-1'), -1).active).toBe('c-1');
    expect(tabsCycled(initialTabs(), 1)).toEqual(initialTabs());
  });

  it('adds tabs for new sessions, activating the last only when none was active', () => {
    const added = tabsAdded(initialTabs(), [
      { slug: 'x-1', agent: 'x' },
      { slug: 'y-1', agent: 'y' },
    ]);
    expect(added.active).toBe('y-1');
    expect(tabsAdded(three, [{ slug: 'x-1', agent: 'x' }]).active).toBe('c-1');
    expect(tabsAdded(three, [])).toBe(three);
  });

  it('lets a closed bottle get its tab again when asked for it', () => {
    const closed = tabClosed(three, 'a-1');
    expect(tabReopenable(closed, 'a-1').closed.has('a-1')).toBe(false);
    expect(tabReopenable(three, 'a-1')).toBe(three);
  });

  it('zooms between the limits', () => {
    expect(zoomed(ZOOM.default, 'in')).toBe(ZOOM.default + 1);
    expect(zoomed(ZOOM.max, 'in')).toBe(ZOOM.max);
    expect(zoomed(ZOOM.min, 'out')).toBe(ZOOM.min);
    expect(zoomed(20, 'reset')).toBe(ZOOM.default);
  });
});
