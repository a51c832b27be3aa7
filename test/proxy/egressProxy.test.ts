import http, { type IncomingMessage, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/core/network/allowList';
import { EgressPolicy, type Resolve } from '../../src/core/network/egressPolicy';
import type { EgressLogEntry } from '../../src/proxy/egressLog';
import { createEgressProxy, type AnthropicEndpoint } from '../../src/proxy/egressProxy';

// The egress proxy on loopback, with stand-in upstreams and a stand-in resolver: what it lets
// through, what it refuses, and how it swaps the Anthropic credential. Loopback is a forbidden
// range for the proxy, so tests that must reach their own upstream list 127.0.0.1 explicitly.

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

function listen(server: Server | net.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    closers.push(
      () =>
        new Promise((done) => {
          (server as Server).closeAllConnections?.();
          server.close(() => done());
        }),
    );
  });
}

/** A port free on loopback right now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An upstream HTTP server that records what reached it. */
async function upstream(handler?: (req: IncomingMessage, res: http.ServerResponse) => void): Promise<{ port: number; seen: Recorded[] }> {
  const seen: Recorded[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (handler) handler(req, res);
      else res.end(`hello from upstream ${req.url}`);
    });
  });
  return { port: await listen(server), seen };
}

interface ProxyUnderTest {
  port: number;
  log: EgressLogEntry[];
  lookups: string[];
}

/** A stand-in resolver that answers from `names` and records what it was asked. */
function standInResolve(names: Record<string, string[]>, lookups: string[]): Resolve {
  return async (name) => {
    lookups.push(name);
    const addresses = names[name];
    if (!addresses) throw new Error('no such name');
    return addresses;
  };
}

async function startProxy(allow: string[], names: Record<string, string[]>, anthropic?: AnthropicEndpoint, more: { connectTimeoutMs?: number } = {}): Promise<ProxyUnderTest> {
  const log: EgressLogEntry[] = [];
  const lookups: string[] = [];
  const resolve = standInResolve(names, lookups);
  const server = createEgressProxy({ policy: new EgressPolicy({ rules: parseAllowList(allow), resolve }), log: (entry) => log.push(entry), ...(anthropic ? { anthropic } : {}), ...more });
  return { port: await listen(server), log, lookups };
}

