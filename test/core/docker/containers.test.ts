import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerState,
  createBottleContainer,
  findBottleContainers,
  LABELS,
  removeBottleContainer,
  type ContainerSpec,
} from '../../../src/core/docker';
import { execIn, failure, makeTree, RUN_ID, setUpEngine, tearDownEngine, TEST_LABELS, uniqueName } from './fixtures';

let docker: Docker;
let image: string;

beforeAll(async () => {
  ({ docker, image } = await setUpEngine());
});

afterAll(() => tearDownEngine(docker));

function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  const name = uniqueName('claude-bottle-test');
  return {
    name,
    image,
    user: '1000:1000',
    workdir: '/workspace',
    env: { GREETING: 'hello' },
    mounts: [],
    network: 'none',
    memoryBytes: 256 * 1024 * 1024,
    cpus: 0.5,
    pids: 64,
    labels: { ...TEST_LABELS, [LABELS.slug]: name, [LABELS.agent]: 'tester', [LABELS.project]: '/tmp/project' },
    ...overrides,
  };
}


describe('a bottle container', () => {
  it('is created running with the hardening of the spec, as uid 1000, with a read-only bind', async () => {
    const shared = makeTree({ 'hello.txt': 'hi' });
    fs.chmodSync(shared, 0o755); // readable by uid 1000
    const wanted = spec({ mounts: [{ source: shared, target: '/mnt/shared', readonly: true }] });
    const container = await createBottleContainer(docker, wanted);

    const info = await container.inspect();
    expect(info.State.Running).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.Init).toBe(true);
    expect(info.HostConfig.PidsLimit).toBe(64);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Tty).toBe(false);
    expect(info.Config.Entrypoint).toEqual(['sleep']);
    expect(info.Config.Cmd).toEqual(['2147483647']);
    expect(info.Config.Env).toContain('GREETING=hello');
    expect(info.Config.Labels).toMatchObject(wanted.labels);
    expect(info.Mounts).toEqual([
      expect.objectContaining({ Type: 'bind', Source: shared, Destination: '/mnt/shared', RW: false }),
    ]);

    expect((await execIn(container, ['id', '-u'])).stdout.trim()).toBe('1000');
    const status = (await execIn(container, ['cat', '/proc/self/status'])).stdout;
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect((await execIn(container, ['cat', '/mnt/shared/hello.txt'])).stdout).toBe('hi');
    const write = await execIn(container, ['touch', '/mnt/shared/new']);
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toMatch(/read-only/i);
    expect(fs.existsSync(`${shared}/new`)).toBe(false);
  });

  it('gets the bridge network when the spec says open', async () => {
    const container = await createBottleContainer(docker, spec({ network: 'open' }));
    expect((await container.inspect()).HostConfig.NetworkMode).toBe('bridge');
  });

  it('refuses to mount the Docker socket or a folder that holds it, unless allowed', async () => {
    for (const source of ['/var/run/docker.sock', '/var/run', '/run']) {
      const wanted = spec({ mounts: [{ source, target: '/mnt/x', readonly: true }] });
      const error = await failure(createBottleContainer(docker, wanted));
      expect(error.kind).toBe('container-failed');
      expect(error.message).toContain('Docker socket');
      expect(await containerState(docker, wanted.name)).toBeUndefined();
    }
    const allowed = spec({ mounts: [{ source: '/var/run/docker.sock', target: '/mnt/docker.sock', readonly: true }], allowDockerSocket: true });
    await createBottleContainer(docker, allowed);
    expect((await containerState(docker, allowed.name))?.running).toBe(true);
  });

  it("refuses any socket unless allowed, and Docker's data root (asked of the engine) unless the preflight showed the mount as dangerous", async () => {
    const socket = path.join(makeTree({}), 'agent.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const wanted = spec({ mounts: [{ source: socket, target: '/mnt/agent.sock', readonly: true }] });
      const error = await failure(createBottleContainer(docker, wanted));
      expect(error.message).toContain(`${socket} is a socket`);
      expect(await containerState(docker, wanted.name)).toBeUndefined();
    } finally {
      server.close();
    }

    const { DockerRootDir: dataRoot } = (await docker.info()) as { DockerRootDir: string };
    if (!fs.existsSync(dataRoot)) return; // Docker Desktop: the data root is inside its VM
    const unconfirmed = spec({ mounts: [{ source: dataRoot, target: '/mnt/docker', readonly: true }] });
    expect((await failure(createBottleContainer(docker, unconfirmed))).message).toContain("Docker's data root");
    expect(await containerState(docker, unconfirmed.name)).toBeUndefined();
    const confirmed = spec({ mounts: [{ source: dataRoot, target: '/mnt/docker', readonly: true, confirmedDangerous: true }] });
    await createBottleContainer(docker, confirmed);
    expect((await containerState(docker, confirmed.name))?.running).toBe(true);
  });

  it('that fails to start is removed again and reported as container-failed', async () => {
    const wanted = spec({ user: 'no-such-user' });
    const error = await failure(createBottleContainer(docker, wanted));
    expect(error.kind).toBe('container-failed');
    expect(error.message).toContain('no-such-user');
    expect(await containerState(docker, wanted.name)).toBeUndefined();
  });

  it('of an image that is not there is image-missing', async () => {
    const error = await failure(createBottleContainer(docker, spec({ image: `claude-bottle-test/absent-${RUN_ID}:1` })));
    expect(error.kind).toBe('image-missing');
    expect(error.message).toContain(`claude-bottle-test/absent-${RUN_ID}:1`);
  });

  it('is found by its labels in any state, and removing it twice is fine', async () => {
    const wanted = spec();
    const container = await createBottleContainer(docker, wanted);
    const found = await findBottleContainers(docker, { [LABELS.slug]: wanted.name });
    expect(found).toEqual([
      expect.objectContaining({ id: container.id, name: wanted.name, state: 'running', labels: expect.objectContaining(wanted.labels) }),
    ]);

    await container.stop({ t: 0 });
    expect(await findBottleContainers(docker, { [LABELS.slug]: wanted.name })).toEqual([
      expect.objectContaining({ state: 'exited' }),
    ]);
    expect(await containerState(docker, wanted.name)).toMatchObject({ status: 'exited', running: false });

    await removeBottleContainer(docker, wanted.name);
    await removeBottleContainer(docker, wanted.name);
    expect(await findBottleContainers(docker, { [LABELS.slug]: wanted.name })).toEqual([]);
    expect(await containerState(docker, wanted.name)).toBeUndefined();
  });

  it('lists only containers with a bottle slug label', async () => {
    const other = await docker.createContainer({ Image: image, Cmd: ['true'], Labels: TEST_LABELS });
    const found = await findBottleContainers(docker, { 'claude-bottle.test-run': RUN_ID });
    expect(found.map((c) => c.id)).not.toContain(other.id);
  });
});
