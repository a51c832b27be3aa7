import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bootEgress, type BottleEgress, bottleDnsServers, EGRESS_DEFAULTS, egressNames, proxyEnvironment } from '../../../src/core/network/bottleEgress';
import { type BottleNetwork, EGRESS_ENV, makeBottleNetwork } from '../../../src/core/network/egressForBottle';
import { createNetworkHolder, type EgressCheck, type NetworkHolderSetup } from '../../../src/core/network/egressSelfCheck';
import type { EgressLogEntry } from '../../../src/proxy/egressLog';
import { ensureTestEgressImage } from '../../helpers/egressImage';
import { type StandInInternet, startStandInInternet } from '../../helpers/standInInternet';
import { TEST_LABELS, execIn, setUpEngine, tearDownEngine, uniqueName } from '../docker/fixtures';

// A bottle behind its egress proxy, on real Docker, against a stand-in internet: the only way out
// is the proxy, and the proxy lets through exactly what the allow-list names.

let docker: Docker;
let testImage: string;
let egressImage: string;
let internet: StandInInternet;
const disposables: Array<() => Promise<void>> = [];

beforeAll(async () => {
  ({ docker, image: testImage } = await setUpEngine());
  egressImage = await ensureTestEgressImage(docker);
  internet = await startStandInInternet(docker, { image: egressImage, labels: TEST_LABELS, names: { 'private.test': '10.0.0.5', 'metadata.test': '169.254.169.254' } });
}, 20 * 60_000);

afterEach(async () => {
  while (disposables.length > 0) await disposables.pop()?.();
});

afterAll(async () => {
  await internet?.dispose();
  await tearDownEngine(docker);
});

interface TestBottle {
  network: BottleNetwork;
  egress: BottleEgress;
  /** The self-check of the bottle's namespace, run by its holder. */
  verdict: Promise<EgressCheck>;
  container: Docker.Container;
  log: EgressLogEntry[];
  sh(script: string): Promise<{ exitCode: number; output: string }>;
}

async function bottleBehindProxy(allow: string[], credential?: { kind: 'api-key' | 'oauth'; value: string }): Promise<TestBottle> {
  const slug = uniqueName('net').replace(/[^a-z0-9-]/g, '');
  const labels = { ...TEST_LABELS, 'claude-bottle.slug': slug };
  // As a launch makes it: the network, the sidecar waiting for its policy, the holder of the namespace.
  const network = await makeBottleNetwork({ docker, slug, labels, image: egressImage, env: { [EGRESS_ENV.outsideNetwork]: internet.network } });
  const egress = network.booting.configure(
    {
      allow,
      dnsServers: [internet.address],
      anthropic: { upstream: `http://${internet.address}:80`, ...(credential ? { credential } : {}) },
    },
    network.holder.then((holder) => holder.exited),
  );
  disposables.push(async () => {
    await network.dispose();
    await egress.dispose();
  });
  const verdict = network.holder.then((holder) => holder.verdict(egress.running));
  verdict.catch(() => undefined);
  // The proxy boots while a launch goes on; a test that talks to it at once waits for it, as the launcher does.
  await egress.ready;
  const log: EgressLogEntry[] = [];
  egress.onLog((entry) => log.push(entry));
  await network.holder;
  const container = await docker.createContainer({
    name: `claude-bottle-${slug}`,
    Image: testImage,
    User: '1000:1000',
    Entrypoint: ['sleep'],
    Cmd: ['600'],
    Env: Object.entries({ ...proxyEnvironment(egress), ANTHROPIC_BASE_URL: `http://${egress.proxyAddress}:${egress.proxyPort}` }).map(([key, value]) => `${key}=${value}`),
    Labels: labels,
    HostConfig: { NetworkMode: `container:${egress.holderName}`, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Init: true },
  });
  // Disposed last-in first-out: the container goes before its network can.
  disposables.push(async () => void (await container.remove({ force: true }).catch(() => undefined)));
  await container.start();
  return {
    network,
    egress,
    verdict,
    container,
    log,
    sh: async (script) => {
      const result = await execIn(container, ['sh', '-c', `${script} 2>&1`]);
      return { exitCode: result.exitCode, output: result.stdout + result.stderr };
    },
  };
}

