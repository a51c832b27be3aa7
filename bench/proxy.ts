import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { parseAllowList } from '../src/core/network/allowList';
import { EgressPolicy } from '../src/core/network/egressPolicy';
import { createEgressProxy } from '../src/proxy/egressProxy';

// The egress proxy's cost, on loopback, against a direct connection in the same run: added latency
// per request (p50/p99) and streaming throughput through a CONNECT tunnel and a forwarded response.

const REQUESTS = Number(process.env.BENCH_PROXY_REQUESTS ?? 400);
const STREAM_BYTES = 256 * 1024 * 1024;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function listen(server: http.Server | net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function get(options: http.RequestOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve(bytes));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function benchProxy(): Promise<Record<string, unknown>> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const upstream = http.createServer((req, res) => {
    if (req.url !== '/stream') return void res.end('ok');
    let sent = 0;
    const pump = (): void => {
      while (sent < STREAM_BYTES) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  const upstreamPort = await listen(upstream);
  const policy = new EgressPolicy({ rules: parseAllowList([`127.0.0.1/32:${upstreamPort}`]), resolve: async () => [] });
  const proxy = createEgressProxy({ policy, log: () => undefined });
  const proxyPort = await listen(proxy);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const target = `http://127.0.0.1:${upstreamPort}`;
  const direct: number[] = [];
  const viaProxy: number[] = [];
  try {
    for (let index = 0; index < REQUESTS; index += 1) {
      let started = performance.now();
      await get({ host: '127.0.0.1', port: upstreamPort, path: '/', agent });
      direct.push(performance.now() - started);
      started = performance.now();
      await get({ host: '127.0.0.1', port: proxyPort, path: `${target}/`, agent });
      viaProxy.push(performance.now() - started);
    }
    let started = performance.now();
    await get({ host: '127.0.0.1', port: upstreamPort, path: '/stream', agent });
    const directMBps = STREAM_BYTES / 1e6 / ((performance.now() - started) / 1000);
    started = performance.now();
    await get({ host: '127.0.0.1', port: proxyPort, path: `${target}/stream`, agent });
    const forwardedMBps = STREAM_BYTES / 1e6 / ((performance.now() - started) / 1000);
    started = performance.now();
    const tunnelled = await throughTunnel(proxyPort, upstreamPort);
    const tunnelMBps = tunnelled / 1e6 / ((performance.now() - started) / 1000);
    return {
      requests: REQUESTS,
      latency: {
        directP50Ms: +percentile(direct, 50).toFixed(3),
        proxyP50Ms: +percentile(viaProxy, 50).toFixed(3),
        addedP50Ms: +(percentile(viaProxy, 50) - percentile(direct, 50)).toFixed(3),
        directP99Ms: +percentile(direct, 99).toFixed(3),
        proxyP99Ms: +percentile(viaProxy, 99).toFixed(3),
        addedP99Ms: +(percentile(viaProxy, 99) - percentile(direct, 99)).toFixed(3),
        target: 'added p50 < 2 ms',
      },
      streaming: { directMBps: Math.round(directMBps), forwardedMBps: Math.round(forwardedMBps), tunnelMBps: Math.round(tunnelMBps), forwardedRatio: +(forwardedMBps / directMBps).toFixed(3) },
    };
  } finally {
    agent.destroy();
    proxy.closeAllConnections();
    upstream.closeAllConnections();
    proxy.close();
    upstream.close();
  }
}

/** A CONNECT tunnel to the upstream and a raw GET of the stream through it; resolves with bytes read. */
function throughTunnel(proxyPort: number, upstreamPort: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, '127.0.0.1', () => socket.write(`CONNECT 127.0.0.1:${upstreamPort} HTTP/1.1\r\n\r\n`));
    let bytes = 0;
    let open = false;
    socket.on('data', (data: Buffer) => {
      if (!open) {
        open = true;
        socket.write('GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        return;
      }
      bytes += data.length;
    });
    socket.on('end', () => resolve(bytes));
    socket.on('error', reject);
  });
}
