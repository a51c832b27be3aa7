import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EgressDecision, EgressPolicy, Resolve } from '../core/network/egressPolicy';
import type { EgressLogEntry } from './egressLog';

// The egress proxy that runs in a bottle's sidecar: the bottle's only way out. It serves
//   - CONNECT host:port            → a TCP tunnel, if the allow-list admits host:port (HTTPS);
//   - GET http://host/path         → the request forwarded, if admitted (plain HTTP);
//   - POST /v1/messages (origin-form, i.e. ANTHROPIC_BASE_URL pointing here)
//                                  → the Anthropic API over TLS, with whatever credential the
//                                    client sent replaced by the user's real one.
// Everything else is refused at once (a slow refusal delays Claude's start by seconds), and every
// request, allowed or refused, is one log entry. See docs/network.md.

export interface AnthropicCredential {
  kind: 'api-key' | 'oauth';
  value: string;
}

export interface AnthropicEndpoint {
  /** Where Claude's API requests go: https://api.anthropic.com, or a stand-in in tests. */
  upstream: URL;
  /** The user's real credential; without one, requests go out with no credential at all. */
  credential?: AnthropicCredential;
  /**
   * Resolves the upstream's name (the proxy's own c-ares resolver, with its timeout and servers);
   * without it, getaddrinfo does, in libuv's thread pool.
   */
  resolve?: Resolve;
}

export interface EgressProxyOptions {
  policy: EgressPolicy;
  anthropic?: AnthropicEndpoint;
  log: (entry: EgressLogEntry) => void;
  /** Tunnels and upstream requests that cannot connect within this are refused. */
  connectTimeoutMs?: number;
  /**
   * `host:port` forms of the proxy's own address. Clients that honour HTTP_PROXY also for
   * ANTHROPIC_BASE_URL send `POST http://<proxy>/v1/messages` in absolute form: that is the
   * Anthropic endpoint too.
   */
  selfAuthorities?: readonly string[];
}

export const PROXY_LIMITS = {
  connectTimeoutMs: 10_000,
  /**
   * Once connected, an upstream may stay silent this long before the exchange is dropped: Claude's
   * API can think for minutes before a non-streamed answer (its own clients wait ten).
   */
  idleTimeoutMs: 10 * 60_000,
  /** Request headers beyond this are refused by Node's parser (431). */
  maxHeaderBytes: 32 * 1024,
  /** A client that sends no complete request line and headers in this time is dropped. */
  headersTimeoutMs: 20_000,
} as const;

/** Headers that belong to one hop and never cross the proxy (RFC 9110 section 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** Credentials the client may send to the Anthropic endpoint; all are dropped before the real one goes in. */
const CLIENT_CREDENTIALS = ['x-api-key', 'authorization', 'cookie'];

