import { networkInterfaces } from 'node:os';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { isNotFound, toBottleError } from '../docker/dockerErrors';
import { dockerEndpoint } from '../docker/client';
import { BottleError } from '../errors';
import { createInternalNetwork, parseCidr, toDotted } from './subnets';
import { type EgressLogEntry, EgressLogEntrySchema } from '../../proxy/egressLog';

// A bottle's network when its manifest gives an allow-list: the bottle alone on an internal Docker
// network (no route out), and an egress sidecar attached to that network and to an outside one,
// running the app's proxy. The bottle reaches the proxy by address (it needs no DNS); the proxy is
// its only way out. Everything here is created with the bottle's labels and removed with it; if
// any step fails, what was made is removed and the launch stops (fail closed). See docs/network.md.

export const EGRESS_DEFAULTS = {
  proxyPort: 3128,
  /** The outside network the sidecar joins: Docker's default bridge. */
  outsideNetwork: 'bridge',
  /** The sidecar must be listening within this, or the launch stops. */
  readyTimeoutMs: 20_000,
  memoryBytes: 256 * 1024 * 1024,
  pids: 64,
  /**
   * How long the self-check waits for a direct connection or a DNS answer. The direct target is on
   * this machine (its own address on the outside network), so one that is reachable answers within
   * a millisecond or two; Docker's internal network drops the packets, and silence means blocked.
   * It runs in the network's holder before the bottle's container starts, so a launch rarely waits
   * for it; still, it is kept short.
   */
  probeTimeoutMs: 150,
  /** Log lines longer than this are not entries (and are not kept). */
  maxLogLineChars: 4096,
} as const;

/** What the sidecar's role label says, so `ps` and prune can tell it from a bottle. */
export const EGRESS_ROLE_LABEL = 'claude-bottle.role';

export interface EgressCredential {
  kind: 'api-key' | 'oauth';
  value: string;
}

export interface EgressSetup {
  slug: string;
  /** The bottle's labels (slug, agent, project, home); the network and sidecar carry them too. */
  labels: Record<string, string>;
  allow: readonly string[];
  /** Claude's API through the proxy: the upstream URL and the user's real credential. */
  anthropic?: { upstream: string; credential?: EgressCredential };
  image: string;
  outsideNetwork?: string;
  dnsServers?: readonly string[];
  signal?: AbortSignal;
}

export interface BottleEgress {
  networkName: string;
  sidecarName: string;
  /** The container whose network namespace the bottle joins (egressSelfCheck.ts makes it). */
  holderName: string;
  proxyAddress: string;
  proxyPort: number;
  /** The sidecar's address on the outside network: the bottle must not reach it directly ('' until it runs). */
  outsideAddress: string;
  /** The outside network the sidecar joins. */
  outsideNetwork: string;
  /** Every request the proxy logged, as it happens (across restarts). */
  onLog(listener: (entry: EgressLogEntry) => void): { dispose(): void };
  /**
   * Called when the proxy stops (it died, or was removed), or the holder of the bottle's namespace
   * does: the bottle then has no way out (after the holder, no network at all).
   */
  onExit(listener: (what: 'proxy' | 'holder') => void): { dispose(): void };
  /** Resolves when the current run of the proxy stops. */
  readonly exited: Promise<void>;
  /** Starts a proxy that died again, at the same address, with the same configuration. */
  restart(): Promise<void>;
  /**
   * Restarts the proxy with another allow-list (a granted capability's hosts), at the same
   * address: for that moment the bottle has no way out, never a wider one.
   */
  reconfigure(allow: readonly string[]): Promise<void>;
  /**
   * Resolves when the sidecar's container runs: its address is up on the bottle's network (the
   * proxy may still be booting, and refuses until it listens). Rejects as `ready` does.
   */
  readonly running: Promise<void>;
  /** Resolves when the proxy listens; rejects (fail closed) when it could not start. */
  readonly ready: Promise<void>;
  /** Removes the sidecar, the namespace's holder and the network. Safe to call twice. */
  dispose(): Promise<void>;
}

