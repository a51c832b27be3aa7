import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import type { CommandTarget } from '../app/bottleService';
import { createDispatcher } from '../app/dispatch';
import type { EventListener } from '../app/events';
import type { Disposable } from '../core/lifecycle/disposable';
import { LIMITS, type WireResponse, WireRequestSchema } from '#contract';
import { contentSecurityPolicy } from '#csp';

// Browser mode (`claude-bottle serve`): the built renderer over HTTP and the contract over a
// WebSocket at /api, for headless hosts. It is a door into Docker, so it is shut tight:
//
//   - it listens on 127.0.0.1 only;
//   - every HTTP request and the WebSocket upgrade must carry a random 32-byte token: the printed
//     URL holds it once (`?token=`), the answer moves it into an HttpOnly, SameSite=Strict cookie
//     and redirects to the same page without it (out of the address bar and the history);
//   - a request or upgrade from another origin (Origin header), or naming another host (Host
//     header, against DNS rebinding), is refused with 403; an upgrade must name our origin;
//   - HTML is served with a strict Content-Security-Policy.

export const SERVER_LIMITS = {
  /** A socket whose client reads slower than this much backlog is dropped: memory stays bounded. */
  maxSocketBacklogBytes: 16 * 1024 * 1024,
  /** Static files are small; anything larger is not ours. */
  maxStaticFileBytes: 32 * 1024 * 1024,
} as const;

/** The service the server exposes: the contract's commands and events, and word when the last viewer leaves. */
export interface ServedService extends CommandTarget {
  onEvent(listener: EventListener): Disposable;
  detachViewers(): void;
}

export interface ServerOptions {
  service: ServedService;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Loopback only: any other value is refused. */
  host?: '127.0.0.1';
  /** The built renderer (`out/renderer`); found next to the build by default. */
  rendererDir?: string;
  /** For tests; otherwise 32 random bytes. */
  token?: string;
}

export interface RunningServer {
  /** The URL to open, with the token. */
  url: string;
  origin: string;
  port: number;
  token: string;
  rendererDir: string | undefined;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? LOOPBACK;
  if (host !== LOOPBACK) throw new Error(`browser mode listens on ${LOOPBACK} only, not ${String(host)}`);
  const token = options.token ?? randomBytes(32).toString('hex');
  if (!TOKEN_PATTERN.test(token)) throw new Error('the token must be 32 bytes as hex');
  const rendererDir = options.rendererDir ?? findRendererDir();
  const dispatch = createDispatcher(options.service);
  const sockets = new Set<WebSocket>();
  // UTF-8 is checked per request below: a bad frame gets an error answer, and the connection (the
  // window's only one) goes on, where the protocol's own check would close it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxWireMessageBytes, skipUTF8Validation: true });

  let origin = '';
  let port = 0;
  const cookieName = (): string => `claude_bottle_token_${port}`;

