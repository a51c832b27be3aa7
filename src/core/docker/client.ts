// The connection to the Docker engine: which endpoint, whether it answers, and the environment
// the `docker` CLI needs (for `docker exec -it` under node-pty) to reach the same engine.

import { connect } from 'node:net';
import Docker from 'dockerode';
import { BottleError } from '../errors';
import { startDeadline } from './deadline';
import { dockerHint, dockerUnavailable, engineMessage } from './dockerErrors';
import { type DockerEndpoint, resolveDockerEndpoint } from './endpoint';

export const CLIENT_DEFAULTS = {
  /** A local engine answers /_ping in milliseconds; 5 s covers a busy or remote one. */
  pingTimeoutMs: 5_000,
} as const;

export interface ConnectOptions {
  /** A unix socket (or Windows named pipe) path; wins over `host` and DOCKER_HOST. */
  socketPath?: string;
  /** A DOCKER_HOST-style address: `unix:///path`, `tcp://host:port`, `npipe:////./pipe/x`. */
  host?: string;
  /** An endpoint already resolved (so the docker CLI can be given the same one). */
  endpoint?: DockerEndpoint;
}

/** Where each client connects, for error messages. */
const endpoints = new WeakMap<Docker, string>();
/** How that endpoint was chosen (DOCKER_HOST, a Docker context, the platform default). */
const endpointSources = new WeakMap<Docker, string>();

/**
 * A dockerode client for `options`, else for DOCKER_HOST (and DOCKER_TLS_VERIFY /
 * DOCKER_CERT_PATH, which docker-modem reads), else for the current Docker context, else for
 * the platform's default socket (see resolveDockerEndpoint).
 * Nothing is contacted yet: call `pingDocker` to find out whether the engine answers.
 */
export function connectDocker(options: ConnectOptions = {}): Docker {
  let docker: Docker;
  let where: string;
  let source: string | undefined;
  try {
    if (options.socketPath) {
      docker = new Docker({ socketPath: options.socketPath });
      where = `unix://${options.socketPath}`;
    } else if (options.host) {
      ({ docker, where } = fromHost(options.host));
    } else {
      const endpoint = options.endpoint ?? resolveDockerEndpoint();
      source = endpoint.source;
      if (endpoint.fromEnv && endpoint.host === process.env.DOCKER_HOST) {
        docker = new Docker();
        where = endpoint.host;
      } else {
        ({ docker, where } = fromHost(endpoint.host));
      }
    }
  } catch (error) {
    const address = options.host ?? process.env.DOCKER_HOST ?? 'the default socket';
    throw new BottleError(
      'docker-unavailable',
      `Docker is not reachable at ${address}: ${engineMessage(error)}`,
      'DOCKER_HOST should look like unix:///var/run/docker.sock or tcp://host:2376.',
      { cause: error },
    );
  }
  endpoints.set(docker, where);
  if (source) endpointSources.set(docker, source);
  return docker;
}

function fromHost(host: string): { docker: Docker; where: string } {
  if (host.startsWith('unix://')) return { docker: new Docker({ socketPath: host.slice('unix://'.length) }), where: host };
  if (host.startsWith('npipe://')) return { docker: new Docker({ socketPath: host.slice('npipe://'.length) }), where: host };
  const url = new URL(host.includes('//') ? host : `tcp://${host}`);
  if (url.protocol === 'ssh:') {
    return {
      docker: new Docker({ protocol: 'ssh', host: url.hostname, port: url.port || 22, username: url.username }),
      where: host,
    };
  }
  const tls = process.env.DOCKER_TLS_VERIFY === '1' || url.port === '2376';
  return {
    docker: new Docker({ protocol: tls ? 'https' : 'http', host: url.hostname, port: url.port || (tls ? 2376 : 2375) }),
    where: host,
  };
}

/** `unix:///var/run/docker.sock`, `tcp://…`: where this client talks to. */
export function dockerEndpoint(docker: Docker): string {
  const known = endpoints.get(docker);
  if (known) return known;
  const modem = docker.modem as unknown as { socketPath?: unknown; host?: unknown; port?: unknown };
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`;
  if (typeof modem.host === 'string') return `tcp://${modem.host}${modem.port ? `:${String(modem.port)}` : ''}`;
  return process.env.DOCKER_HOST ?? 'the default Docker socket';
}

/** How this client's endpoint was chosen: `DOCKER_HOST`, `Docker context "colima" (from …)`, … */
export function dockerEndpointSource(docker: Docker): string | undefined {
  return endpointSources.get(docker);
}

/** The unix socket this client uses, when it uses one. */
export function dockerSocketPath(docker: Docker): string | undefined {
  const modem = docker.modem as unknown as { socketPath?: unknown };
  return typeof modem.socketPath === 'string' ? modem.socketPath : undefined;
}

/**
 * Resolves when the engine answers; otherwise rejects with a `docker-unavailable` BottleError
 * saying where it looked, why it failed and what to do about it.
 */
export async function pingDocker(docker: Docker, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? CLIENT_DEFAULTS.pingTimeoutMs;
  const where = dockerEndpoint(docker);
  const deadline = startDeadline(undefined, timeoutMs, 'pinging Docker', 'docker-unavailable');
  try {
    // dockerode's ping takes options (abortSignal) though its types do not say so.
    const ping = docker.ping.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: deadline.signal });
  } catch (error) {
    const reason = deadline.timedOut ? `no answer within ${timeoutMs} ms` : reasonFor(error);
    throw dockerUnavailable(where, reason, error);
  } finally {
    deadline.dispose();
  }
}

/**
 * Why the engine refuses a new connection now, or undefined when it takes one. A stopping engine
 * closes its listener first and only then stops its containers, while connections already open
 * (dockerode keeps them alive) still get answers: only a new connection tells that it is going.
 * An ssh endpoint is not probed (undefined).
 */
export function engineRefusesConnections(docker: Docker, timeoutMs: number = CLIENT_DEFAULTS.pingTimeoutMs): Promise<string | undefined> {
  const modem = docker.modem as unknown as { socketPath?: unknown; host?: unknown; port?: unknown; protocol?: unknown };
  const target =
    typeof modem.socketPath === 'string'
      ? { path: modem.socketPath }
      : typeof modem.host === 'string' && modem.protocol !== 'ssh'
        ? { host: modem.host, port: Number(modem.port) || (modem.protocol === 'https' ? 2376 : 2375) }
        : undefined;
  if (!target) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = connect(target);
    const done = (reason: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => done(`no connection within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (error) => done(reasonFor(error)));
  });
}

function reasonFor(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such socket (ENOENT)';
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    default:
      return engineMessage(error);
  }
}

export { dockerHint };

/** The variables that shape how the `docker` CLI talks to its engine, passed on to it. */
const CLI_ENV_NAMES = ['DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY'] as const;

/**
 * The environment for a `docker` CLI child process: DOCKER_HOST pinned to `endpoint` (by default
 * resolved from `env` exactly as connectDocker does), so the CLI cannot pick another engine
 * through a context of its own. DOCKER_CONTEXT is left out: DOCKER_HOST already says it all.
 */
export function dockerCliEnv(env: NodeJS.ProcessEnv = process.env, endpoint: DockerEndpoint = resolveDockerEndpoint(env)): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of CLI_ENV_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  picked.DOCKER_HOST = endpoint.host;
  return picked;
}
