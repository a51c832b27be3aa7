import { Resolver } from 'node:dns/promises';
import type { Resolve } from '../core/network/egressPolicy';

// Name resolution for the egress proxy with c-ares (dns.Resolver), not getaddrinfo: `dns.lookup`
// runs in libuv's four-thread pool, so a few hanging lookups would stall every other request.

export const RESOLVER_LIMITS = {
  /** One query's timeout; a name that does not answer in time is refused, not waited for. */
  queryTimeoutMs: 2_000,
  /** The whole lookup (A and AAAA together), as a last bound. */
  totalTimeoutMs: 3_000,
} as const;

export function caresResolve(servers?: readonly string[]): Resolve {
  const resolver = new Resolver({ timeout: RESOLVER_LIMITS.queryTimeoutMs, tries: 1 });
  if (servers && servers.length > 0) resolver.setServers([...servers]);
  return async (name) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the lookup timed out')), RESOLVER_LIMITS.totalTimeoutMs);
    });
    try {
      const [v4, v6] = await Promise.race([Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]), deadline]);
      const addresses = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
      if (addresses.length === 0 && v4.status === 'rejected') throw v4.reason instanceof Error ? new Error(shortDnsError(v4.reason)) : new Error('no address');
      return addresses;
    } finally {
      clearTimeout(timer);
    }
  };
}

function shortDnsError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTFOUND' || code === 'ENODATA') return 'no such name';
  if (code === 'ETIMEOUT') return 'the lookup timed out';
  return code ?? error.message;
}
