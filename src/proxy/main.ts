import { createInterface } from 'node:readline';
// zod's tree-shakable build: the sidecar loads ~40 KB instead of all of zod (~700 KB), which took
// Node ~60 ms at every start of the proxy, on the launch's path.
import * as z from 'zod/mini';
import { parseAllowList } from '../core/network/allowList';
import { EgressPolicy } from '../core/network/egressPolicy';
import { createEgressProxy } from './egressProxy';
import { caresResolve } from './resolver';

// The sidecar's entry point, bundled into one file (`out/proxy/egress-proxy.cjs`) and run with
// Node in the egress sidecar. Its configuration and the user's credential arrive as one JSON line
// on standard input, so neither appears in the sidecar's `docker inspect`, its command line or a
// file. It logs one JSON line per request to standard output; the app keeps those in the bottle's
// state folder. See docs/network.md.

export const ProxyConfigSchema = z.strictObject({
  listen: z.strictObject({ host: z.string(), port: z.number().check(z.int(), z.minimum(1), z.maximum(65535)) }),
  allow: z.array(z.string()),
  ownAddresses: z._default(z.array(z.string()), []),
  dnsServers: z.optional(z.array(z.string())),
  anthropic: z.optional(
    z.strictObject({
      upstream: z.url(),
      credential: z.optional(z.strictObject({ kind: z.enum(['api-key', 'oauth']), value: z.string().check(z.minLength(1)) })),
    }),
  ),
});
export type ProxyConfig = z.infer<typeof ProxyConfigSchema>;

/**
 * A sidecar nobody configures exits instead of idling. It may be started while a person reads the
 * bottle's preflight, so the wait is long; a sidecar whose owner died sees its standard input close
 * (it is attached once) and exits at once.
 */
const CONFIG_TIMEOUT_MS = 60 * 60_000;

async function readConfigLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  const timer = setTimeout(() => fail('no configuration arrived on standard input'), CONFIG_TIMEOUT_MS);
  for await (const line of lines) {
    clearTimeout(timer);
    lines.close();
    return line;
  }
  clearTimeout(timer);
  return fail('standard input closed before the configuration arrived');
}

function fail(message: string): never {
  process.stderr.write(`egress-proxy: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let config: ProxyConfig;
  try {
    config = ProxyConfigSchema.parse(JSON.parse(await readConfigLine()));
  } catch (error) {
    return fail(`bad configuration: ${(error as Error).message.slice(0, 500)}`);
  }
  const resolve = caresResolve(config.dnsServers);
  const policy = new EgressPolicy({ rules: parseAllowList(config.allow), ownAddresses: config.ownAddresses, resolve });
  const anthropic = config.anthropic;
  const server = createEgressProxy({
    policy,
    ...(anthropic ? { anthropic: { upstream: new URL(anthropic.upstream), resolve, ...(anthropic.credential ? { credential: anthropic.credential } : {}) } } : {}),
    log: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`),
    selfAuthorities: [`${config.listen.host}:${config.listen.port}`],
  });
  server.on('error', (error) => fail(`cannot listen on ${config.listen.host}:${config.listen.port}: ${error.message}`));
  server.listen(config.listen.port, config.listen.host, () => {
    process.stderr.write(`egress-proxy: listening on ${config.listen.host}:${config.listen.port}\n`);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
}

void main();