/** A plain-HTTP request through the proxy, as curl with http_proxy sends it (absolute URI). */
function viaProxy(proxyPort: number, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'GET', path: url, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A CONNECT through the proxy: the status line it answers, and the open socket when it is 200. */
function connectVia(proxyPort: number, authority: string): Promise<{ status: number; socket: net.Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, '127.0.0.1', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`));
    let text = '';
    socket.on('error', reject);
    socket.on('data', function onData(chunk: Buffer) {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      resolve({ status: Number(text.split(' ')[1]), socket, head: text.slice(0, end) });
    });
    closers.push(async () => void socket.destroy());
  });
}

describe('the egress proxy', () => {
  it('forwards plain HTTP to a listed host, to the address it resolved', async () => {
    const site = await upstream();
    const proxy = await startProxy(['allowed.test:' + site.port, '127.0.0.1/32:' + site.port], { 'allowed.test': ['127.0.0.1'] });
    const answer = await viaProxy(proxy.port, `http://allowed.test:${site.port}/page?x=1`);
    expect(answer).toEqual({ status: 200, body: 'hello from upstream /page?x=1' });
    expect(site.seen[0]?.headers.host).toBe(`allowed.test:${site.port}`);
    expect(proxy.log).toContainEqual(expect.objectContaining({ method: 'GET', host: 'allowed.test', verdict: 'allowed', status: 200 }));
  });

  it('refuses a host that is not listed at once, without looking it up', async () => {
    const proxy = await startProxy(['allowed.test'], {});
    const answer = await viaProxy(proxy.port, 'http://elsewhere.test/');
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('elsewhere.test:80 is not on the allow-list');
    expect(proxy.lookups).toEqual([]);
    expect(proxy.log).toContainEqual(expect.objectContaining({ host: 'elsewhere.test', port: 80, verdict: 'refused' }));
  });

  it('matches *.example.com to subdomains only, never to look-alikes', async () => {
    const proxy = await startProxy(['*.example.com'], {});
    for (const host of ['example.com', 'evilexample.com', 'example.com.evil.net', 'xexample.com']) {
      const tunnel = await connectVia(proxy.port, `${host}:443`);
      expect(tunnel.status, host).toBe(403);
    }
    expect(proxy.lookups).toEqual([]);
    // A real subdomain is looked up (and here fails: the stand-in resolver knows no names).
    const sub = await connectVia(proxy.port, 'api.example.com:443');
    expect(sub.status).toBe(403);
    expect(proxy.lookups).toEqual(['api.example.com']);
  });

  it('normalises names before matching: case, a trailing dot, international names', async () => {
    const site = await upstream();
    const rules = [`bücher.test:${site.port}`, `127.0.0.1/32:${site.port}`];
    const proxy = await startProxy(rules, { 'xn--bcher-kva.test': ['127.0.0.1'] });
    const tunnel = await connectVia(proxy.port, `XN--BCHER-KVA.TEST.:${site.port}`);
    expect(tunnel.status).toBe(200);
  });

  it('refuses a raw address, and an address dressed with an allowed Host header', async () => {
    const site = await upstream();
    const proxy = await startProxy([`allowed.test:${site.port}`], { 'allowed.test': ['127.0.0.1'] });
    expect((await viaProxy(proxy.port, `http://127.0.0.1:${site.port}/`)).status).toBe(403);
    expect((await viaProxy(proxy.port, `http://127.0.0.1:${site.port}/`, { host: 'allowed.test' })).status).toBe(403);
    expect((await connectVia(proxy.port, `127.0.0.1:${site.port}`)).status).toBe(403);
    expect((await connectVia(proxy.port, `[::ffff:127.0.0.1]:${site.port}`)).status).toBe(403);
    expect(site.seen).toEqual([]);
  });

  it('refuses a listed name that resolves to a private, loopback or link-local address', async () => {
    const proxy = await startProxy(['inside.test', 'meta.test', 'loop.test', 'v6.test'], {
      'inside.test': ['10.1.2.3'],
      'meta.test': ['169.254.169.254'],
      'loop.test': ['127.0.0.1'],
      'v6.test': ['fd00::1'],
    });
    for (const [host, why] of [
      ['inside.test', 'a private address'],
      ['meta.test', 'link-local'],
      ['loop.test', 'a loopback address'],
      ['v6.test', 'unique local'],
    ] as const) {
      const tunnel = await connectVia(proxy.port, `${host}:443`);
      expect(tunnel.status, host).toBe(403);
      expect(proxy.log.at(-1)?.reason, host).toContain(why);
    }
  });

  it('lets a listed range reach a private address it covers', async () => {
    const echo = net.createServer((socket) => socket.pipe(socket));
    const port = await listen(echo);
    const proxy = await startProxy([`db.test:${port}`, `127.0.0.0/8:${port}`], { 'db.test': ['127.0.0.1'] });
    const tunnel = await connectVia(proxy.port, `db.test:${port}`);
    expect(tunnel.status).toBe(200);
    const echoed = new Promise<string>((resolve) => tunnel.socket.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    tunnel.socket.write('ping');
    expect(await echoed).toBe('ping');
  });

  it('only allows ports 80 and 443 for a rule without a port', async () => {
    const proxy = await startProxy(['allowed.test'], {});
    expect((await connectVia(proxy.port, 'allowed.test:22')).status).toBe(403);
    expect(proxy.lookups).toEqual([]);
  });

  it('drops a client that does not speak HTTP (a SOCKS greeting)', async () => {
    const proxy = await startProxy(['allowed.test'], {});
    const socket = net.connect(proxy.port, '127.0.0.1');
    closers.push(async () => void socket.destroy());
    const closed = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
    });
    socket.write(Buffer.from([0x05, 0x01, 0x00]));
    socket.end();
    expect(await closed).not.toContain('200');
    await expect.poll(() => proxy.log.some((entry) => entry.verdict === 'refused' && entry.method === '-')).toBe(true);
  });
});

describe('the egress proxy and a slow upstream', () => {
  const answerLate = (_req: IncomingMessage, res: http.ServerResponse): void => void setTimeout(() => res.end('thought about it'), 800);

  it('waits for an answer longer than its connect timeout: only connecting is bounded by it', async () => {
    const site = await upstream(answerLate);
    const proxy = await startProxy(['allowed.test:' + site.port, '127.0.0.1/32:' + site.port], { 'allowed.test': ['127.0.0.1'] }, undefined, { connectTimeoutMs: 200 });
    expect(await viaProxy(proxy.port, `http://allowed.test:${site.port}/`)).toEqual({ status: 200, body: 'thought about it' });
  });

  it("waits for Claude's API to think longer than the connect timeout", async () => {
    const api = await upstream(answerLate);
    const proxy = await startProxy([], {}, { upstream: new URL(`http://127.0.0.1:${api.port}`) }, { connectTimeoutMs: 200 });
    expect(await viaProxyOrigin(proxy.port, '/v1/messages', {})).toBe(200);
  });
});