  const guard = (request: IncomingMessage, { originRequired }: { originRequired: boolean }): { ok: true } | { ok: false; status: number; reason: string } => {
    const hostHeader = request.headers.host;
    // Only our own address: a DNS-rebound name pointing at 127.0.0.1 is refused.
    if (hostHeader !== `${LOOPBACK}:${port}`) return { ok: false, status: 403, reason: 'unexpected Host' };
    const requestOrigin = request.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin) return { ok: false, status: 403, reason: 'foreign Origin' };
    if (originRequired && requestOrigin === undefined) return { ok: false, status: 403, reason: 'missing Origin' };
    return { ok: true };
  };

  const handleHttp = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const checked = guard(request, { originRequired: false });
    if (!checked.ok) return plain(response, checked.status, `${checked.status} ${checked.reason}\n`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, '405 method not allowed\n', { Allow: 'GET, HEAD' });
    const url = new URL(request.url ?? '/', origin);
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null) {
      if (!sameToken(queryToken, token)) return plain(response, 403, '403 wrong token: open the URL `claude-bottle serve` printed\n');
      url.searchParams.delete('token');
      response.writeHead(303, {
        Location: `${url.pathname}${url.search}`,
        'Set-Cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      });
      response.end();
      return;
    }
    if (!sameToken(readCookie(request, cookieName()), token)) return plain(response, 401, '401 a token is required: open the URL `claude-bottle serve` printed\n');
    await serveStatic(response, request.method === 'HEAD', rendererDir, url.pathname, port);
  };

  const server: Server = createServer((request, response) => {
    handleHttp(request, response).catch(() => {
      if (!response.headersSent) plain(response, 500, '500 internal error\n');
      else response.destroy();
    });
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, reason: string): void => {
      socket.on('error', () => socket.destroy());
      socket.once('finish', () => socket.destroy());
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(request.url ?? '/', `http://${LOOPBACK}:${port}`);
    if (url.pathname !== '/api') return refuse(404, 'Not Found');
    const checked = guard(request, { originRequired: true });
    if (!checked.ok) return refuse(checked.status, 'Forbidden');
    const offered = url.searchParams.get('token') ?? readCookie(request, cookieName());
    if (!sameToken(offered, token)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    const send = (message: unknown): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > SERVER_LIMITS.maxSocketBacklogBytes) {
        ws.close(1008, 'client too slow');
        return;
      }
      ws.send(JSON.stringify(message));
    };
    const subscription = options.service.onEvent((event, payload) => send({ event, payload }));
    ws.on('message', (raw, isBinary) => {
      void answer(raw, isBinary).then(send);
    });
    ws.on('close', () => {
      subscription.dispose();
      sockets.delete(ws);
      if (sockets.size === 0) options.service.detachViewers();
    });
    ws.on('error', () => ws.terminate());
  });

  const answer = async (raw: unknown, isBinary: boolean): Promise<WireResponse> => {
    if (isBinary) return wireError(null, 'requests are JSON text frames');
    let text: string;
    try {
      text = STRICT_UTF8.decode(raw as Buffer);
    } catch {
      return wireError(null, 'a request must be UTF-8 text');
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return wireError(null, 'a request must be JSON: { "id", "command", "args" }');
    }
    const parsed = WireRequestSchema.safeParse(message);
    if (!parsed.success) {
      const id = typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id : null;
      const issue = parsed.error.issues[0];
      return wireError(id, `a request is { "id": integer, "command": string, "args": object }: ${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`);
    }
    return { id: parsed.data.id, result: await dispatch({ command: parsed.data.command, args: parsed.data.args }) };
  };

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://${LOOPBACK}:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    rendererDir,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      server.closeAllConnections();
    },
  };
}

/** The Content-Security-Policy of every HTML answer: the app's own scripts, its own WebSocket, nothing else. */
export function browserContentSecurityPolicy(port: number): string {
  return contentSecurityPolicy({ connect: [`ws://${LOOPBACK}:${port}`] });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

async function serveStatic(response: ServerResponse, headOnly: boolean, rendererDir: string | undefined, pathname: string, port: number): Promise<void> {
  if (!rendererDir) return plain(response, 503, '503 the window is not built: run `npm run build` first\n');
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return plain(response, 400, '400 bad path\n');
  }
  if (relative.includes('\0')) return plain(response, 400, '400 bad path\n');
  if (relative.endsWith('/')) relative += 'index.html';
  const root = resolve(rendererDir);
  const file = resolve(root, `.${normalize(`/${relative}`)}`);
  if (file !== root && !file.startsWith(`${root}${sep}`)) return plain(response, 404, '404 not found\n');
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile() || stat.size > SERVER_LIMITS.maxStaticFileBytes) return plain(response, 404, '404 not found\n');
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const isHtml = type.startsWith('text/html');
  const headers: Record<string, string | number> = {
    'Content-Type': type,
    'Content-Length': stat.size,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': isHtml ? 'no-store' : 'no-cache',
  };
  if (isHtml) {
    headers['Content-Security-Policy'] = browserContentSecurityPolicy(port);
    headers['X-Frame-Options'] = 'DENY';
  }
  response.writeHead(200, headers);
  if (headOnly) return void response.end();
  response.end(await fs.readFile(file));
}

function plain(response: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', ...extra });
  response.end(body);
}

function wireError(id: number | null, message: string): WireResponse {
  return { id, result: { ok: false, error: { kind: 'usage', message } } };
}

/** Constant-time comparison; anything that is not a well-formed token fails. */
export function sameToken(offered: string | null | undefined, expected: string): boolean {
  if (typeof offered !== 'string' || !TOKEN_PATTERN.test(offered)) return false;
  return timingSafeEqual(Buffer.from(offered, 'hex'), Buffer.from(expected, 'hex'));
}

function readCookie(request: IncomingMessage, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * `out/renderer` of this build: the bundled CLI lives in `out/main/` (or a chunk below it), a
 * source checkout runs from `src/server/`; walk up until a built renderer shows up (never the
 * unbuilt `src/renderer`).
 */
export function findRendererDir(start: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = start;
  for (;;) {
    const candidates = [join(dir, 'out', 'renderer')];
    if (basename(dir) === 'out') candidates.unshift(join(dir, 'renderer'));
    const found = candidates.find((candidate) => existsSync(join(candidate, 'index.html')));
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
