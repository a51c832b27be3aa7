import { isIP } from 'node:net';
import { AddressPolicy } from './addressPolicy';
import { type AllowRule, canonicalAddress, normalizeHostName, ruleMatchesName } from './allowList';

// The egress proxy's one question: may this bottle open a connection to host:port, and to which
// address exactly? The proxy connects to the address decided here and never resolves again, so an
// answer that changes between the check and the connection (DNS rebinding) cannot slip through.

export type Resolve = (name: string) => Promise<string[]>;

export type EgressDecision =
  | { allowed: true; address: string; port: number; host: string }
  | { allowed: false; host: string; port: number; reason: string };

export interface EgressPolicyOptions {
  rules: readonly AllowRule[];
  /** The host's and Docker networks' own addresses and ranges, refused like private ones. */
  ownAddresses?: readonly string[];
  resolve: Resolve;
}

export class EgressPolicy {
  private readonly addresses: AddressPolicy;

  constructor(private readonly options: EgressPolicyOptions) {
    this.addresses = new AddressPolicy(options.rules, options.ownAddresses);
  }

  get rules(): readonly AllowRule[] {
    return this.options.rules;
  }

  async decide(rawHost: string, port: number): Promise<EgressDecision> {
    const literal = canonicalAddress(rawHost);
    if (isIP(literal) !== 0) {
      return this.addresses.listedFor(literal, port)
        ? { allowed: true, address: literal, port, host: literal }
        : { allowed: false, host: literal, port, reason: 'an address is reachable only when the allow-list names it (or a range holding it)' };
    }
    const host = normalizeHostName(rawHost);
    if (host === undefined) return { allowed: false, host: rawHost.slice(0, 255), port, reason: 'not a valid host name' };
    if (!this.options.rules.some((rule) => ruleMatchesName(rule, host, port))) {
      return { allowed: false, host, port, reason: `${host}:${port} is not on the allow-list` };
    }
    let resolved: string[];
    try {
      resolved = await this.options.resolve(host);
    } catch (error) {
      return { allowed: false, host, port, reason: `cannot resolve ${host}: ${(error as Error).message}` };
    }
    if (resolved.length === 0) return { allowed: false, host, port, reason: `${host} has no address` };
    let firstRefusal: string | undefined;
    for (const address of resolved) {
      const verdict = this.addresses.judgeResolved(address, port);
      if (verdict.allowed) return { allowed: true, address: canonicalAddress(address), port, host };
      firstRefusal ??= verdict.reason;
    }
    return { allowed: false, host, port, reason: firstRefusal ?? 'no allowed address' };
  }
}
