import type Docker from 'dockerode';
import { credentialVariable, findClaudeCredential, placeholderCredential } from '../claude/credentials';
import type { BuildProgress } from '../docker/progress';
import { BottleError } from '../errors';
import type { SecretSource } from '../plan/plan';
import { type BootingEgress, type BottleEgress, bootEgress, bottleDnsServers, EGRESS_DEFAULTS, egressNames, type EgressSetup, proxyEnvironment, reconnectEgress, removeEgressParts } from './bottleEgress';
import { createNetworkHolder, type EgressCheck, type NetworkHolder, type RunningHolder, watchNetworkHolder } from './egressSelfCheck';
import { ensureEgressImage, existingEgressImage } from './egressImage';
import { EgressLogFile, readEgressLog } from './egressLogFile';
import { parseCidr, toDotted } from './subnets';

// The launcher's one call for a bottle with an allow-list: the sidecar image, the internal network,
// the sidecar, the holder of the bottle's network namespace with the self-check it runs, and the
// egress log kept in the state folder. What the bottle's container and Claude's session need comes
// back as plain settings. See docs/network.md.

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
   * For the bottle's container: the variables every process in it should see (the proxy, Claude's
   * API through it, Claude told to stay quiet). None of them is secret. It joins the namespace of
   * `egress.holderName`.
   */
  container: { env: Record<string, string> };
  /** Resolves when the holder exists: the bottle's container can be created. */
  holderCreated: Promise<void>;
  /** Resolves when the holder runs: the bottle's container can be started. */
  holderRunning: Promise<void>;
  /**
   * The self-check's result, once the holder has run it; rejects (fail closed) when a check
   * failed or the holder could not be made.
   */
  verify(): Promise<EgressCheck>;
  /** For Claude's session: the placeholder credential. */
  sessionEnv: Record<string, string>;
  /** The API key the bottle sees (a placeholder), for seeding Claude's approval of it. */
  apiKeyInBottle?: string;
  /** The sidecar's image, which also runs the holder and its self-check. */
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
  /** The bottle's network made ahead (while the preflight was read), if it was. */
  ahead?: Promise<BottleNetwork | undefined>;
  env?: NodeJS.ProcessEnv;
  onProgress?: (progress: BuildProgress) => void;
  signal?: AbortSignal;
}

/**
 * A bottle's network made before its launch needs it: the internal network, the sidecar started
 * but not yet handed a policy or credential (it allows nothing), and the holder of the bottle's
 * namespace, which has checked the direct connection and DNS and waits to check the proxy.
 */
export interface BottleNetwork {
  booting: BootingEgress;
  image: string;
  /** Resolves when the holder exists (the bottle's container can be created). */
  holderCreated: Promise<void>;
  /** Resolves when the holder runs (the bottle's container can be started). */
  holder: Promise<RunningHolder>;
  /** False when a part of it has stopped since it was made: a launch makes another. */
  usable(): Promise<boolean>;
  /** Removes all of it. */
  dispose(): Promise<void>;
}

/** Makes a bottle's network: returns once the network exists; the sidecar and the holder start meanwhile. */
export async function makeBottleNetwork(inputs: { docker: Docker; slug: string; labels: Record<string, string>; image: string; env?: NodeJS.ProcessEnv }): Promise<BottleNetwork> {
  const env = inputs.env ?? process.env;
  const outsideNetwork = env[EGRESS_ENV.outsideNetwork] || EGRESS_DEFAULTS.outsideNetwork;
  const direct = outsideGateway(inputs.docker, outsideNetwork);
  direct.catch(() => undefined);
  const booting = await bootEgress(inputs.docker, { slug: inputs.slug, labels: inputs.labels, image: inputs.image, outsideNetwork });
  // The holder joins the network as soon as it exists, beside the sidecar: the bottle waits only for it to run.
  const created = (async (): Promise<NetworkHolder> =>
    createNetworkHolder(inputs.docker, {
      name: booting.holderName,
      network: booting.networkName,
      dns: bottleDnsServers(booting),
      image: inputs.image,
      egress: { proxyAddress: booting.proxyAddress, proxyPort: EGRESS_DEFAULTS.proxyPort },
      // Nothing here leaves the machine: DNS goes to an address no one holds, and the direct
      // target is this machine's own address on the outside network.
      targets: { probeName: 'claude-bottle-self-check.example', direct: { host: await direct, port: EGRESS_DEFAULTS.proxyPort } },
      labels: inputs.labels,
    }))();
  const holder = created.then((made) => made.start());
  created.catch(() => undefined);
  holder.catch(() => undefined);
  // Nothing of the holder is still being made once this settles: only then can it be removed for sure.
  const settled = holder.then(() => undefined, () => undefined);
  return {
    booting,
    image: inputs.image,
    holderCreated: created.then(() => undefined),
    holder,
    async usable() {
      const running = await holder.catch(() => undefined);
      return running !== undefined && running.alive() && booting.alive();
    },
    async dispose() {
      await settled;
      (await holder.catch(() => undefined))?.release();
      await booting.dispose();
    },
  };
}

