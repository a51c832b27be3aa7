import type Docker from 'dockerode';
import { credentialVariable, findClaudeCredential, placeholderCredential } from '../claude/credentials';
import type { BuildProgress } from '../docker/progress';
import { BottleError } from '../errors';
import type { SecretSource } from '../plan/plan';
import { type BottleEgress, bottleNetworkSettings, egressNames, type EgressSetup, reconnectEgress, startEgress } from './bottleEgress';
import { createEgressProbe, type EgressCheck } from './egressSelfCheck';
import { ensureEgressImage } from './egressImage';
import { EgressLogFile } from './egressLogFile';
import { parseCidr, toDotted } from './subnets';

// The launcher's one call for a bottle with an allow-list: the sidecar image, the internal network
// and the sidecar, the egress log kept in the state folder, and, once the bottle's container runs,
// the self-check in its network namespace. What the bottle's container and Claude's session need
// comes back as plain settings. See docs/network.md.

export const EGRESS_ENV = {
  /** Where the proxy sends Claude's API requests; tests point it at a stand-in. */
  upstream: 'CLAUDE_BOTTLE_ANTHROPIC_UPSTREAM',
  /** The outside network the sidecar joins (default: Docker's bridge). */
  outsideNetwork: 'CLAUDE_BOTTLE_EGRESS_NETWORK',
  /** DNS servers the proxy asks, comma-separated (default: the sidecar's own resolver). */
  dnsServers: 'CLAUDE_BOTTLE_EGRESS_DNS',
} as const;

export const ANTHROPIC_API = 'https://api.anthropic.com';

/** Variables that keep Claude Code from calling home beside its API (telemetry, updates, checks). */
export const QUIET_CLAUDE_ENV: Record<string, string> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_INSTALLATION_CHECKS: '1',
};

export interface OpenedEgress {
  egress: BottleEgress;
  /**
   * For the bottle's container: its network, DNS, and the variables every process in it should
   * see (the proxy, Claude's API through it, Claude told to stay quiet). None of them is secret.
   */
  container: { networkMode: string; dns: string[]; env: Record<string, string> };
  /** For Claude's session: the placeholder credential. */
  sessionEnv: Record<string, string>;
  /** The API key the bottle sees (a placeholder), for seeding Claude's approval of it. */
  apiKeyInBottle?: string;
  /** The sidecar's image, which also runs the self-check. */
  image: string;
  dispose(): Promise<void>;
}

export interface OpenEgressInputs {
  docker: Docker;
  slug: string;
  labels: Record<string, string>;
  hosts: readonly string[];
  secrets: SecretSource;
  /** The bottle's state folder, where egress.log is kept. */
  stateDir: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (progress: BuildProgress) => void;
  signal?: AbortSignal;
}

export async function openBottleEgress(inputs: OpenEgressInputs): Promise<OpenedEgress> {
  const env = inputs.env ?? process.env;
  const image = await ensureEgressImage(inputs.docker, { env, ...(inputs.onProgress ? { onProgress: inputs.onProgress } : {}), ...(inputs.signal ? { signal: inputs.signal } : {}) });
  const credential = findClaudeCredential(inputs.secrets);
  const egress = await startEgress(inputs.docker, { ...egressSetup(inputs, credential, env), image, ...(inputs.signal ? { signal: inputs.signal } : {}) });
  return opened(egress, inputs.slug, credential, inputs.stateDir, image);
}

/** What the sidecar is started with, from the plan's hosts, the user's credential and the settings. */
function egressSetup(inputs: { slug: string; labels: Record<string, string>; hosts: readonly string[] }, credential: ReturnType<typeof findClaudeCredential>, env: NodeJS.ProcessEnv): Omit<EgressSetup, 'image'> {
  const dnsServers = env[EGRESS_ENV.dnsServers]?.split(',').map((server) => server.trim()).filter(Boolean);
  return {
    slug: inputs.slug,
    labels: inputs.labels,
    allow: inputs.hosts,
    anthropic: { upstream: env[EGRESS_ENV.upstream] || ANTHROPIC_API, ...(credential ? { credential: { kind: credential.kind, value: credential.value } } : {}) },
    ...(env[EGRESS_ENV.outsideNetwork] ? { outsideNetwork: env[EGRESS_ENV.outsideNetwork] } : {}),
    ...(dnsServers && dnsServers.length > 0 ? { dnsServers } : {}),
  };
}