/** Another holder on the bottle's network, for a check of its own (`network` and `dns` to make it leaky). */
async function extraHolder(bottle: TestBottle, options: { network?: string; dns?: string[] } = {}): Promise<{ name: string; check(proxyUp?: Promise<void>): Promise<EgressCheck> }> {
  const name = uniqueName('holder').replace(/[^a-z0-9-]/g, '');
  const setup: NetworkHolderSetup = {
    name,
    network: options.network ?? bottle.egress.networkName,
    dns: options.dns ?? bottleDnsServers(bottle.egress),
    image: egressImage,
    egress: bottle.egress,
    targets: { probeName: 'allowed.test', direct: { host: internet.address, port: 80 } },
    labels: TEST_LABELS,
  };
  const holder = await createNetworkHolder(docker, setup);
  disposables.push(() => holder.remove());
  // On another network, the holder joins the bottle's too, so that the proxy itself is reachable.
  if (options.network) await docker.getNetwork(bottle.egress.networkName).connect({ Container: name });
  return { name, check: async (proxyUp) => (await holder.start()).verdict(proxyUp) };
}

/** GET https://host/path from inside the bottle's network namespace, through a CONNECT tunnel. */
async function httpsViaProxy(bottle: TestBottle, host: string, path: string): Promise<string> {
  const script = `
    const http = require('http'); const tls = require('tls');
    const req = http.request({ host: process.env.PROXY_HOST, port: Number(process.env.PROXY_PORT), method: 'CONNECT', path: '${host}:443' });
    req.on('connect', (res, socket) => {
      if (res.statusCode !== 200) { console.log('CONNECT answered ' + res.statusCode); process.exit(1); }
      const secure = tls.connect({ socket, servername: '${host}', ca: process.env.CA });
      secure.on('error', (e) => { console.log('TLS: ' + e.message); process.exit(1); });
      secure.write('GET ${path} HTTP/1.1\\r\\nHost: ${host}\\r\\nConnection: close\\r\\n\\r\\n');
      secure.pipe(process.stdout);
    });
    req.on('error', (e) => { console.log('proxy: ' + e.message); process.exit(1); });
    req.end();`;
  const client = await docker.createContainer({
    Image: egressImage,
    Entrypoint: ['node', '-e', script],
    Env: [`PROXY_HOST=${bottle.egress.proxyAddress}`, `PROXY_PORT=${bottle.egress.proxyPort}`, `CA=${internet.caCert}`],
    Labels: TEST_LABELS,
    HostConfig: { NetworkMode: `container:${(await bottle.container.inspect()).Id}` },
  });
  try {
    await client.start();
    await client.wait();
    return ((await client.logs({ stdout: true, stderr: true })) as unknown as Buffer).toString();
  } finally {
    await client.remove({ force: true });
  }
}

