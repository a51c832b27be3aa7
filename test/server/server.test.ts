import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EventListener } from '../../src/app/events';
import { type RunningServer, type ServedService, findRendererDir, startServer } from '../../src/server/server';

// Browser mode's door: loopback only, a token on everything, other origins refused.

interface FakeService extends ServedService {
  emit: EventListener;
  detached: number;
  listeners: number;
}

function fakeService(): FakeService {
  const listeners = new Set<EventListener>();
  const service: FakeService = {
    detached: 0,
    get listeners() {
      return listeners.size;
    },
    handle: (async (command: string) => {
      if (command === 'bottles.list') return { sessions: [], detached: [], preserved: [], corrupt: [] };
      if (command === 'projects.pickFolder') throw Object.assign(new Error('unsupported'), {});
      return {};
    }) as ServedService['handle'],
    onEvent: (listener) => {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    detachViewers: () => {
      service.detached += 1;
    },
    emit: (event, payload) => listeners.forEach((listener) => listener(event, payload)),
  };
  return service;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(server: RunningServer, path: string, headers: Record<string, string> = {}, host = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host, port: server.port, path, method: 'GET', headers: { Host: `127.0.0.1:${server.port}`, ...headers } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

function connect(server: RunningServer, options: { origin?: string; cookie?: string; query?: string } = {}): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (options.origin !== undefined) headers.Origin = options.origin;
    if (options.cookie !== undefined) headers.Cookie = options.cookie;
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${options.query ?? ''}`, { headers });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', () => resolve({ status: -1 }));
  });
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
}

let server: RunningServer;
let service: FakeService;
let rendererDir: string;
let cookie: string;

beforeAll(async () => {
  rendererDir = fs.mkdtempSync(join(os.tmpdir(), 'cb-renderer-'));
  fs.writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Claude Bottle</title>');
  fs.mkdirSync(join(rendererDir, 'assets'));
  fs.writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  service = fakeService();
  server = await startServer({ service, host: '127.0.0.1', rendererDir });
  cookie = `claude_bottle_token_${server.port}=${server.token}`;
});

afterAll(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

describe('the server', () => {
  it('listens on 127.0.0.1 only, and prints a URL holding a 32-byte token', async () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[0-9a-f]{64}$`));
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((entry) => entry && !entry.internal && entry.family === 'IPv4')
      .map((entry) => entry?.address as string);
    for (const address of [...others, '::1']) {
      await expect(get(server, '/', {}, address)).rejects.toThrow(/ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH/);
    }
    await expect(startServer({ service, host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow(/127\.0\.0\.1 only/);
  });

  it('refuses a request without the token, or with a wrong one', async () => {
    expect((await get(server, '/')).status).toBe(401);
    expect((await get(server, '/assets/app.js')).status).toBe(401);
    expect((await get(server, `/?token=${'0'.repeat(64)}`)).status).toBe(403);
    expect((await get(server, '/?token=short')).status).toBe(403);
    expect((await get(server, '/', { Cookie: `claude_bottle_token_${server.port}=${'f'.repeat(64)}` })).status).toBe(401);
  });

  it('trades the token in the URL for an HttpOnly SameSite=Strict cookie, then serves the page with a strict CSP', async () => {
    const first = await get(server, `/?token=${server.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const setCookie = first.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toContain(`claude_bottle_token_${server.port}=${server.token}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');

    const page = await get(server, '/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Claude Bottle</title>');
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');

    const script = await get(server, '/assets/app.js', { Cookie: cookie });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toContain('text/javascript');
  });

  it('refuses another origin, another Host name, and paths out of the renderer', async () => {
    expect((await get(server, '/', { Cookie: cookie, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(server, '/', { Cookie: cookie, Origin: `http://localhost:${server.port}` })).status).toBe(403);
    expect((await get(server, '/', { Cookie: cookie, Host: `rebound.example:${server.port}` })).status).toBe(403);
    expect((await get(server, '/', { Cookie: cookie, Origin: server.origin })).status).toBe(200);
    expect((await get(server, '/%2e%2e/%2e%2e/etc/passwd', { Cookie: cookie })).status).toBe(404);
    expect((await get(server, '/..%2f..%2fetc%2fpasswd', { Cookie: cookie })).status).toBe(404);
  });

  it('refuses a WebSocket without the token, from another origin, or without an origin', async () => {
    expect((await connect(server, { origin: server.origin })).status).toBe(401);
    expect((await connect(server, { origin: server.origin, query: `?token=${'1'.repeat(64)}` })).status).toBe(401);
    expect((await connect(server, { origin: 'http://evil.example', cookie })).status).toBe(403);
    expect((await connect(server, { cookie })).status).toBe(403);
  });

  it('speaks the contract over the WebSocket, and tells the service when the last viewer leaves', async () => {
    const { ws } = await connect(server, { origin: server.origin, cookie });
    if (!ws) throw new Error('not connected');
    ws.send(JSON.stringify({ id: 1, command: 'bottles.list', args: {} }));
    expect(await nextMessage(ws)).toEqual({ id: 1, result: { ok: true, data: { sessions: [], detached: [], preserved: [], corrupt: [] } } });

    ws.send(JSON.stringify({ id: 2, command: 'bottles.stop', args: { slug: 'nope' } }));
    expect(await nextMessage(ws)).toMatchObject({ id: 2, result: { ok: false, error: { kind: 'usage', message: expect.stringContaining('bottles.stop: args.slug') } } });

    ws.send('not json');
    expect(await nextMessage(ws)).toMatchObject({ id: null, result: { ok: false, error: { kind: 'usage' } } });
    ws.send(JSON.stringify({ id: 'x', command: 'bottles.list' }));
    expect(await nextMessage(ws)).toMatchObject({ id: null, result: { ok: false, error: { kind: 'usage' } } });

    service.emit('bottles.changed', {});
    expect(await nextMessage(ws)).toEqual({ event: 'bottles.changed', payload: {} });

    const before = service.detached;
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(service.detached).toBe(before + 1);
    expect(service.listeners).toBe(0);
  });

  it('closes a socket that sends an oversize frame', async () => {
    const { ws } = await connect(server, { origin: server.origin, cookie });
    if (!ws) throw new Error('not connected');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ id: 1, command: 'terminal.input', args: { slug: 'x', data: 'y'.repeat(2 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
  });
});

describe('finding the built renderer', () => {
  it('finds out/renderer above the module, never the unbuilt src/renderer', () => {
    const base = fs.mkdtempSync(join(os.tmpdir(), 'cb-find-'));
    try {
      fs.mkdirSync(join(base, 'src', 'renderer'), { recursive: true });
      fs.writeFileSync(join(base, 'src', 'renderer', 'index.html'), 'source');
      fs.mkdirSync(join(base, 'src', 'server'), { recursive: true });
      expect(findRendererDir(join(base, 'src', 'server'))).toBeUndefined();
      fs.mkdirSync(join(base, 'out', 'renderer'), { recursive: true });
      fs.mkdirSync(join(base, 'out', 'main', 'chunks'), { recursive: true });
      fs.writeFileSync(join(base, 'out', 'renderer', 'index.html'), 'built');
      expect(findRendererDir(join(base, 'src', 'server'))).toBe(join(base, 'out', 'renderer'));
      expect(findRendererDir(join(base, 'out', 'main', 'chunks'))).toBe(join(base, 'out', 'renderer'));
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
