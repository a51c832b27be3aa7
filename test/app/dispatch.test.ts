import { describe, expect, it } from 'vitest';
import type { CommandTarget } from '../../src/app/bottleService';
import { createDispatcher } from '../../src/app/dispatch';
import { BottleError, ManifestError } from '../../src/core/errors';

const SLUG = 'tester-20260101T000000-abcd';

function fakeService(handle: (command: string, args: unknown) => unknown): CommandTarget & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  return {
    calls,
    handle: (async (command: string, args: unknown) => {
      calls.push([command, args]);
      return handle(command, args);
    }) as CommandTarget['handle'],
  };
}

describe('the dispatcher', () => {
  it('never throws: junk in, a usage error out, and the service is not called', async () => {
    const service = fakeService(() => ({}));
    const dispatch = createDispatcher(service);
    const hostile = [
      undefined,
      null,
      42,
      'bottles.list',
      [],
      ['bottles.list', {}],
      {},
      { command: 'bottles.nope' },
      { command: 'bottles.stop', args: 'slug' },
      { command: 'bottles.stop', args: { slug: SLUG } },
      { command: 'bottles.stop', args: { slug: SLUG, keep: 'yes' } },
      { command: 'terminal.input', args: { slug: SLUG, data: 'x'.repeat(1_000_000) } },
      Object.create(null),
      {
        get command(): string {
          throw new Error('boom');
        },
      },
    ];
    for (const message of hostile) {
      const result = await dispatch(message);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(['usage', 'internal']).toContain(result.error.kind);
        expect(result.error.message.length).toBeGreaterThan(0);
      }
    }
    expect(service.calls).toEqual([]);
  });

  it('says what and where for a bad argument', async () => {
    const dispatch = createDispatcher(fakeService(() => ({})));
    const result = await dispatch({ command: 'bottles.stop', args: { slug: SLUG, keep: 'yes' } });
    expect(result).toEqual({ ok: false, error: { kind: 'usage', message: expect.stringMatching(/^bottles\.stop: args\.keep: .*boolean/) } });
  });

  it('passes validated arguments and returns the data in the envelope', async () => {
    const service = fakeService(() => ({ slug: SLUG, preserved: true }));
    const result = await createDispatcher(service)({ command: 'bottles.stop', args: { slug: SLUG, keep: true } });
    expect(result).toEqual({ ok: true, data: { slug: SLUG, preserved: true } });
    expect(service.calls).toEqual([['bottles.stop', { slug: SLUG, keep: true }]]);
  });

  it("turns the core's errors into values, manifest issues included", async () => {
    const issue = { file: '/p/claude-bottle.json', line: 3, column: 5, keyPath: 'agents.x.image', message: 'expected a string' };
    const dispatch = createDispatcher(
      fakeService((command) => {
        if (command === 'projects.open') throw new ManifestError([issue]);
        if (command === 'bottles.discard') throw new BottleError('not-found', 'no bottle', 'list them');
        throw new TypeError('something broke');
      }),
    );
    expect(await dispatch({ command: 'projects.open', args: { dir: '/p' } })).toEqual({
      ok: false,
      error: { kind: 'manifest', message: expect.stringContaining('/p/claude-bottle.json:3:5'), issues: [issue] },
    });
    expect(await dispatch({ command: 'bottles.discard', args: { slug: SLUG } })).toEqual({ ok: false, error: { kind: 'not-found', message: 'no bottle', hint: 'list them' } });
    expect(await dispatch({ command: 'bottles.list', args: {} })).toEqual({ ok: false, error: { kind: 'internal', message: 'something broke' } });
  });

  it('a result outside the contract does not reach the window', async () => {
    const dispatch = createDispatcher(fakeService(() => ({ slug: SLUG, preserved: 'maybe', secret: 'x' })));
    const result = await dispatch({ command: 'bottles.stop', args: { slug: SLUG, keep: false } });
    expect(result).toMatchObject({ ok: false, error: { kind: 'internal' } });
    const extra = await createDispatcher(fakeService(() => ({ slug: SLUG, preserved: false, secret: 'x' })))({ command: 'bottles.stop', args: { slug: SLUG, keep: false } });
    expect(extra).toEqual({ ok: true, data: { slug: SLUG, preserved: false } });
  });
});