describe('a bottle with an allow-list', () => {
  it('reaches a listed host through the proxy, over HTTP and HTTPS', async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    const plain = await bottle.sh('wget -qO- http://allowed.test/hello');
    expect(plain.output).toContain('stand-in http allowed.test /hello');
    expect(plain.exitCode).toBe(0);
    // HTTPS through a CONNECT tunnel, the certificate checked against the test's CA.
    expect(await httpsViaProxy(bottle, 'allowed.test', '/secure')).toContain('stand-in https allowed.test /secure');
    await expect.poll(() => bottle.log.map((entry) => `${entry.method} ${entry.host}:${entry.port} ${entry.verdict}`)).toEqual(
      expect.arrayContaining(['GET allowed.test:80 allowed', 'CONNECT allowed.test:443 allowed']),
    );
  });

  it('refuses a host that is not listed, a look-alike of a wildcard, a raw address and a spoofed Host', async () => {
    const bottle = await bottleBehindProxy(['*.allowed.test']);
    expect((await bottle.sh('wget -qO- http://api.allowed.test/')).output).toContain('stand-in http api.allowed.test');
    for (const url of ['http://other.test/', 'http://evilallowed.test/', 'http://allowed.test.evil.test/', 'http://allowed.test/', `http://${internet.address}/`]) {
      const result = await bottle.sh(`wget -qO- ${url}`);
      expect(result.exitCode, url).not.toBe(0);
      expect(result.output, url).not.toContain('stand-in');
    }
    const spoofed = await bottle.sh(`wget -qO- --header 'Host: api.allowed.test' http://${internet.address}/`);
    expect(spoofed.output).not.toContain('stand-in');
    await expect.poll(() => bottle.log.filter((entry) => entry.verdict === 'refused').map((entry) => entry.host)).toEqual(
      expect.arrayContaining(['other.test', 'evilallowed.test', 'allowed.test.evil.test', 'allowed.test', internet.address]),
    );
  });

  it('refuses a listed name that resolves to a private or link-local address', async () => {
    const bottle = await bottleBehindProxy(['private.test', 'metadata.test']);
    for (const host of ['private.test', 'metadata.test']) {
      const result = await bottle.sh(`wget -qO- http://${host}/`);
      expect(result.exitCode, host).not.toBe(0);
    }
    await expect.poll(() => bottle.log.filter((entry) => entry.verdict === 'refused').map((entry) => entry.reason ?? '')).toEqual(
      expect.arrayContaining([expect.stringContaining('a private address'), expect.stringContaining('link-local')]),
    );
  });

  it('has no way out but the proxy: no direct connection, no DNS', async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    const direct = await bottle.sh(`timeout 5 wget -qO- -Y off http://${internet.address}/`);
    expect(direct.exitCode).not.toBe(0);
    expect(direct.output).not.toContain('stand-in');
    const raw = await bottle.sh(`echo hi | nc -w 3 ${internet.address} 80`);
    expect(raw.output).not.toContain('stand-in');
    const lookup = await bottle.sh('nslookup allowed.test');
    expect(lookup.output).not.toContain(internet.address);
    const lookupThere = await bottle.sh(`nslookup allowed.test ${internet.address}`);
    expect(lookupThere.output).not.toMatch(new RegExp(`Address.*${internet.address.replaceAll('.', '\\.')}`));
  });

  it("cannot reach this machine's own services, on any of its addresses the bottle could route to", async () => {
    // A service on all of the host's addresses, as a developer's database or dev server often is.
    const server = http.createServer((_request, response) => response.end('host service'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    disposables.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const bottle = await bottleBehindProxy([]);
    const gatewayOf = async (network: string): Promise<string> => ((await docker.getNetwork(network).inspect()) as { IPAM: { Config: { Gateway: string }[] } }).IPAM.Config[0]!.Gateway;
    const targets = [await gatewayOf('bridge'), await gatewayOf(internet.network), await gatewayOf(bottle.egress.networkName)];
    for (const address of targets) {
      const reached = await bottle.sh(`timeout 3 wget -qO- -Y off http://${address}:${port}/`);
      expect(reached.output, address).not.toContain('host service');
      expect(reached.exitCode, address).not.toBe(0);
    }
    // The same service is there for a container that is allowed out (the check above can fail).
    const outside = await docker.createContainer({ Image: testImage, Entrypoint: ['sh', '-c'], Cmd: [`timeout 3 wget -qO- http://${targets[0]}:${port}/`], Labels: TEST_LABELS, HostConfig: { NetworkMode: 'bridge' } });
    disposables.push(async () => void (await outside.remove({ force: true }).catch(() => undefined)));
    await outside.start();
    await outside.wait();
    expect(((await outside.logs({ stdout: true, stderr: true })) as unknown as Buffer).toString()).toContain('host service');
  });

  it("passes the self-check, run by the holder of the bottle's network namespace", async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    const check = await bottle.verdict;
    expect(check.lines.join('\n')).toMatch(/ok {3}direct connection .* fails/);
    expect(check.lines.join('\n')).toMatch(/ok {3}DNS lookup of claude-bottle-self-check.example fails/);
    expect(check.lines.join('\n')).toMatch(/ok {3}egress proxy .* answers/);
    expect(check.ok).toBe(true);
    // The bottle lives in the namespace the check ran in, and the holder keeps it.
    const holder = await docker.getContainer(bottle.egress.holderName).inspect();
    expect((await bottle.container.inspect()).HostConfig.NetworkMode).toBe(`container:${holder.Id}`);
    expect(holder.State.Running).toBe(true);
    expect(Object.keys(holder.NetworkSettings.Networks)).toEqual([bottle.egress.networkName]);
  });

  it('fails the self-check when the namespace could connect out directly or resolve a name, and the holder exits', async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    // A leaky namespace: on an ordinary network where the stand-in internet answers connections and names.
    const leaky = await extraHolder(bottle, { network: internet.network, dns: [internet.address] });
    const check = await leaky.check();
    const text = check.lines.join('\n');
    expect(text).toMatch(/FAIL direct connection to .* WORKS \(connected\)/);
    expect(text).toMatch(new RegExp(`FAIL DNS lookup of allowed.test WORKS \\(resolved ${internet.address.replaceAll('.', '\\.')}\\)`));
    expect(text).toMatch(/ok {3}egress proxy .* answers/);
    expect(check.ok).toBe(false);
    // It exits, taking the namespace's network with it: no bottle could start in it.
    await expect.poll(async () => (await docker.getContainer(leaky.name).inspect()).State.Running).toBe(false);
  });

  it('fails the self-check when the proxy does not answer', async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    await docker.getContainer(bottle.egress.sidecarName).kill();
    await bottle.egress.exited;
    const check = await (await extraHolder(bottle)).check();
    const text = check.lines.join('\n');
    expect(text).toMatch(/ok {3}direct connection .* fails/);
    expect(text).toMatch(/ok {3}DNS lookup of allowed.test fails/);
    expect(text).toMatch(/FAIL egress proxy .* does not answer/);
    expect(check.ok).toBe(false);
  });

  it("runs the proxy check only once told the sidecar's address is up, and fails it when the sidecar did not start", async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    const late = await (await extraHolder(bottle)).check(new Promise((resolve) => setTimeout(resolve, 500)));
    expect(late.ok).toBe(true);
    const notUp = Promise.reject(new Error('the sidecar could not start'));
    notUp.catch(() => undefined);
    const failed = await (await extraHolder(bottle)).check(notUp);
    expect(failed.lines.join('\n')).toMatch(/FAIL egress proxy .* does not answer \(the sidecar did not start\)/);
    expect(failed.ok).toBe(false);
  });

  it('waits as long as a person reads the preflight: the check of the proxy counts from when it is told', async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    const holder = await extraHolder(bottle);
    // Longer than the check gives the proxy to answer: that wait counts from "up", not from the holder's start.
    const told = new Promise<void>((resolve) => setTimeout(resolve, EGRESS_DEFAULTS.readyTimeoutMs + 2_000));
    expect((await holder.check(told)).ok).toBe(true);
  }, 60_000);

  it('swaps the placeholder for the real credential on the way to the API', async () => {
    const bottle = await bottleBehindProxy([], { kind: 'api-key', value: 'sk-ant-api03-the-real-key' });
    const base = `http://${bottle.egress.proxyAddress}:${bottle.egress.proxyPort}`;
    // Directly (origin form), and through the proxy variables (absolute form addressed to the proxy).
    for (const proxyFlag of ['-Y off', '']) {
      const answer = await bottle.sh(`wget -qO- ${proxyFlag} --header 'x-api-key: sk-ant-placeholder' --header 'Authorization: Bearer mine' ${base}/v1/messages`);
      expect(JSON.parse(answer.output), proxyFlag).toEqual({ xApiKey: 'sk-ant-api03-the-real-key', authorization: null });
    }
    const sidecar = await docker.getContainer(bottle.egress.sidecarName).inspect();
    expect(JSON.stringify(sidecar)).not.toContain('the-real-key');
    expect(JSON.stringify(await bottle.container.inspect())).not.toContain('the-real-key');
  });

  it('leaves the bottle with no way out when the proxy dies', async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    await docker.getContainer(bottle.egress.sidecarName).kill();
    await bottle.egress.exited;
    const result = await bottle.sh("timeout 5 wget -qO- http://allowed.test/");
    expect(result.exitCode).not.toBe(0);
    expect(result.output).not.toContain('stand-in');
  });

  it('says so when the holder of its namespace stops: no network at all, and no proxy restart can bring it back', async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    expect((await bottle.verdict).ok).toBe(true);
    const lost = new Promise<string>((resolve) => bottle.egress.onExit(resolve));
    await docker.getContainer(bottle.egress.holderName).kill();
    expect(await lost).toBe('holder');
    const result = await bottle.sh('timeout 5 wget -qO- http://allowed.test/');
    expect(result.exitCode).not.toBe(0);
    expect(result.output).not.toContain('stand-in');
    await expect(bottle.egress.restart()).rejects.toMatchObject({ kind: 'network-failed', message: expect.stringContaining('its network cannot come back') });
  });

  it('removes its network, sidecar and holder when disposed', async () => {
    const bottle = await bottleBehindProxy(['allowed.test']);
    await bottle.container.remove({ force: true });
    await bottle.egress.dispose();
    const names = egressNames(bottle.egress.sidecarName.replace(/^claude-bottle-|-egress$/g, ''));
    await expect(docker.getContainer(names.sidecar).inspect()).rejects.toThrow();
    await expect(docker.getContainer(names.holder).inspect()).rejects.toThrow();
    await expect(docker.getNetwork(names.network).inspect()).rejects.toThrow();
  });

  it('fails closed when the sidecar cannot start', async () => {
    const slug = uniqueName('broken').replace(/[^a-z0-9-]/g, '');
    // It returns once the network exists (the bottle's container is created meanwhile); the sidecar's failure is in `ready`.
    const booting = await bootEgress(docker, { slug, labels: { ...TEST_LABELS, 'claude-bottle.slug': slug }, image: 'claude-bottle-no-such-image:0', outsideNetwork: internet.network });
    const egress = booting.configure({ allow: [] });
    await expect(egress.ready).rejects.toMatchObject({ kind: 'network-failed', message: expect.stringContaining('No such image') });
    await egress.dispose();
    await expect(docker.getNetwork(egressNames(slug).network).inspect()).rejects.toThrow();
  });
});