/** The names a bottle's network parts carry: its network, its sidecar, and the holder of its namespace. */
export function egressNames(slug: string): { network: string; sidecar: string; holder: string } {
  return { network: `claude-bottle-${slug}-net`, sidecar: `claude-bottle-${slug}-egress`, holder: `claude-bottle-${slug}-netns` };
}

/** The variables that point a bottle's clients at its proxy, in both cases, by address. */
export function proxyEnvironment(egress: Pick<BottleEgress, 'proxyAddress' | 'proxyPort'>): Record<string, string> {
  const url = `http://${egress.proxyAddress}:${egress.proxyPort}`;
  // The proxy's own address is reached directly (ANTHROPIC_BASE_URL points there).
  return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: egress.proxyAddress, no_proxy: egress.proxyAddress };
}

/** The sidecar's policy and the credential it swaps in: what it is handed when the bottle launches. */
export type EgressPolicySetup = Pick<EgressSetup, 'allow' | 'anthropic' | 'dnsServers' | 'signal'>;

/**
 * A bottle's network made and its sidecar started, but the proxy not yet handed its policy (it
 * waits for it on its standard input and listens only then). It holds no credential and allows
 * nothing. See docs/network.md, "Made while the preflight is read".
 */
export interface BootingEgress {
  networkName: string;
  sidecarName: string;
  holderName: string;
  proxyAddress: string;
  outsideNetwork: string;
  /** Resolves when the sidecar runs; rejects when it could not be made or started. */
  readonly running: Promise<void>;
  /** False once the sidecar's run ended (it exited, or was removed): it can no longer be configured. */
  alive(): boolean;
  /**
   * Hands the proxy its policy and credential, once: the bottle's egress from then on.
   * `holderExited` resolves when the holder of the bottle's namespace stops.
   */
  configure(policy: EgressPolicySetup, holderExited?: Promise<void>): BottleEgress;
  /** Removes the sidecar, the holder and the network. */
  dispose(): Promise<void>;
}

/**
 * Creates the bottle's internal network and starts its sidecar without its policy. It returns as
 * soon as the network exists and the proxy's address is fixed, which is all the holder and the
 * bottle's container need to be created: the sidecar boots meanwhile; once configured, the egress's
 * `ready` says when the proxy listens (or rejects, and the launch stops). If any step fails, what
 * was made is removed.
 */
