import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

// The hosts a bottle may reach through its egress proxy, as the manifest lists them
// (`"network": { "allow": [...] }`). One parser for the manifest check, the preflight and the
// proxy, so that what the user confirms is exactly what the proxy enforces. See docs/network.md.
//
//   example.com          that name only, on ports 80 and 443
//   *.example.com        any subdomain of example.com (not example.com itself, not evilexample.com)
//   example.com:8443     that name on port 8443 only
//   203.0.113.7          that address only (an address is never reached by a name's rule)
//   203.0.113.0/24       any address in that range, even a private one
//   [2001:db8::1]:443    IPv6, with a port

export type AllowRule =
  | { kind: 'name'; name: string; port?: number; text: string }
  | { kind: 'wildcard'; suffix: string; port?: number; text: string }
  | { kind: 'address'; address: string; family: 4 | 6; port?: number; text: string }
  | { kind: 'cidr'; network: string; prefix: number; family: 4 | 6; port?: number; text: string };

/** Ports a rule without `:port` allows: plain HTTP and HTTPS. */
export const DEFAULT_PORTS: readonly number[] = [80, 443];

/** A DNS name has at most 253 characters; a label at most 63. */
const MAX_NAME_CHARS = 253;
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

export class AllowListError extends Error {
  constructor(
    readonly entry: string,
    message: string,
  ) {
    super(message);
    this.name = 'AllowListError';
  }
}

/** Parses one entry of an allow-list; throws AllowListError saying what is wrong with it. */
export function parseAllowEntry(entry: string): AllowRule {
  const text = entry.trim();
  const fail = (why: string): never => {
    throw new AllowListError(entry, `"${entry}" ${why}`);
  };
  if (text === '') fail('is empty');
  if (/[\s/\\?#@]/.test(text.replace(/\/\d{1,3}(:\d+)?$/, ''))) fail('is not a host name, an address or a range (no scheme, path or spaces)');
  const { host, port } = splitPort(text, fail);

  const cidr = /^(.+)\/(\d{1,3})$/.exec(host);
  if (cidr) {
    const [, base = '', bits = ''] = cidr;
    const family = isIP(base);
    if (family === 0) fail('has a range whose base is not an IP address');
    const prefix = Number(bits);
    if (prefix > (family === 4 ? 32 : 128)) fail(`has a prefix longer than ${family === 4 ? 32 : 128} bits`);
    const network = canonicalAddress(base);
    // An IPv4-mapped range (::ffff:10.0.0.0/104) is the IPv4 range it maps.
    if (family === 6 && isIP(network) === 4) {
      if (prefix < 96) fail('has an IPv4-mapped base with a prefix shorter than 96 bits');
      return { kind: 'cidr', network, prefix: prefix - 96, family: 4, ...(port ? { port } : {}), text };
    }
    return { kind: 'cidr', network, prefix, family: family as 4 | 6, ...(port ? { port } : {}), text };
  }
  const family = isIP(host);
  if (family !== 0) return { kind: 'address', address: canonicalAddress(host), family: family as 4 | 6, ...(port ? { port } : {}), text };

  if (host.startsWith('*.')) {
    const suffix = normalizeHostName(host.slice(2));
    if (suffix === undefined || !suffix.includes('.')) fail('needs a domain of at least two labels after "*." (like *.example.com)');
    return { kind: 'wildcard', suffix: suffix as string, ...(port ? { port } : {}), text };
  }
  if (host.includes('*')) fail('may use "*" only as its whole first label (like *.example.com)');
  const name = normalizeHostName(host);
  if (name === undefined) {
    // 127.1, 0x7f.0.0.1 or 2130706433 are addresses to a URL parser: an address is listed as one.
    const spelled = addressSpelledAsName(host);
    fail(spelled ? `is the address ${spelled} written another way: list it as ${spelled}` : 'is not a valid host name');
  }
  return { kind: 'name', name: name as string, ...(port ? { port } : {}), text };
}

export function parseAllowList(entries: readonly string[]): AllowRule[] {
  return entries.map(parseAllowEntry);
}

/**
 * Lower case, no trailing dot, international names in their ASCII (punycode) form; undefined for
 * anything that is not a DNS name. Matching compares only names normalised this way.
 */
export function normalizeHostName(name: string): string | undefined {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '' || isIP(trimmed) !== 0) return undefined;
  const ascii = domainToASCII(trimmed.toLowerCase());
  // The WHATWG host parser turns numeric forms (127.1, 0x7f.1, 2130706433) into an address: not a name.
  if (ascii === '' || ascii.length > MAX_NAME_CHARS || isIP(ascii) !== 0) return undefined;
  return ascii.split('.').every((label) => LABEL.test(label)) ? ascii : undefined;
}

/** The address a numeric spelling (127.1, 0x7f.0.0.1, 2130706433) stands for, else undefined. */
function addressSpelledAsName(host: string): string | undefined {
  const ascii = domainToASCII(host.toLowerCase());
  return isIP(ascii) !== 0 ? ascii : undefined;
}

/** Whether `rule` names this host (a normalised name) and port, before any address is known. */
export function ruleMatchesName(rule: AllowRule, name: string, port: number): boolean {
  if (!portAllowed(rule, port)) return false;
  if (rule.kind === 'name') return rule.name === name;
  if (rule.kind === 'wildcard') return name.endsWith(`.${rule.suffix}`);
  return false;
}

export function portAllowed(rule: AllowRule, port: number): boolean {
  return rule.port === undefined ? DEFAULT_PORTS.includes(port) : rule.port === port;
}

/** `::ffff:10.0.0.1` is 10.0.0.1: an IPv4 address in IPv6 clothing is judged as IPv4. */
export function canonicalAddress(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return mapped[1];
  return bare.toLowerCase();
}

function splitPort(text: string, fail: (why: string) => never): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return withPort(bracketed[1] ?? '', bracketed[2], fail);
  // A bare IPv6 address (or range) has several colons and no port.
  if ((text.match(/:/g) ?? []).length > 1) return { host: text };
  const colon = text.lastIndexOf(':');
  if (colon === -1) return { host: text };
  return withPort(text.slice(0, colon), text.slice(colon + 1), fail);
}

function withPort(host: string, port: string | undefined, fail: (why: string) => never): { host: string; port?: number } {
  if (port === undefined) return { host };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) fail('has a port that is not a number from 1 to 65535');
  return { host, port: Number(port) };
}