/**
 * The bottle's network made ahead of its launch, while a person reads its preflight, so that
 * Confirm waits only for the bottle's own container. Only when the sidecar's image is built already
 * (undefined otherwise: the launch builds it, with progress). Nothing of the agent runs in it yet.
 */
export async function makeNetworkAhead(inputs: { docker: Docker; slug: string; labels: Record<string, string>; env?: NodeJS.ProcessEnv }): Promise<BottleNetwork | undefined> {
  const image = await existingEgressImage(inputs.docker, inputs.env ? { env: inputs.env } : {});
  return image ? makeBottleNetwork({ ...inputs, image }) : undefined;
}

export async function openBottleEgress(inputs: OpenEgressInputs): Promise<OpenedEgress> {
  const env = inputs.env ?? process.env;
  let network = await inputs.ahead?.catch(() => undefined);
  if (network && !(await network.usable())) {
    await network.dispose();
    network = undefined;
  }
  if (!network) {
    const image = await ensureEgressImage(inputs.docker, { env, ...(inputs.onProgress ? { onProgress: inputs.onProgress } : {}), ...(inputs.signal ? { signal: inputs.signal } : {}) });
    network = await makeBottleNetwork({ docker: inputs.docker, slug: inputs.slug, labels: inputs.labels, image, env });
  }
  const credential = findClaudeCredential(inputs.secrets);
  const { allow, anthropic, dnsServers } = egressSetup(inputs, credential, env);
  const holderExited = network.holder.then((holder) => holder.exited);
  holderExited.catch(() => undefined);
  const egress = network.booting.configure({ allow, ...(anthropic ? { anthropic } : {}), ...(dnsServers ? { dnsServers } : {}), ...(inputs.signal ? { signal: inputs.signal } : {}) }, holderExited);
  // The holder checks the proxy once the sidecar's address is up.
  const verdict = network.holder.then((holder) => holder.verdict(egress.running));
  verdict.catch(() => undefined);
  const made = network;
  return opened(egress, inputs.slug, credential, inputs.stateDir, network.image, {
    holderCreated: network.holderCreated,
    holderRunning: network.holder.then(() => undefined),
    verdict,
    dispose: async () => {
      // The holder made first (so that it goes too), the egress next (its listeners go before the
      // holder's end could be taken for a loss), then what is left.
      await made.holder.catch(() => undefined);
      await egress.dispose();
      await made.dispose();
    },
  });
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
  // The sidecar's output is read again from a little before the log was last written (Docker's
  // timestamps and the file's do not quite agree), and what the log already holds is not written
  // twice: nothing the proxy logged while the bottle had no owner is lost.
  const since = ((await log.modifiedAt()) ?? Date.now()) / 1000 - REATTACH_LOG_OVERLAP_S;
  const kept = new Set((await readEgressLog(inputs.stateDir)).slice(-REATTACH_LOG_RECHECKED).map((entry) => JSON.stringify(entry)));
  const credential = findClaudeCredential(inputs.secrets);
  const names = egressNames(inputs.slug);
  const sidecarImage = (await inputs.docker.getContainer(names.sidecar).inspect().catch(() => undefined))?.Config.Image ?? '';
  const holder = await watchNetworkHolder(inputs.docker, names.holder);
  if (!holder) {
    throw new BottleError('network-failed', `the network holder of bottle ${inputs.slug} is not running: the bottle has no network`, `stop the bottle and resume it: claude-bottle stop --keep ${inputs.slug}`);
  }
  let egress: BottleEgress;
  try {
    egress = await reconnectEgress(inputs.docker, { ...egressSetup(inputs, credential, inputs.env ?? process.env), image: sidecarImage }, since, holder.exited);
  } catch (error) {
    holder.release();
    throw error;
  }
  // The holder runs already (the bottle's container is in its namespace); its check passed at launch.
  return opened(egress, inputs.slug, credential, inputs.stateDir, sidecarImage, {
    alreadyLogged: kept,
    holderCreated: Promise.resolve(),
    holderRunning: Promise.resolve(),
    verdict: Promise.resolve({ ok: true, lines: [] }),
    dispose: async () => {
      await egress.dispose();
      holder.release();
    },
  });
}