export async function bootEgress(docker: Docker, setup: Pick<EgressSetup, 'slug' | 'labels' | 'image' | 'outsideNetwork'>): Promise<BootingEgress> {
  const names = egressNames(setup.slug);
  const outside = setup.outsideNetwork ?? EGRESS_DEFAULTS.outsideNetwork;
  const cleanup = (): Promise<void> => removeEgressParts(docker, names);
  const failed = (error: unknown): BottleError =>
    error instanceof BottleError ? error : new BottleError('network-failed', `the bottle's network could not be set up: ${(error as Error).message}`, undefined, { cause: error });
  let subnet: Awaited<ReturnType<typeof createInternalNetwork>>;
  try {
    subnet = await dockerStep(docker, `creating the bottle's internal network ${names.network}`, () =>
      createInternalNetwork(docker, names.network, { ...setup.labels, [EGRESS_ROLE_LABEL]: 'network' }),
    );
  } catch (error) {
    await cleanup();
    throw failed(error);
  }
  const booted = (async (): Promise<BootedSidecar> => {
    const sidecar = await dockerStep(docker, `creating the egress sidecar ${names.sidecar}`, () =>
      docker.createContainer({
        name: names.sidecar,
        Image: setup.image,
        Labels: { ...setup.labels, [EGRESS_ROLE_LABEL]: 'egress' },
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        Tty: false,
        // A fixed address: the bottle is told it before the proxy starts, and a restart keeps it.
        NetworkingConfig: { EndpointsConfig: { [names.network]: { IPAMConfig: { IPv4Address: subnet.proxyAddress } } } },
        HostConfig: {
          NetworkMode: names.network,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          ReadonlyRootfs: true,
          Memory: EGRESS_DEFAULTS.memoryBytes,
          MemorySwap: EGRESS_DEFAULTS.memoryBytes,
          PidsLimit: EGRESS_DEFAULTS.pids,
          Init: true,
        },
      }),
    );
    await dockerStep(docker, `connecting the egress sidecar to the ${outside} network`, () => docker.getNetwork(outside).connect({ Container: names.sidecar }));
    return bootSidecar(docker, sidecar, setup.slug, outside, subnet.proxyAddress);
  })().catch(async (error: unknown) => {
    await cleanup();
    throw failed(error);
  });
  booted.catch(() => undefined);
  let ended = false;
  void booted.then(
    (sidecar) => sidecar.logs.exited.then(() => (ended = true)),
    () => (ended = true),
  );
  let configured = false;
  const running = booted.then(() => undefined);
  // Awaited by the launch (and reported there), not necessarily by anyone before it fails.
  running.catch(() => undefined);
  return {
    networkName: names.network,
    sidecarName: names.sidecar,
    holderName: names.holder,
    proxyAddress: subnet.proxyAddress,
    outsideNetwork: outside,
    running,
    alive: () => !ended,
    configure(policy, holderExited) {
      if (configured) throw new BottleError('internal', `the egress sidecar ${names.sidecar} was configured already`);
      configured = true;
      const full: EgressSetup = { ...setup, ...policy };
      return egressHandle(docker, full, subnet.proxyAddress, booted.then((sidecar) => configureSidecar(docker, sidecar, full)), cleanup, holderExited);
    },
    dispose: async () => {
      // A sidecar still being made is removed once its creation settles, never left behind.
      const sidecar = await booted.catch(() => undefined);
      sidecar?.logs.dispose();
      sidecar?.stdin.end();
      await cleanup();
    },
  };
}

interface BootedSidecar {
  stdin: NodeJS.WritableStream;
  proxyAddress: string;
  outsideAddress: string;
  outsideNetwork: string;
  logs: FollowedLogs;
}

interface SidecarRun {
  proxyAddress: string;
  outsideAddress: string;
  logs: FollowedLogs;
  /** Resolves when the proxy listens (it boots while the launch goes on). */
  ready: Promise<void>;
}

/**
 * Starts the sidecar: its standard input attached first (its configuration crosses there only,
 * later: not in its config, argv or a file), its address read, its output followed. The proxy
 * waits for its configuration. `expectedAddress`: the bottle knows the proxy by that address only.
 */
async function bootSidecar(docker: Docker, sidecar: Docker.Container, slug: string, outside: string, expectedAddress: string): Promise<BootedSidecar> {
  const names = egressNames(slug);
  const stdin = (await sidecar.attach({ stream: true, stdin: true, hijack: true })) as NodeJS.ReadWriteStream;
  await dockerStep(docker, 'starting the egress sidecar', () => sidecar.start());
  const info = await sidecar.inspect();
  const proxyAddress = info.NetworkSettings.Networks[names.network]?.IPAddress;
  if (!proxyAddress) throw new BottleError('network-failed', `the egress sidecar has no address on ${names.network}`);
  if (proxyAddress !== expectedAddress) {
    await removeQuietly(() => sidecar.kill());
    throw new BottleError('network-failed', `the egress proxy came back at ${proxyAddress}, not at ${expectedAddress} where the bottle looks for it`, 'stop the bottle with "keep" and resume it');
  }
  const logs = await followLogs(docker, sidecar, Math.floor(Date.now() / 1000) - 1);
  return { stdin, proxyAddress, outsideAddress: info.NetworkSettings.Networks[outside]?.IPAddress ?? '', outsideNetwork: outside, logs };
}

