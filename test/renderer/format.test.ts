import { describe, expect, it } from 'vitest';
import { parseAllowEntry } from '../../src/core/network/allowList';
import { allowEntryFor } from '../../src/renderer/src/format';

describe("the egress strip's Allow", () => {
  it('writes an entry the allow-list reads back as the same host and port', () => {
    expect(allowEntryFor('example.com', 443)).toBe('example.com');
    expect(allowEntryFor('example.com', 8443)).toBe('example.com:8443');
    expect(parseAllowEntry(allowEntryFor('2001:db8::1', 8443))).toMatchObject({ kind: 'address', address: '2001:db8::1', port: 8443 });
    expect(parseAllowEntry(allowEntryFor('2001:db8::1', 443))).toMatchObject({ kind: 'address', address: '2001:db8::1' });
    expect(parseAllowEntry(allowEntryFor('203.0.113.7', 5432))).toMatchObject({ kind: 'address', address: '203.0.113.7', port: 5432 });
  });
});
