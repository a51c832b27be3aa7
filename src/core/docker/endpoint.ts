// Which Docker engine to talk to, decided once and handed to both dockerode and the `docker` CLI,
// so the API calls and the terminals (`docker exec -it`) never reach different engines. The order
// is the docker CLI's own: DOCKER_HOST, else the current context (DOCKER_CONTEXT, else
// `currentContext` in the docker config), else the platform's default socket.
// See docs/operations.md.

import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface DockerEndpoint {
  /** A DOCKER_HOST-style address: `unix:///path`, `tcp://host:port`, `npipe:////./pipe/x`. */
  host: string;
  /** Where it came from, in words, for `doctor` and error messages. */
  source: string;
  /** Whether DOCKER_HOST chose it (docker-modem then also reads DOCKER_TLS_VERIFY / DOCKER_CERT_PATH). */
  fromEnv: boolean;
}

export const ENDPOINT_LIMITS = {
  /** config.json and a context's meta.json are a few hundred bytes; anything bigger is not one. */
  maxFileBytes: 1024 * 1024,
} as const;

export function resolveDockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  if (env.DOCKER_HOST) return { host: env.DOCKER_HOST, source: 'DOCKER_HOST', fromEnv: true };
  const configDir = env.DOCKER_CONFIG || join(homedir(), '.docker');
  const notes: string[] = [];
  let name: string | undefined;
  let nameSource = '';
  if (env.DOCKER_CONTEXT) {
    name = env.DOCKER_CONTEXT;
    nameSource = 'DOCKER_CONTEXT';
  } else {
    const configFile = join(configDir, 'config.json');
    const config = readJsonFile(configFile, notes);
    const current = (config as { currentContext?: unknown } | undefined)?.currentContext;
    if (typeof current === 'string' && current !== '') {
      name = current;
      nameSource = configFile;
    }
  }
  if (name && name !== 'default') {
    // The CLI keeps each context under the sha256 of its name, so the name never becomes a path.
    const metaFile = join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json');
    const meta = readJsonFile(metaFile, notes) as { Endpoints?: { docker?: { Host?: unknown } } } | undefined;
    const host = meta?.Endpoints?.docker?.Host;
    if (typeof host === 'string' && host !== '') {
      return { host, source: `Docker context "${name}" (from ${nameSource})`, fromEnv: false };
    }
    if (meta) notes.push(`${metaFile} has no Endpoints.docker.Host`);
    notes.unshift(`Docker context "${name}" (from ${nameSource}) could not be used`);
  }
  const host = defaultHost();
  return { host, source: ['the platform default', ...notes].join('; '), fromEnv: false };
}

/** Docker Desktop's per-user socket when it exists, else the system one (as docker-modem does). */
function defaultHost(): string {
  if (process.platform === 'win32') return 'npipe:////./pipe/docker_engine';
  const userSocket = join(homedir(), '.docker', 'run', 'docker.sock');
  return `unix://${existsSync(userSocket) ? userSocket : '/var/run/docker.sock'}`;
}

/**
 * A small regular JSON file, or undefined (with a note saying why) when it is absent, not a
 * regular file, too big or not JSON. A missing file is normal and earns no note.
 */
function readJsonFile(file: string, notes: string[]): unknown {
  let fd: number;
  try {
    // Non-blocking open: a FIFO planted in place of the file must not hang us.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') notes.push(`${file} is unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      notes.push(`${file} is not a regular file`);
      return undefined;
    }
    if (stat.size > ENDPOINT_LIMITS.maxFileBytes) {
      notes.push(`${file} is larger than ${ENDPOINT_LIMITS.maxFileBytes} bytes`);
      return undefined;
    }
    const buffer = Buffer.alloc(stat.size);
    const length = readSync(fd, buffer, 0, stat.size, 0);
    try {
      return JSON.parse(buffer.subarray(0, length).toString('utf8')) as unknown;
    } catch {
      notes.push(`${file} is not valid JSON`);
      return undefined;
    }
  } finally {
    closeSync(fd);
  }
}