describe('the Anthropic endpoint', () => {
  it("is reached by a CONNECT only when the allow-list lists the API's host", async () => {
    const names = { 'api.anthropic.com': ['160.79.104.10'] };
    const closed = await startProxy(['allowed.test'], names);
    const refused = await connectVia(closed.port, 'api.anthropic.com:443');
    expect(refused.status).toBe(403);
    expect(closed.log).toContainEqual(expect.objectContaining({ method: 'CONNECT', host: 'api.anthropic.com', verdict: 'refused' }));
  });

  it("resolves the upstream's name with the proxy's own resolver, not getaddrinfo", async () => {
    const api = await upstream();
    const lookups: string[] = [];
    // A name only the stand-in resolver knows: getaddrinfo would not find it.
    const resolve = standInResolve({ 'api.stand-in.invalid': ['127.0.0.1'] }, lookups);
    const proxy = await startProxy([], {}, { upstream: new URL(`http://api.stand-in.invalid:${api.port}`), resolve });
    expect(await viaProxyOrigin(proxy.port, '/v1/models', {})).toBe(200);
    expect(lookups).toEqual(['api.stand-in.invalid']);
    expect(api.seen[0]?.headers.host).toBe(`api.stand-in.invalid:${api.port}`);
  });

  it('replaces whatever credential the client sent with the real one', async () => {
    const api = await upstream((_req, res) => res.end('{"ok":true}'));
    const proxy = await startProxy([], {}, { upstream: new URL(`http://127.0.0.1:${api.port}`), credential: { kind: 'api-key', value: 'sk-ant-real-key' } });
    const answer = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: proxy.port, method: 'POST', path: '/v1/messages', headers: { 'x-api-key': 'sk-ant-placeholder', authorization: 'Bearer attacker-token', 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end('{"model":"claude"}');
    });
    expect(answer).toBe(200);
    expect(api.seen[0]).toMatchObject({ method: 'POST', url: '/v1/messages', body: '{"model":"claude"}' });
    expect(api.seen[0]?.headers['x-api-key']).toBe('sk-ant-real-key');
    expect(api.seen[0]?.headers.authorization).toBeUndefined();
    expect(JSON.stringify(proxy.log)).not.toContain('sk-ant-real-key');
  });

  it('takes an absolute-form request to the proxy itself (a client that honours HTTP_PROXY for the base URL) as the API', async () => {
    const api = await upstream();
    const log: EgressLogEntry[] = [];
    // The sidecar knows its own address from its configuration: here, a port picked first.
    const port = await freePort();
    const server = createEgressProxy({
      policy: new EgressPolicy({ rules: [], resolve: standInResolve({}, []) }),
      log: (logged) => log.push(logged),
      anthropic: { upstream: new URL(`http://127.0.0.1:${api.port}`), credential: { kind: 'api-key', value: 'sk-ant-real-key' } },
      selfAuthorities: [`127.0.0.1:${port}`],
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    closers.push(() => new Promise((done) => server.close(() => done())));
    const answer = await viaProxy(port, `http://127.0.0.1:${port}/v1/models`, { 'x-api-key': 'placeholder' });
    expect(answer.status).toBe(200);
    expect(api.seen[0]?.url).toBe('/v1/models');
    expect(api.seen[0]?.headers['x-api-key']).toBe('sk-ant-real-key');
    expect(log).toContainEqual(expect.objectContaining({ anthropic: true, verdict: 'allowed' }));
  });

  it('sends an OAuth token as a bearer credential', async () => {
    const api = await upstream();
    const proxy = await startProxy([], {}, { upstream: new URL(`http://127.0.0.1:${api.port}`), credential: { kind: 'oauth', value: 'sk-ant-oat-real' } });
    await viaProxyOrigin(proxy.port, '/v1/models', { authorization: 'Bearer placeholder' });
    expect(api.seen[0]?.headers.authorization).toBe('Bearer sk-ant-oat-real');
    expect(api.seen[0]?.headers['x-api-key']).toBeUndefined();
  });

  it('streams server-sent events through one by one, unbuffered', async () => {
    let sendSecond: () => void = () => {};
    const api = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message_start\ndata: {}\n\n');
      sendSecond = () => res.end('event: message_stop\ndata: {}\n\n');
    });
    const proxy = await startProxy([], {}, { upstream: new URL(`http://127.0.0.1:${api.port}`) });
    const chunks: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'POST', path: '/v1/messages' }, (res) => {
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk.toString());
          // The first event arrived while the upstream still holds the second: nothing buffered it.
          if (chunks.length === 1) sendSecond();
        });
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(chunks[0]).toContain('message_start');
    expect(chunks.join('')).toContain('message_stop');
  });
});

function viaProxyOrigin(proxyPort: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'GET', path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}
