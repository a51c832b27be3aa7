import { BlockList, isIP } from 'node:net';
import { type AllowRule, canonicalAddress, portAllowed } from './allowList';

// Which addresses the egress proxy may connect to. A listed name still must not lead into the
// host or its networks: the proxy resolves the name itself and refuses an answer in a range that
// belongs to the machine, unless the manifest listed an address or range that covers it (no DNS
// rebinding way in). Other special ranges stay allowed: some networks answer public names with
// them. See docs/network.md.

interface Range {
  network: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
  why: string;
}

/** Ranges that reach this machine, its neighbours or a cloud's metadata service. */
export const FORBIDDEN_RANGES: readonly Range[] = [
  { network: '0.0.0.0', prefix: 8, family: 'ipv4', why: 'an unspecified address' },
  { network: '127.0.0.0', prefix: 8, family: 'ipv4', why: 'a loopback address' },
  { network: '10.0.0.0', prefix: 8, family: 'ipv4', why: 'a private address' },
  { network: '172.16.0.0', prefix: 12, family: 'ipv4', why: 'a private address' },
  { network: '192.168.0.0', prefix: 16, family: 'ipv4', why: 'a private address' },
  { network: '169.254.0.0', prefix: 16, family: 'ipv4', why: 'a link-local address (cloud metadata)' },
  { network: '100.64.0.0', prefix: 10, family: 'ipv4', why: 'a carrier-grade NAT address' },
  { network: '224.0.0.0', prefix: 4, family: 'ipv4', why: 'a multicast address' },
  { network: '255.255.255.255', prefix: 32, family: 'ipv4', why: 'the broadcast address' },
  { network: '::', prefix: 128, family: 'ipv6', why: 'an unspecified address' },
  { network: '::1', prefix: 128, family: 'ipv6', why: 'a loopback address' },
  { network: 'fc00::', prefix: 7, family: 'ipv6', why: 'a private (unique local) address' },
  { network: 'fe80::', prefix: 10, family: 'ipv6', why: 'a link-local address' },
  { network: 'ff00::', prefix: 8, family: 'ipv6', why: 'a multicast address' },
];

/** IPv6 prefixes (/96) whose last 32 bits are an IPv4 address that a translator or stack may reach. */
const IPV4_CARRYING_PREFIXES = ['64:ff9b::', '::ffff:0:', '::'] as const;

export interface AddressVerdict {
  allowed: boolean;
  /** Why an address was refused, in words for the log and the user. */
  reason?: string;
}

/**
 * Judges resolved addresses. `ownAddresses` are the host's and the Docker networks' own addresses
 * and ranges (CIDR strings or single addresses), refused like the private ranges.
 */
export class AddressPolicy {
  private readonly forbidden: Array<{ list: BlockList; why: string }> = [];
  private readonly listed: Array<{ list: BlockList; rule: AllowRule }> = [];

  constructor(rules: readonly AllowRule[], ownAddresses: readonly string[] = []) {
    for (const range of FORBIDDEN_RANGES) this.forbid(range.network, range.prefix, range.family, range.why);
    for (const own of ownAddresses) {
      const [network = '', bits] = own.split('/');
      const family = isIP(canonicalAddress(network));
      if (family === 0) continue;
      const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
      this.forbid(canonicalAddress(network), prefix, family === 4 ? 'ipv4' : 'ipv6', 'an address of this machine or its Docker networks');
    }
    for (const rule of rules) {
      if (rule.kind === 'address') this.listed.push({ list: blockOf(rule.address, rule.family === 4 ? 32 : 128, familyName(rule.family)), rule });
      if (rule.kind === 'cidr') this.listed.push({ list: blockOf(rule.network, rule.prefix, familyName(rule.family)), rule });
    }
  }

  /**
   * A forbidden IPv4 range is also refused inside the IPv6 forms that carry an IPv4 address to it:
   * a name answered with `64:ff9b::10.0.0.1` (NAT64), `::ffff:0:10.0.0.1` (SIIT) or `::10.0.0.1`
   * (IPv4-compatible) must not lead to the address a plain A record could not.
   */
  private forbid(network: string, prefix: number, family: 'ipv4' | 'ipv6', why: string): void {
    this.forbidden.push({ list: blockOf(network, prefix, family), why });
    if (family !== 'ipv4') return;
    for (const carrier of IPV4_CARRYING_PREFIXES) this.forbidden.push({ list: blockOf(`${carrier}${network}`, 96 + prefix, 'ipv6'), why });
  }

  /** An address the user listed (alone or in a range) for this port: always allowed. */
  listedFor(address: string, port: number): boolean {
    const ip = canonicalAddress(address);
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    return this.listed.some(({ list, rule }) => portAllowed(rule, port) && list.check(ip, family));
  }

  /** May a connection reached through a listed *name* go to this address? */
  judgeResolved(address: string, port: number): AddressVerdict {
    const ip = canonicalAddress(address);
    const kind = isIP(ip);
    if (kind === 0) return { allowed: false, reason: `"${address}" is not an IP address` };
    if (this.listedFor(ip, port)) return { allowed: true };
    const family = kind === 6 ? 'ipv6' : 'ipv4';
    const hit = this.forbidden.find(({ list }) => list.check(ip, family));
    return hit ? { allowed: false, reason: `it resolves to ${ip}, ${hit.why}` } : { allowed: true };
  }
}

function blockOf(network: string, prefix: number, family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return list;
}

function familyName(family: 4 | 6): 'ipv4' | 'ipv6' {
  return family === 4 ? 'ipv4' : 'ipv6';
}
