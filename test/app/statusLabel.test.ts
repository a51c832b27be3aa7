import { describe, expect, it } from 'vitest';
import { statusLabel } from '../../src/renderer/src/format';

describe('the tab status label', () => {
  it('says out of memory, with the limit, instead of "exit 137"', () => {
    const status = { slug: 'a-1', agent: 'tester', status: 'preserved' as const, exitCode: 137, message: 'preserved: out of memory (limit 4 GiB)' };
    expect(statusLabel(status)).toBe('preserved: out of memory (limit 4 GiB)');
    expect(statusLabel({ ...status, message: 'preserved: Claude exited with code 137' })).toBe('preserved (exit 137)');
  });

  it("says what Claude is doing while it runs, and a request before anything else", () => {
    const running = { slug: 'a-1', agent: 'tester', status: 'running' as const };
    expect(statusLabel(running)).toBe('running');
    expect(statusLabel({ ...running, attention: { state: 'working' as const, since: 'not a time' } })).toBe('running · working');
    expect(statusLabel({ ...running, attention: { state: 'waiting' as const, since: '2026-12-04T06:09:00.000Z' } })).toMatch(/^running · waiting for you \d/);
    expect(statusLabel({ ...running, attention: { state: 'waiting' as const, since: '2026-12-04T06:09:00.000Z' }, pendingRequests: 2 })).toBe('running · asks for a capability');
  });
});