/** Hands a started sidecar its configuration; `ready` says when the proxy listens. */
async function configureSidecar(docker: Docker, sidecar: BootedSidecar, setup: EgressSetup): Promise<SidecarRun> {
  const config = {
    listen: { host: sidecar.proxyAddress, port: EGRESS_DEFAULTS.proxyPort },
    allow: [...setup.allow],
    ownAddresses: await machineAddresses(docker, sidecar.outsideNetwork),
    ...(setup.dnsServers ? { dnsServers: [...setup.dnsServers] } : {}),
    ...(setup.anthropic ? { anthropic: setup.anthropic } : {}),
  };
  sidecar.stdin.end(`${JSON.stringify(config)}\n`);
  const ready = sidecar.logs.ready(setup.signal);
  ready.catch(() => sidecar.logs.dispose());
  return { proxyAddress: sidecar.proxyAddress, outsideAddress: sidecar.outsideAddress, logs: sidecar.logs, ready };
}

/** A restart of the proxy (it died, or takes another policy): boot the same container again, and configure it. */
async function runSidecar(docker: Docker, sidecar: Docker.Container, setup: EgressSetup, expectedAddress: string): Promise<SidecarRun> {
  const outside = setup.outsideNetwork ?? EGRESS_DEFAULTS.outsideNetwork;
  return configureSidecar(docker, await bootSidecar(docker, sidecar, setup.slug, outside, expectedAddress), setup);
}

/**
 * The handle the launcher keeps: log listeners and exit listeners survive a restart of the proxy,
 * and may be added before the first run of the sidecar has started.
 */