export function createEgressProxy(options: EgressProxyOptions): http.Server {
  const connectTimeoutMs = options.connectTimeoutMs ?? PROXY_LIMITS.connectTimeoutMs;
  const server = http.createServer({ maxHeaderSize: PROXY_LIMITS.maxHeaderBytes, headersTimeout: PROXY_LIMITS.headersTimeoutMs, requestTimeout: 0 });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    if (url.startsWith('/')) return forwardToAnthropic(options, req, res, connectTimeoutMs, url);
    const self = selfPath(url, options.selfAuthorities ?? []);
    if (self !== undefined) return forwardToAnthropic(options, req, res, connectTimeoutMs, self);
    if (/^http:\/\//i.test(url)) return void forwardPlainHttp(options, req, res, connectTimeoutMs);
    refuseRequest(options, req, res, 400, hostOf(url), 0, 'only http:// URLs and CONNECT go through this proxy');
  });

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    void openTunnel(options, req, client as Socket, head, connectTimeoutMs);
  });

  server.on('upgrade', (req: IncomingMessage, client: Duplex) => {
    options.log(entry(req.method ?? 'UPGRADE', hostOf(req.url ?? ''), 0, 'refused', 'protocol upgrades over plain HTTP are not proxied'));
    client.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  // Not HTTP at all (SOCKS, raw TCP): logged and dropped.
  server.on('clientError', (error: Error, socket: Duplex) => {
    options.log(entry('-', '-', 0, 'refused', `not an HTTP proxy request (${(error as NodeJS.ErrnoException).code ?? error.message})`));
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

async function openTunnel(options: EgressProxyOptions, req: IncomingMessage, client: Socket, head: Buffer, timeoutMs: number): Promise<void> {
  const started = Date.now();
  client.on('error', () => client.destroy());
  const target = splitAuthority(req.url ?? '');
  if (!target) {
    options.log(entry('CONNECT', (req.url ?? '').slice(0, 255), 0, 'refused', 'CONNECT needs host:port'));
    client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const decision = await options.policy.decide(target.host, target.port);
  if (!decision.allowed) {
    options.log(entry('CONNECT', decision.host, decision.port, 'refused', decision.reason));
    client.end(refusalResponse(decision));
    return;
  }
  const upstream = net.connect({ host: decision.address, port: decision.port, timeout: timeoutMs });
  let bytesUp = head.length;
  let bytesDown = 0;
  let opened = false;
  const finish = once(() => {
    options.log({ ...entry('CONNECT', decision.host, decision.port, opened ? 'allowed' : 'failed', opened ? undefined : 'the host did not answer'), address: decision.address, bytesUp, bytesDown, durationMs: Date.now() - started });
  });
  upstream.once('timeout', () => upstream.destroy(new Error('timed out')));
  upstream.once('connect', () => {
    opened = true;
    upstream.setTimeout(0);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.on('data', (chunk: Buffer) => (bytesDown += chunk.length));
    client.on('data', (chunk: Buffer) => (bytesUp += chunk.length));
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once('error', () => {
    if (!opened && client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else client.destroy();
  });
  upstream.once('close', () => {
    client.destroy();
    finish();
  });
  client.once('close', () => {
    upstream.destroy();
    finish();
  });
}

async function forwardPlainHttp(options: EgressProxyOptions, req: IncomingMessage, res: ServerResponse, timeoutMs: number): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '');
  } catch {
    refuseRequest(options, req, res, 400, hostOf(req.url ?? ''), 0, 'not a valid URL');
    return;
  }
  const port = url.port === '' ? 80 : Number(url.port);
  const decision = await options.policy.decide(url.hostname, port);
  if (!decision.allowed) {
    refuseRequest(options, req, res, 403, decision.host, port, decision.reason);
    return;
  }
  // The URL decides where the request goes; a Host header that says otherwise is replaced, so an
  // allowed address cannot be used to reach another name's virtual host.
  const headers = forwardedHeaders(req.headers);
  headers.host = url.host;
  relay(options, req, res, {
    method: req.method ?? 'GET',
    host: decision.host,
    port,
    path: url.pathname,
    request: (onResponse) => http.request({ host: decision.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers, timeout: timeoutMs, setHost: false }, onResponse),
  });
}

/** The path of an absolute-form URL addressed to the proxy itself, else undefined. */
function selfPath(url: string, selves: readonly string[]): string | undefined {
  if (selves.length === 0 || !/^http:\/\//i.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    const authority = `${parsed.hostname.replace(/^\[|\]$/g, '')}:${parsed.port === '' ? 80 : parsed.port}`;
    return selves.includes(authority) ? `${parsed.pathname}${parsed.search}` : undefined;
  } catch {
    return undefined;
  }
}

function forwardToAnthropic(options: EgressProxyOptions, req: IncomingMessage, res: ServerResponse, timeoutMs: number, path: string): void {
  const anthropic = options.anthropic;
  if (!anthropic) {
    refuseRequest(options, req, res, 403, 'anthropic-api', 0, 'this bottle has no Anthropic endpoint');
    return;
  }
  const upstream = anthropic.upstream;
  const headers = forwardedHeaders(req.headers);
  for (const name of CLIENT_CREDENTIALS) delete headers[name];
  if (anthropic.credential?.kind === 'api-key') headers['x-api-key'] = anthropic.credential.value;
  if (anthropic.credential?.kind === 'oauth') headers.authorization = `Bearer ${anthropic.credential.value}`;
  headers.host = upstream.host;
  const secure = upstream.protocol === 'https:';
  const port = upstream.port === '' ? (secure ? 443 : 80) : Number(upstream.port);
  const basePath = upstream.pathname.replace(/\/$/, '');
  const requestOptions = {
    host: upstream.hostname,
    port,
    method: req.method,
    path: `${basePath}${path}`,
    headers,
    timeout: timeoutMs,
    setHost: false,
    servername: upstream.hostname,
    ...(anthropic.resolve ? { lookup: lookupWith(anthropic.resolve) } : {}),
  };
  relay(options, req, res, {
    method: req.method ?? 'POST',
    host: upstream.hostname,
    port,
    anthropic: true,
    path,
    request: (onResponse) => (secure ? https.request(requestOptions, onResponse) : http.request(requestOptions, onResponse)),
  });
}

/** A `lookup` for http(s).request that asks `resolve` instead of getaddrinfo. */
function lookupWith(resolve: Resolve): net.LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const found = addresses.map((address) => ({ address, family: net.isIP(address) }));
        if (found.length === 0) callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }), '', 0);
        else if (options.all) (callback as unknown as (error: null, all: typeof found) => void)(null, found);
        else callback(null, found[0]?.address ?? '', found[0]?.family ?? 4);
      },
      (error: Error) => callback(Object.assign(new Error(`${hostname}: ${error.message}`), { code: 'ENOTFOUND' }), '', 0),
    );
  };
}