/** Re-attach: the running sidecar of a bottle whose owner died; its log is kept again from where it stopped. */
export async function reconnectBottleEgress(inputs: { docker: Docker; slug: string; labels: Record<string, string>; hosts: readonly string[]; secrets: SecretSource; stateDir: string; env?: NodeJS.ProcessEnv }): Promise<OpenedEgress> {
  const log = new EgressLogFile(inputs.stateDir);
  const since = Math.floor(((await log.modifiedAt()) ?? Date.now()) / 1000) + 1;
  const credential = findClaudeCredential(inputs.secrets);
  const sidecarImage = (await inputs.docker.getContainer(egressNames(inputs.slug).sidecar).inspect().catch(() => undefined))?.Config.Image ?? '';
  const egress = await reconnectEgress(inputs.docker, { ...egressSetup(inputs, credential, inputs.env ?? process.env), image: sidecarImage }, since);
  return opened(egress, inputs.slug, credential, inputs.stateDir, sidecarImage);
}

function opened(egress: BottleEgress, slug: string, credential: ReturnType<typeof findClaudeCredential>, stateDir: string, image: string): OpenedEgress {
  const log = new EgressLogFile(stateDir);
  const logging = egress.onLog((entry) => void log.append(entry));
  const settings = bottleNetworkSettings(egress);
  const placeholder = credential ? placeholderCredential(credential.kind, slug) : undefined;
  const containerEnv: Record<string, string> = { ...settings.env, ...QUIET_CLAUDE_ENV, ANTHROPIC_BASE_URL: `http://${egress.proxyAddress}:${egress.proxyPort}` };
  return {
    egress,
    container: { networkMode: settings.networkMode, dns: settings.dns, env: containerEnv },
    // On re-attach the container already has its variables; the session repeats them anyway, so
    // Claude's process sees them whatever the container was started with.
    sessionEnv: { ...containerEnv, ...(credential && placeholder ? { [credentialVariable(credential.kind)]: placeholder } : {}) },
    ...(credential?.kind === 'api-key' && placeholder ? { apiKeyInBottle: placeholder } : {}),
    image,
    dispose: async () => {
      logging.dispose();
      await egress.dispose();
    },
  };
}

export interface BottleEgressCheck {
  /** Runs the self-check once the bottle's container runs; a failure stops the launch (fail closed). */
  verify(): Promise<EgressCheck>;
  /** Removes the probe when the launch stopped before its check. */
  discard(): Promise<void>;
}

/**
 * The self-check's probe, created as soon as the bottle's container exists (while it starts). It
 * may run while the proxy still boots: it waits for the proxy to answer.
 */
export function prepareBottleEgressCheck(docker: Docker, opened: OpenedEgress, bottleContainer: string, labels: Record<string, string>): BottleEgressCheck {
  const probe = (async () =>
    createEgressProbe(docker, {
      bottleContainer,
      image: opened.image,
      egress: opened.egress,
      // Nothing here leaves the machine: DNS goes to the proxy's address (no server there) and the
      // direct target is this machine's own address on the outside network.
      targets: { probeName: 'claude-bottle-self-check.example', direct: { host: await outsideTarget(docker, opened.egress), port: opened.egress.proxyPort } },
      labels,
    }))();
  probe.catch(() => undefined);
  return {
    async verify() {
      // The probe starts as soon as the bottle runs; its lookup and proxy checks wait until the sidecar's address is up.
      const check = await (await probe).run({ proxyUp: opened.egress.running });
      if (!check.ok) throw new BottleError('network-failed', `the bottle's network failed its self-check:\n${check.lines.join('\n')}`, 'the bottle was not started; nothing was allowed out');
      return check;
    },
    async discard() {
      await (await probe.catch(() => undefined))?.discard();
    },
  };
}

/**
 * The address the direct-connection check tries: this machine's own on the outside network (its
 * gateway). A bottle that could reach the host could reach every service listening on it.
 */
async function outsideTarget(docker: Docker, egress: BottleEgress): Promise<string> {
  const info = (await docker.getNetwork(egress.outsideNetwork).inspect()) as { IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } };
  const configs = (info.IPAM?.Config ?? []).filter((config) => config.Subnet && !config.Subnet.includes(':'));
  // A network made with a subnet and no gateway has Docker's default one, its first address.
  const subnet = configs[0]?.Subnet ? parseCidr(configs[0].Subnet) : undefined;
  const gateway = configs.find((config) => config.Gateway)?.Gateway ?? (subnet ? toDotted(subnet.base + 1) : undefined);
  if (!gateway) throw new BottleError('network-failed', `the ${egress.outsideNetwork} network has no IPv4 gateway to check the bottle's isolation against`);
  return gateway;
}

/** Removes a bottle's sidecar and network by name (teardown from another process, prune). */
export async function removeBottleEgress(docker: Docker, slug: string): Promise<void> {
  const names = egressNames(slug);
  await docker.getContainer(names.sidecar).remove({ force: true }).catch(() => undefined);
  await docker.getNetwork(names.network).remove().catch(() => undefined);
}