function egressHandle(docker: Docker, setup: EgressSetup, proxyAddress: string, firstRun: Promise<SidecarRun>, cleanup: () => Promise<void>, holderExited?: Promise<void>): BottleEgress {
  const names = egressNames(setup.slug);
  let run: SidecarRun | undefined;
  let disposed = false;
  let replacing = false;
  let currentSetup = setup;
  const logListeners = new Set<(entry: EgressLogEntry) => void>();
  const exitListeners = new Set<(what: 'proxy' | 'holder') => void>();
  const wire = (current: SidecarRun): void => {
    current.logs.onLog((entry) => {
      for (const listener of logListeners) listener(entry);
    });
    void current.logs.exited.then(() => {
      if (run === current && !replacing) for (const listener of exitListeners) listener('proxy');
    });
  };
  void holderExited?.then(() => {
    if (!disposed) for (const listener of exitListeners) listener('holder');
  });
  const started = firstRun.then((first) => {
    if (disposed) {
      first.logs.dispose();
      return first;
    }
    run = first;
    wire(first);
    return first;
  });
  const running = started.then(() => undefined);
  const ready = started.then((first) => first.ready);
  // The launcher awaits `ready`; a failure before it does is reported there, not as unhandled.
  started.catch(() => undefined);
  running.catch(() => undefined);
  ready.catch(() => undefined);
  return {
    networkName: names.network,
    sidecarName: names.sidecar,
    holderName: names.holder,
    proxyAddress,
    proxyPort: EGRESS_DEFAULTS.proxyPort,
    get outsideAddress() {
      return run?.outsideAddress ?? '';
    },
    outsideNetwork: setup.outsideNetwork ?? EGRESS_DEFAULTS.outsideNetwork,
    onLog(listener) {
      logListeners.add(listener);
      return { dispose: () => logListeners.delete(listener) };
    },
    onExit(listener) {
      exitListeners.add(listener);
      return { dispose: () => exitListeners.delete(listener) };
    },
    get exited() {
      return run ? run.logs.exited : started.then((first) => first.logs.exited);
    },
    running,
    get ready() {
      return run ? run.ready : ready;
    },
    async restart() {
      await started;
      // The bottle's namespace went with its holder: no proxy can bring its network back.
      if ((await docker.getContainer(names.holder).inspect().catch(() => undefined))?.State.Running !== true) {
        throw new BottleError('network-failed', `the network holder ${names.holder} of this bottle stopped: its network cannot come back`, 'stop the bottle with "keep" and resume it');
      }
      const sidecar = docker.getContainer(names.sidecar);
      const state = await sidecar.inspect().catch(() => undefined);
      if (!state) throw new BottleError('network-failed', `the egress sidecar ${names.sidecar} is gone`, 'stop the bottle with "keep" and resume it');
      if (state.State.Running || !run) return;
      run.logs.dispose();
      run = await runSidecar(docker, sidecar, currentSetup, proxyAddress);
      await run.ready;
      wire(run);
    },
    async reconfigure(allow) {
      await started;
      if (!run) throw new BottleError('network-failed', `the egress sidecar ${names.sidecar} is not running`);
      const sidecar = docker.getContainer(names.sidecar);
      replacing = true;
      try {
        const previous = run;
        await removeQuietly(() => sidecar.kill());
        await Promise.race([previous.logs.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        previous.logs.dispose();
        currentSetup = { ...currentSetup, allow: [...allow] };
        run = await runSidecar(docker, sidecar, currentSetup, proxyAddress);
        await run.ready;
        wire(run);
      } finally {
        replacing = false;
      }
    },
    dispose: async () => {
      disposed = true;
      // A sidecar still being created is removed once its creation settles, never left behind.
      await started.catch(() => undefined);
      run?.logs.dispose();
      logListeners.clear();
      exitListeners.clear();
      await cleanup();
    },
  };
}

/**
 * The egress of a bottle whose sidecar already runs (its owner died and another process
 * re-attaches): its addresses, and its log followed again from `since` (unix seconds).
 */
export async function reconnectEgress(docker: Docker, setup: EgressSetup, since: number, holderExited?: Promise<void>): Promise<BottleEgress> {
  const names = egressNames(setup.slug);
  const sidecar = docker.getContainer(names.sidecar);
  const info = await sidecar.inspect().catch(() => undefined);
  if (!info?.State.Running) {
    throw new BottleError('network-failed', `the egress proxy of bottle ${setup.slug} is not running: the bottle has no way out`, `stop the bottle and resume it: claude-bottle stop --keep ${setup.slug}`);
  }
  const proxyAddress = info.NetworkSettings.Networks[names.network]?.IPAddress;
  if (!proxyAddress) throw new BottleError('network-failed', `the egress sidecar of bottle ${setup.slug} has no address on ${names.network}`);
  const outside = Object.entries(info.NetworkSettings.Networks).find(([name]) => name !== names.network);
  const logs = await followLogs(docker, sidecar, since);
  const cleanup = (): Promise<void> => removeEgressParts(docker, names);
  return egressHandle(docker, { ...setup, ...(outside ? { outsideNetwork: outside[0] } : {}) }, proxyAddress, Promise.resolve({ proxyAddress, outsideAddress: outside?.[1].IPAddress ?? '', logs, ready: Promise.resolve() }), cleanup, holderExited);
}

/**
 * The host's own addresses and every Docker network's range but the outside one's: a listed name
 * that resolves into them is refused. (The outside network is where "the internet" is reached.)
 */
async function machineAddresses(docker: Docker, outside: string): Promise<string[]> {
  const own = new Set<string>();
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) own.add(address.address.split('%')[0] ?? address.address);
  }
  const networks = await docker.listNetworks();
  for (const network of networks) {
    if (network.Name === outside) continue;
    for (const config of network.IPAM?.Config ?? []) if (config.Subnet) own.add(config.Subnet);
  }
  return [...own];
}

interface FollowedLogs {
  onLog(listener: (entry: EgressLogEntry) => void): { dispose(): void };
  ready(signal?: AbortSignal): Promise<void>;
  exited: Promise<void>;
  dispose(): void;
}