interface RelayTarget {
  method: string;
  path?: string;
  host: string;
  port: number;
  anthropic?: boolean;
  request: (onResponse: (response: IncomingMessage) => void) => http.ClientRequest;
}

/** Streams a request through and its response back, chunk by chunk (server-sent events included). */
function relay(options: EgressProxyOptions, req: IncomingMessage, res: ServerResponse, target: RelayTarget): void {
  const started = Date.now();
  let bytesUp = 0;
  let bytesDown = 0;
  let status: number | undefined;
  const finish = once((failure?: string) => {
    options.log({
      ...entry(target.method, target.host, target.port, failure ? 'failed' : 'allowed', failure),
      ...(target.anthropic ? { anthropic: true } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(target.path !== undefined ? { path: target.path.slice(0, 200) } : {}),
      bytesUp,
      bytesDown,
      durationMs: Date.now() - started,
    });
  });
  const outgoing = target.request((response) => {
    status = response.statusCode ?? 502;
    res.writeHead(status, forwardedHeaders(response.headers));
    res.flushHeaders();
    // pipe() keeps backpressure: a slow client slows the upstream instead of filling memory.
    response.on('data', (chunk: Buffer) => (bytesDown += chunk.length));
    response.pipe(res);
    response.once('end', () => finish());
    response.once('error', () => {
      res.destroy();
      finish('the response broke off');
    });
  });
  outgoing.once('socket', (socket: Socket) => {
    socket.setNoDelay(true);
    // The request's timeout bounds the connection; after that only a long silence ends it.
    const connected = (): void => void outgoing.setTimeout(PROXY_LIMITS.idleTimeoutMs);
    if (socket.connecting) socket.once('connect', connected);
    else connected();
  });
  outgoing.once('timeout', () => outgoing.destroy(new Error('timed out')));
  outgoing.once('error', (error) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`claude-bottle egress proxy: ${target.host} did not answer (${error.message})\n`);
    } else {
      res.destroy();
    }
    finish(`${target.host} did not answer (${error.message})`);
  });
  req.on('data', (chunk: Buffer) => (bytesUp += chunk.length));
  req.pipe(outgoing);
  res.once('close', () => {
    if (!res.writableFinished) outgoing.destroy();
  });
}

function refuseRequest(options: EgressProxyOptions, req: IncomingMessage, res: ServerResponse, code: number, host: string, port: number, reason: string): void {
  options.log(entry(req.method ?? '-', host, port, 'refused', reason));
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', 'x-claude-bottle-refused': '1' });
  res.end(`claude-bottle egress proxy refused ${host}${port ? `:${port}` : ''}: ${reason}\n`);
  req.resume();
}

function refusalResponse(decision: Extract<EgressDecision, { allowed: false }>): string {
  const body = `claude-bottle egress proxy refused ${decision.host}:${decision.port}: ${decision.reason}\n`;
  return `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nX-Claude-Bottle-Refused: 1\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** `host:port` of a CONNECT (IPv6 in brackets), or undefined when it is not one. */
export function splitAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || url.slice(0, 255);
  } catch {
    return url.slice(0, 255);
  }
}

function entry(method: string, host: string, port: number, verdict: EgressLogEntry['verdict'], reason?: string): EgressLogEntry {
  return { time: new Date().toISOString(), method, host, port, verdict, ...(reason ? { reason } : {}), bytesUp: 0, bytesDown: 0 };
}

function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let done = false;
  return (...args) => {
    if (done) return;
    done = true;
    fn(...args);
  };
}
