import { describe, expect, it } from 'vitest';
import { statusLabel } from '../../src/renderer/src/format';

describe('the tab status label', () => {
  it('says out of memory, with the limit, instead of "exit 137"', () => {
    const status = { slug: 'a-1', agent: 'tester', status: 'preserved' as const, exitCode: 137, message: 'preserved: out of memory (limit 4 GiB)' };
    expect(statusLabel(status)).toBe('preserved: out of memory (limit 4 GiB)');
    expect(statusLabel({ ...status, message: 'preserved: Claude exited with code 137' })).toBe('preserved (exit 137)');
  });
});
