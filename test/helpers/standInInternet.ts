import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';

// A stand-in "internet" for network tests, hermetic: a Docker network of its own in 198.18.0.0/15
// (a benchmarking range: not private, so the egress proxy treats it as public, and it exists only
// on this machine's bridge) with one server answering HTTP, HTTPS (a certificate from a CA the
// test makes) and DNS for a few made-up names. Nothing here reaches an outside address.

const SERVER_SCRIPT_DIR = fileURLToPath(new URL('../fixtures/stand-in-internet/', import.meta.url));

export interface StandInInternet {
  network: string;
  /** The server's address: HTTP on 80, HTTPS on 443, DNS on 53/udp. */
  address: string;
  /** The PEM of the CA that signed the server's certificate. */
  caCert: string;
  dispose(): Promise<void>;
}

export interface StandInOptions {
  image: string;
  labels: Record<string, string>;
  /** The third byte of 198.18.X.0/24: tests that run one after another may share it. */
  subnetByte?: number;
  /** Extra names the DNS answers (name → IPv4); the server's own names always resolve to it. */
  names?: Record<string, string>;
}

export const STAND_IN_NAMES = ['allowed.test', 'api.allowed.test', 'other.test', 'evilallowed.test', 'allowed.test.evil.test'];

export async function startStandInInternet(docker: Docker, options: StandInOptions): Promise<StandInInternet> {
  const byte = options.subnetByte ?? 77;
  const subnet = `198.18.${byte}.0/24`;
  const address = `198.18.${byte}.10`;
  const name = `cb-test-internet-${randomBytes(3).toString('hex')}`;
  const certs = makeCertificates(STAND_IN_NAMES);
  const names: Record<string, string> = { ...Object.fromEntries(STAND_IN_NAMES.map((host) => [host, address])), ...options.names };
  // A network left by a killed run would hold this subnet: remove that one (and only that one).
  const stale = (await docker.listNetworks({ filters: { label: ['claude-bottle.stand-in-internet'] } })).filter((network) => network.IPAM?.Config?.some((config) => config.Subnet === subnet));
  for (const network of stale) {
    for (const container of Object.keys((await docker.getNetwork(network.Id).inspect()).Containers ?? {})) {
      await docker.getContainer(container).remove({ force: true }).catch(() => undefined);
    }
    await docker.getNetwork(network.Id).remove().catch(() => undefined);
  }
  await docker.createNetwork({ Name: name, Driver: 'bridge', IPAM: { Config: [{ Subnet: subnet }] }, Labels: { ...options.labels, 'claude-bottle.stand-in-internet': '1' } });
  const server = await docker.createContainer({
    Image: options.image,
    Entrypoint: ['node', '/stand-in/server.cjs'],
    User: '0',
    Env: [`NAMES=${JSON.stringify(names)}`],
    Labels: options.labels,
    HostConfig: {
      NetworkMode: name,
      Mounts: [
        { Type: 'bind', Source: SERVER_SCRIPT_DIR, Target: '/stand-in', ReadOnly: true },
        { Type: 'bind', Source: certs.dir, Target: '/certs', ReadOnly: true },
      ],
    },
    NetworkingConfig: { EndpointsConfig: { [name]: { IPAMConfig: { IPv4Address: address } } } },
  });
  await server.start();
  await waitForLog(server, 'stand-in internet ready');
  return {
    network: name,
    address,
    caCert: certs.caCert,
    dispose: async () => {
      await server.remove({ force: true }).catch(() => undefined);
      await docker.getNetwork(name).remove().catch(() => undefined);
      fs.rmSync(certs.dir, { recursive: true, force: true });
    },
  };
}

/** A CA and a server certificate for `hosts`, made with openssl in a temporary folder. */
function makeCertificates(hosts: string[]): { dir: string; caCert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-stand-in-certs-'));
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=claude-bottle test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${hosts[0]}`, '-keyout', 'server.key', '-out', 'server.csr');
  fs.writeFileSync(path.join(dir, 'san.ext'), `subjectAltName=${hosts.map((host) => `DNS:${host}`).join(',')}\n`);
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt');
  for (const file of ['server.key', 'server.crt']) fs.chmodSync(path.join(dir, file), 0o644);
  return { dir, caCert: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8') };
}

async function waitForLog(container: Docker.Container, text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const logs = ((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer).toString();
    if (logs.includes(text)) return;
    const state = (await container.inspect()).State;
    if (!state.Running) throw new Error(`the stand-in internet stopped: ${logs}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the stand-in internet did not say "${text}" within ${timeoutMs} ms`);
}

const ANTHROPIC_SCRIPT_DIR = fileURLToPath(new URL('../fixtures/stand-in-anthropic/', import.meta.url));

export interface StandInAnthropic {
  /** The upstream URL to give the egress proxy. */
  url: string;
  /** What reached it: method, path, credential, model, the conversation's messages. */
  records(): Promise<Array<{ method: string; path: string; xApiKey: string | null; authorization: string | null; model: string | null; messages: Array<{ role: string; content: string }> }>>;
  dispose(): Promise<void>;
}

/** The stand-in Anthropic API on the stand-in internet (HTTP on 80 at the .20 address). */
export async function startStandInAnthropic(docker: Docker, internet: StandInInternet, options: { image: string; labels: Record<string, string> }): Promise<StandInAnthropic> {
  const address = internet.address.replace(/\.10$/, '.20');
  const server = await docker.createContainer({
    Image: options.image,
    Entrypoint: ['node', '/stand-in/server.cjs'],
    User: '0',
    Env: ['PORT=80'],
    Labels: options.labels,
    HostConfig: { NetworkMode: internet.network, Mounts: [{ Type: 'bind', Source: ANTHROPIC_SCRIPT_DIR, Target: '/stand-in', ReadOnly: true }] },
    NetworkingConfig: { EndpointsConfig: { [internet.network]: { IPAMConfig: { IPv4Address: address } } } },
  });
  await server.start();
  await waitForLog(server, 'stand-in anthropic ready');
  return {
    url: `http://${address}:80`,
    // The host reaches the test network's bridge directly.
    records: async () => (await (await fetch(`http://${address}/__records`)).json()) as Awaited<ReturnType<StandInAnthropic['records']>>,
    dispose: async () => void (await server.remove({ force: true }).catch(() => undefined)),
  };
}