/** How far back a re-attach reads the sidecar's output again, and how many kept entries it compares. */
const REATTACH_LOG_OVERLAP_S = 2;
const REATTACH_LOG_RECHECKED = 500;

interface NetworkParts {
  /** Entries the log holds already (as JSON): read again on a re-attach, not written twice. */
  alreadyLogged?: Set<string>;
  holderCreated: Promise<void>;
  holderRunning: Promise<void>;
  verdict: Promise<EgressCheck>;
  /** Removes the sidecar, the holder and the network, once nothing of them is still being made. */
  dispose(): Promise<void>;
}

function opened(egress: BottleEgress, slug: string, credential: ReturnType<typeof findClaudeCredential>, stateDir: string, image: string, parts: NetworkParts): OpenedEgress {
  const log = new EgressLogFile(stateDir);
  const logging = egress.onLog((entry) => {
    if (parts.alreadyLogged?.delete(JSON.stringify(entry))) return;
    void log.append(entry);
  });
  const placeholder = credential ? placeholderCredential(credential.kind, slug) : undefined;
  const containerEnv: Record<string, string> = { ...proxyEnvironment(egress), ...QUIET_CLAUDE_ENV, ANTHROPIC_BASE_URL: `http://${egress.proxyAddress}:${egress.proxyPort}` };
  return {
    egress,
    container: { env: containerEnv },
    holderCreated: parts.holderCreated,
    holderRunning: parts.holderRunning,
    async verify() {
      const check = await parts.verdict;
      if (!check.ok) throw new BottleError('network-failed', `the bottle's network failed its self-check:\n${check.lines.join('\n')}`, 'the bottle was not started; nothing was allowed out');
      return check;
    },
    // On re-attach the container already has its variables; the session repeats them anyway, so
    // Claude's process sees them whatever the container was started with.
    sessionEnv: { ...containerEnv, ...(credential && placeholder ? { [credentialVariable(credential.kind)]: placeholder } : {}) },
    ...(credential?.kind === 'api-key' && placeholder ? { apiKeyInBottle: placeholder } : {}),
    image,
    dispose: async () => {
      logging.dispose();
      await parts.dispose();
    },
  };
}

/**
 * The address the direct-connection check tries: this machine's own on the outside network (its
 * gateway). A bottle that could reach the host could reach every service listening on it.
 */
async function outsideGateway(docker: Docker, outsideNetwork: string): Promise<string> {
  const info = (await docker.getNetwork(outsideNetwork).inspect()) as { IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] } };
  const configs = (info.IPAM?.Config ?? []).filter((config) => config.Subnet && !config.Subnet.includes(':'));
  // A network made with a subnet and no gateway has Docker's default one, its first address.
  const subnet = configs[0]?.Subnet ? parseCidr(configs[0].Subnet) : undefined;
  const gateway = configs.find((config) => config.Gateway)?.Gateway ?? (subnet ? toDotted(subnet.base + 1) : undefined);
  if (!gateway) throw new BottleError('network-failed', `the ${outsideNetwork} network has no IPv4 gateway to check the bottle's isolation against`);
  return gateway;
}

/** Removes a bottle's sidecar, holder and network by name (teardown from another process, prune). */
export async function removeBottleEgress(docker: Docker, slug: string): Promise<void> {
  await removeEgressParts(docker, egressNames(slug));
}
