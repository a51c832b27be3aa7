// How the Docker engine's failures are recognised and turned into `BottleError`s. dockerode
// reports two kinds of failure: Node socket errors (`code`: ECONNREFUSED, ENOENT, …) when the
// engine cannot be reached, and HTTP errors (`statusCode`, `json.message`) when it answered no.

import { BottleError, type ErrorKind } from '../errors';

/** Socket-level error codes meaning "the engine is not there (or not ours to talk to)". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface DockerishError {
  code?: unknown;
  statusCode?: unknown;
  json?: unknown;
  message?: unknown;
  name?: unknown;
}

function fields(error: unknown): DockerishError {
  return typeof error === 'object' && error !== null ? (error as DockerishError) : {};
}

export function statusCodeOf(error: unknown): number | undefined {
  const { statusCode } = fields(error);
  return typeof statusCode === 'number' ? statusCode : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusCodeOf(error) === 404;
}

export function isUnreachable(error: unknown): boolean {
  const { code } = fields(error);
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

export function isAbortError(error: unknown): boolean {
  const { name, code } = fields(error);
  return name === 'AbortError' || code === 'ABORT_ERR';
}

/** The engine's own words for an HTTP error, without dockerode's `(HTTP code …) … -` prefix. */
export function engineMessage(error: unknown): string {
  const { json, message, code } = fields(error);
  if (typeof json === 'object' && json !== null) {
    const inner = (json as { message?: unknown }).message;
    if (typeof inner === 'string' && inner.trim()) return inner.trim();
  }
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (typeof message === 'string') {
    const text = message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
    if (text) return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
  }
  if (typeof code === 'string') return code;
  return String(error);
}

/** Wraps an unknown failure of a Docker call: unreachable engine, cancel, or `fallback` kind. */
export function toBottleError(error: unknown, fallback: ErrorKind, what: string, where?: string): BottleError {
  if (error instanceof BottleError) return error;
  if (isAbortError(error)) return new BottleError('cancelled', `${what}: cancelled`, undefined, { cause: error });
  if (isUnreachable(error)) return dockerUnavailable(where ?? 'the configured endpoint', engineMessage(error), error);
  return new BottleError(fallback, `${what}: ${engineMessage(error)}`, undefined, { cause: error });
}

export function dockerUnavailable(where: string, reason: string, cause?: unknown): BottleError {
  return new BottleError('docker-unavailable', `Docker is not reachable at ${where}: ${reason}`, dockerHint(), {
    cause,
  });
}

export function dockerHint(platform: NodeJS.Platform = process.platform): string {
  const viaHost = process.env.DOCKER_HOST ? ` (DOCKER_HOST is set to ${process.env.DOCKER_HOST})` : '';
  switch (platform) {
    case 'darwin':
      return `Is Docker running? Start Docker Desktop or \`colima start\`${viaHost}.`;
    case 'win32':
      return `Is Docker running? Start Docker Desktop${viaHost}.`;
    default:
      return (
        'Is Docker running? Start it with `sudo systemctl start docker` or add yourself to the docker group' +
        ` (then log in again)${viaHost}.`
      );
  }
}
