import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { caresResolve, RESOLVER_LIMITS } from '../../src/proxy/resolver';

// The proxy's resolver gives up on a DNS server that never answers: a hanging lookup is refused
// in seconds instead of holding the request (and, with getaddrinfo, the thread pool).

const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

/** A DNS server on loopback that reads every query and answers none. */
function silentDnsServer(): Promise<string> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    sockets.push(socket);
    socket.on('message', () => undefined);
    socket.bind(0, '127.0.0.1', () => resolve(`127.0.0.1:${socket.address().port}`));
  });
}

describe("the proxy's resolver", () => {
  it('refuses a name whose DNS server never answers, within its time limit', async () => {
    const resolve = caresResolve([await silentDnsServer()]);
    const started = Date.now();
    await expect(resolve('hangs.example')).rejects.toThrow(/timed out/);
    // c-ares alone would retry for twenty seconds and more.
    expect(Date.now() - started).toBeLessThan(RESOLVER_LIMITS.totalTimeoutMs + 2_000);
  });
});
