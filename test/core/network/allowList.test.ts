import { describe, expect, it } from 'vitest';
import { AllowListError, normalizeHostName, parseAllowEntry, ruleMatchesName } from '../../../src/core/network/allowList';
import { AddressPolicy } from '../../../src/core/network/addressPolicy';

describe('allow-list entries', () => {
  it('parse names, wildcards, ports, addresses and ranges', () => {
    expect(parseAllowEntry('GitHub.com')).toMatchObject({ kind: 'name', name: 'github.com' });
    expect(parseAllowEntry('*.npmjs.org')).toMatchObject({ kind: 'wildcard', suffix: 'npmjs.org' });
    expect(parseAllowEntry('example.com:8443')).toMatchObject({ kind: 'name', name: 'example.com', port: 8443 });
    expect(parseAllowEntry('203.0.113.7')).toMatchObject({ kind: 'address', address: '203.0.113.7', family: 4 });
    expect(parseAllowEntry('10.0.0.0/8:5432')).toMatchObject({ kind: 'cidr', network: '10.0.0.0', prefix: 8, port: 5432 });
    expect(parseAllowEntry('[2001:db8::1]:443')).toMatchObject({ kind: 'address', address: '2001:db8::1', family: 6, port: 443 });
    expect(parseAllowEntry('fd00::/8')).toMatchObject({ kind: 'cidr', network: 'fd00::', prefix: 8, family: 6 });
    expect(parseAllowEntry('bücher.example')).toMatchObject({ kind: 'name', name: 'xn--bcher-kva.example' });
  });

  it('refuse what is not a host, with the entry named', () => {
    for (const bad of ['', 'https://github.com', 'github.com/path', 'a b', '*', '*.com', 'git*hub.com', 'example.com:0', 'example.com:99999', '10.0.0.0/33', 'user@host', '-bad-.com']) {
      expect(() => parseAllowEntry(bad), bad).toThrow(AllowListError);
    }
  });

  it('refuse an address spelled as a name, and say how to list it', () => {
    for (const spelled of ['127.1', '0x7f.1', '2130706433', '0177.0.0.1']) {
      expect(() => parseAllowEntry(spelled), spelled).toThrow('is the address 127.0.0.1 written another way: list it as 127.0.0.1');
    }
    expect(parseAllowEntry('1e100.net')).toMatchObject({ kind: 'name', name: '1e100.net' });
  });

  it('read an IPv4-mapped range as the IPv4 range it maps', () => {
    expect(parseAllowEntry('::ffff:10.0.0.0/104')).toMatchObject({ kind: 'cidr', network: '10.0.0.0', prefix: 8, family: 4 });
    expect(() => parseAllowEntry('::ffff:10.0.0.0/64')).toThrow('prefix shorter than 96 bits');
    const policy = new AddressPolicy([parseAllowEntry('::ffff:10.0.0.0/104')]);
    expect(policy.judgeResolved('10.1.2.3', 443).allowed).toBe(true);
  });

  it('normalise a name: lower case, no trailing dot, ASCII form', () => {
    expect(normalizeHostName('API.Example.COM.')).toBe('api.example.com');
    expect(normalizeHostName('10.0.0.1')).toBeUndefined();
    expect(normalizeHostName('127.1')).toBeUndefined();
    expect(normalizeHostName('exa mple.com')).toBeUndefined();
  });

  it('match a wildcard to subdomains only', () => {
    const rule = parseAllowEntry('*.example.com');
    expect(ruleMatchesName(rule, 'a.example.com', 443)).toBe(true);
    expect(ruleMatchesName(rule, 'a.b.example.com', 80)).toBe(true);
    expect(ruleMatchesName(rule, 'example.com', 443)).toBe(false);
    expect(ruleMatchesName(rule, 'evilexample.com', 443)).toBe(false);
    expect(ruleMatchesName(rule, 'example.com.evil.net', 443)).toBe(false);
    expect(ruleMatchesName(rule, 'a.example.com', 22)).toBe(false);
  });
});

describe('the address policy', () => {
  const policy = new AddressPolicy([parseAllowEntry('192.168.5.0/24')], ['172.17.0.0/16', '198.51.100.9']);

  it('refuses the machine, its neighbours and metadata, and allows the rest', () => {
    expect(policy.judgeResolved('8.8.8.8', 443).allowed).toBe(true);
    expect(policy.judgeResolved('198.18.0.10', 443).allowed).toBe(true); // special, but some networks use it
    for (const address of ['127.0.0.1', '10.9.9.9', '172.20.0.1', '169.254.169.254', '0.0.0.0', '::1', 'fd12::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:7f00:1']) {
      expect(policy.judgeResolved(address, 443).allowed, address).toBe(false);
    }
  });

  it('refuses those addresses inside the IPv6 forms that carry an IPv4 address (NAT64, SIIT, IPv4-compatible)', () => {
    for (const address of ['64:ff9b::a00:1', '64:ff9b::169.254.169.254', '::ffff:0:7f00:1', '::127.0.0.1', '64:ff9b::198.51.100.9']) {
      expect(policy.judgeResolved(address, 443).allowed, address).toBe(false);
    }
    // A public address behind DNS64 and NAT64 stays reachable: some networks answer every name so.
    expect(policy.judgeResolved('64:ff9b::808:808', 443).allowed).toBe(true);
  });

  it("refuses the host's and Docker networks' own addresses", () => {
    expect(policy.judgeResolved('198.51.100.9', 443).reason).toContain('this machine');
    expect(policy.judgeResolved('198.51.100.10', 443).allowed).toBe(true);
  });

  it('allows a private address that a listed range covers', () => {
    expect(policy.judgeResolved('192.168.5.20', 443).allowed).toBe(true);
    expect(policy.judgeResolved('192.168.6.20', 443).allowed).toBe(false);
  });
});
