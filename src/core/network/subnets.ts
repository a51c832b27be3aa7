import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import type Docker from 'dockerode';

// Each bottle with an allow-list gets an internal network of its own. Left to Docker, every network
// takes a /16 or /20 from its default pools, which run out after about thirty networks (Docker's
// and the user's own together). So the app gives each bottle a /28 from a pool of its own — 4096 of
// them in the default /16 — avoiding every range Docker or the host already routes, and puts the
// egress proxy at a fixed address in it (.2), which also lets a restarted proxy come back where the
// bottle looks for it. See docs/network.md.

export const SUBNET_POOL = {
  /** The pool bottles' networks are carved from; `CLAUDE_BOTTLE_NETWORK_POOL` names another. */
  default: '10.231.0.0/16',
  env: 'CLAUDE_BOTTLE_NETWORK_POOL',
  /** 16 addresses: network, gateway, the proxy, the bottle, and room to spare. */
  prefix: 28,
  /** Two launches may pick the same free range at once: the loser tries another. */
  attempts: 8,
} as const;

export interface BottleSubnet {
  subnet: string;
  gateway: string;
  /** Where the egress proxy sits in it. */
  proxyAddress: string;
}

/** Creates `name` as an internal network on a free /28 of the pool. */
export async function createInternalNetwork(docker: Docker, name: string, labels: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<BottleSubnet> {
  const pool = parseCidr(env[SUBNET_POOL.env] || SUBNET_POOL.default);
  if (!pool || pool.prefix > SUBNET_POOL.prefix) throw new Error(`${SUBNET_POOL.env} must be an IPv4 range of at least /${SUBNET_POOL.prefix}, like ${SUBNET_POOL.default}`);
  let lastError: unknown;
  for (let attempt = 0; attempt < SUBNET_POOL.attempts; attempt += 1) {
    const taken = [...(await dockerRanges(docker)), ...hostRoutes()];
    const choice = pickFree(pool, taken);
    if (choice === undefined) throw new Error(`no free /${SUBNET_POOL.prefix} left in ${formatCidr(pool)} (${SUBNET_POOL.env}): remove unused networks (claude-bottle ps) or name a larger pool`);
    // The bottle's address comes from the upper half only: the proxy's fixed address stays free
    // even when the bottle's container is created before the sidecar has started.
    const chosen = {
      subnet: formatCidr({ base: choice, prefix: SUBNET_POOL.prefix }),
      gateway: toDotted(choice + 1),
      proxyAddress: toDotted(choice + 2),
      dynamicRange: formatCidr({ base: choice + 2 ** (32 - SUBNET_POOL.prefix) / 2, prefix: SUBNET_POOL.prefix + 1 }),
    };
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Internal: true,
        CheckDuplicate: true,
        Labels: labels,
        // The host takes no address on the bridge: an internal network still gives its containers a
        // default route to the host, whose own services (on any of its addresses) would answer.
        // Without the address there is nothing to route to; the proxy is reached on the link itself.
        Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
        IPAM: { Config: [{ Subnet: chosen.subnet, Gateway: chosen.gateway, IPRange: chosen.dynamicRange }] } });
      return chosen;
    } catch (error) {
      lastError = error;
      if (!/overlap/i.test(String((error as Error).message))) throw error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error('could not create the network');
}

interface Cidr {
  base: number;
  prefix: number;
}

/** A random free /28 of the pool, as a number; undefined when all are taken. */
function pickFree(pool: Cidr, taken: Cidr[]): number | undefined {
  const size = 2 ** (32 - SUBNET_POOL.prefix);
  const count = 2 ** (SUBNET_POOL.prefix - pool.prefix);
  const start = randomInt(count);
  for (let offset = 0; offset < count; offset += 1) {
    const candidate = pool.base + ((start + offset) % count) * size;
    if (!taken.some((range) => overlaps({ base: candidate, prefix: SUBNET_POOL.prefix }, range))) return candidate;
  }
  return undefined;
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((a.base & mask) >>> 0) === ((b.base & mask) >>> 0);
}

async function dockerRanges(docker: Docker): Promise<Cidr[]> {
  const ranges: Cidr[] = [];
  for (const network of await docker.listNetworks()) {
    for (const config of network.IPAM?.Config ?? []) {
      const parsed = config.Subnet ? parseCidr(config.Subnet) : undefined;
      if (parsed) ranges.push(parsed);
    }
  }
  return ranges;
}

/** The host's IPv4 routes (Linux), so a bottle's range never shadows the LAN or a VPN. */
function hostRoutes(): Cidr[] {
  let text: string;
  try {
    const stats = fs.statSync('/proc/net/route');
    if (!stats.isFile()) return [];
    text = fs.readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  const ranges: Cidr[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (!destination || !mask) continue;
    const base = littleEndianHex(destination);
    const maskValue = littleEndianHex(mask);
    if (base === undefined || maskValue === undefined || maskValue === 0) continue; // the default route covers everything: not a conflict
    ranges.push({ base, prefix: popcount(maskValue) });
  }
  return ranges;
}

function littleEndianHex(hex: string): number | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const value = Number.parseInt(hex, 16);
  return (((value & 0xff) << 24) | (((value >>> 8) & 0xff) << 16) | (((value >>> 16) & 0xff) << 8) | ((value >>> 24) & 0xff)) >>> 0;
}

function popcount(value: number): number {
  let count = 0;
  for (let bits = value >>> 0; bits !== 0; bits >>>= 1) count += bits & 1;
  return count;
}

export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  const base = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (base & mask) >>> 0, prefix };
}

function formatCidr(cidr: Cidr): string {
  return `${toDotted(cidr.base)}/${cidr.prefix}`;
}

export function toDotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}
