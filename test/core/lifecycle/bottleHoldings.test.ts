import { describe, expect, it } from 'vitest';
import { BottleHoldings, RELEASE_ORDER } from '../../../src/core/lifecycle/bottleHoldings';
import { DisposableStore, toDisposable } from '../../../src/core/lifecycle/disposable';

describe('a bottle gives back what it holds', () => {
  it('in the one release order, whatever order it took them in', async () => {
    const holdings = new BottleHoldings('agent-1');
    const released: string[] = [];
    for (const holding of [...RELEASE_ORDER].reverse()) holdings.hold(holding, async () => void released.push(holding));
    expect(await holdings.release()).toEqual([]);
    expect(released).toEqual([...RELEASE_ORDER]);
  });

  it.each(RELEASE_ORDER)('releases every other holding when releasing its %s fails, and names the failure', async (failing) => {
    const holdings = new BottleHoldings('agent-1');
    const released: string[] = [];
    for (const holding of RELEASE_ORDER) {
      holdings.hold(holding, async () => {
        if (holding === failing) throw new Error(`${holding} would not go`);
        released.push(holding);
      });
    }
    const failures = await holdings.release();
    expect(failures.map((failure) => [failure.holding, failure.error.message])).toEqual([[failing, `${failing} would not go`]]);
    expect(released).toEqual(RELEASE_ORDER.filter((holding) => holding !== failing));
  });

  it('releases each holding once, however often release is called, and never one it was told to keep', async () => {
    const holdings = new BottleHoldings('agent-1');
    const released: string[] = [];
    holdings.hold('container', () => void released.push('container'));
    holdings.hold('egress', () => void released.push('egress'));
    holdings.hold('attachment', () => {
      throw new Error('synchronous failure');
    });
    holdings.keep('container');
    const [first, second] = await Promise.all([holdings.release(), holdings.release()]);
    expect(first).toBe(second);
    expect(first.map((failure) => failure.holding)).toEqual(['attachment']);
    expect(released).toEqual(['egress']);
  });

  it('gives back at once what is taken after the release, and refuses to hold the same thing twice', async () => {
    const holdings = new BottleHoldings('agent-1');
    holdings.hold('channel', () => undefined);
    expect(() => holdings.hold('channel', () => undefined)).toThrow(/already holds its channel/);
    await holdings.release();
    let late = false;
    holdings.hold('container', () => {
      late = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(late).toBe(true);
    expect(holdings.holds('container')).toBe(false);
  });
});

describe('DisposableStore', () => {
  it('disposes newest first, every one even when some throw, and throws what failed afterwards', () => {
    const store = new DisposableStore();
    const order: number[] = [];
    store.add(toDisposable(() => order.push(1)));
    store.add(toDisposable(() => {
      throw new Error('two');
    }));
    store.add(toDisposable(() => order.push(3)));
    store.add(toDisposable(() => {
      throw new Error('four');
    }));
    expect(() => store.dispose()).toThrow(AggregateError);
    expect(order).toEqual([3, 1]);
    expect(() => store.dispose()).not.toThrow();
  });

  it('disposes a newcomer at once once disposed, so a late subscription is never leaked', () => {
    const store = new DisposableStore();
    store.dispose();
    let disposed = 0;
    store.add(toDisposable(() => (disposed += 1)));
    expect(disposed).toBe(1);
  });

  it('runs a toDisposable release once', () => {
    let count = 0;
    const disposable = toDisposable(() => (count += 1));
    disposable.dispose();
    disposable.dispose();
    expect(count).toBe(1);
  });
});