/** Follows the sidecar's output: JSON lines on stdout are log entries; stderr says when it listens. */
async function followLogs(docker: Docker, sidecar: Docker.Container, since?: number): Promise<FollowedLogs> {
  const stream = (await sidecar.logs({ follow: true, stdout: true, stderr: true, ...(since !== undefined ? { since } : {}) })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  const listeners = new Set<(entry: EgressLogEntry) => void>();
  let stderrText = '';
  let listening = false;
  let markReady: () => void = () => undefined;
  let failReady: (error: Error) => void = () => undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  readyPromise.catch(() => undefined);
  stderr.on('data', (chunk: Buffer) => {
    stderrText = (stderrText + chunk.toString()).slice(-4000);
    if (!listening && /listening on/.test(stderrText)) {
      listening = true;
      markReady();
    }
  });
  let pending = '';
  stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const entry = parseEntry(line);
      if (entry) for (const listener of listeners) listener(entry);
    }
    if (pending.length > EGRESS_DEFAULTS.maxLogLineChars) pending = '';
  });
  const exited = new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', () => resolve());
  });
  void exited.then(() => {
    if (!listening) failReady(new BottleError('network-failed', `the egress proxy stopped before it listened: ${stderrText.trim() || 'no output'}`));
  });
  return {
    onLog(listener) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    async ready(signal) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BottleError('network-failed', `the egress proxy did not start within ${EGRESS_DEFAULTS.readyTimeoutMs / 1000} s: ${stderrText.trim() || 'no output'}`)), EGRESS_DEFAULTS.readyTimeoutMs);
      });
      const aborted = new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(new BottleError('cancelled', 'launch cancelled')), { once: true }));
      try {
        await Promise.race([readyPromise, timeout, ...(signal ? [aborted] : [])]);
      } finally {
        clearTimeout(timer);
      }
    },
    exited,
    dispose() {
      listeners.clear();
      stream.destroy();
    },
  };
}

function parseEntry(line: string): EgressLogEntry | undefined {
  if (line.length > EGRESS_DEFAULTS.maxLogLineChars) return undefined;
  try {
    const parsed = EgressLogEntrySchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function dockerStep<T>(docker: Docker, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const converted = toBottleError(error, 'network-failed', what, dockerEndpoint(docker));
    throw converted.kind === 'docker-unavailable' ? converted : new BottleError('network-failed', converted.message, converted.hint, { cause: error });
  }
}

export async function removeQuietly(remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (error) {
    if (!isNotFound(error)) {
      // Already going, or the engine is gone: `ps` lists what is left by its labels.
    }
  }
}

/**
 * The DNS servers of the bottle's namespace (set on its holder). Docker's embedded resolver
 * forwards names it does not know to them; on some engines it does so even for internal networks
 * (a DNS tunnel). The one named is the address after the proxy's, which no container holds (the
 * network gives out only the upper half of its range): queries go nowhere and every lookup fails.
 * It is not the proxy's own address, so that a lookup made before the sidecar is up leaves no
 * unanswered ARP for the proxy behind (which would hold the first connections to it for a second).
 */
export function bottleDnsServers(egress: Pick<BottleEgress, 'proxyAddress'>): string[] {
  const parsed = parseCidr(`${egress.proxyAddress}/32`);
  if (!parsed) throw new BottleError('network-failed', `the egress proxy's address ${egress.proxyAddress} is not an IPv4 address`);
  return [toDotted(parsed.base + 1)];
}

/**
 * Removes a bottle's network parts by their names: the sidecar and the holder first (a network
 * with containers on it cannot go), then the network.
 */
export async function removeEgressParts(docker: Docker, names: ReturnType<typeof egressNames>): Promise<void> {
  await Promise.all([removeQuietly(() => docker.getContainer(names.sidecar).remove({ force: true })), removeQuietly(() => docker.getContainer(names.holder).remove({ force: true }))]);
  await removeQuietly(() => docker.getNetwork(names.network).remove());
}
