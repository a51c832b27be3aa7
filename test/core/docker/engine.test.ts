import type Docker from 'dockerode';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker, dockerCliEnv, engineRefusesConnections, ensureImage, imageExists, inspectImageUser, pingDocker } from '../../../src/core/docker';
import { requireDocker } from '../../helpers/requireDocker';
import { ensureTestImage, TEST_USER_IMAGE } from '../../helpers/testImage';
import { failure, RUN_ID } from './fixtures';

let docker: Docker;
let image: string;
const savedDockerHost = process.env.DOCKER_HOST;

beforeAll(async () => {
  docker = await requireDocker();
  image = await ensureTestImage();
});

afterEach(() => {
  if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedDockerHost;
});


describe('the Docker engine', () => {
  it('that is not there is docker-unavailable, naming where we looked, with a hint', async () => {
    const nowhere = connectDocker({ socketPath: '/nonexistent/docker.sock' });
    const started = Date.now();
    const error = await failure(pingDocker(nowhere));
    expect(error.kind).toBe('docker-unavailable');
    expect(error.message).toBe('Docker is not reachable at unix:///nonexistent/docker.sock: no such socket (ENOENT)');
    expect(error.hint).toMatch(process.platform === 'darwin' ? /Docker Desktop|colima/ : /systemctl start docker|docker group/);
    expect(Date.now() - started).toBeLessThan(2_000);
    // Every call on that client says the same, not a raw socket error.
    expect((await failure(ensureImage(nowhere, image))).kind).toBe('docker-unavailable');
  });

  it('refusing new connections is told apart from answering (a stopping engine still answers on open ones)', async () => {
    expect(await engineRefusesConnections(docker)).toBeUndefined();
    expect(await engineRefusesConnections(connectDocker({ socketPath: '/nonexistent/docker.sock' }))).toBe('no such socket (ENOENT)');
    expect(await engineRefusesConnections(connectDocker({ host: 'tcp://127.0.0.1:1' }))).toBe('connection refused (ECONNREFUSED)');
  });

  it('is found through DOCKER_HOST, unix:// or tcp://', async () => {
    process.env.DOCKER_HOST = 'unix:///nonexistent/other.sock';
    expect((await failure(pingDocker(connectDocker()))).message).toContain('unix:///nonexistent/other.sock');
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    const refused = await failure(pingDocker(connectDocker()));
    expect(refused.kind).toBe('docker-unavailable');
    expect(refused.message).toContain('tcp://127.0.0.1:1');
    expect(refused.message).toContain('ECONNREFUSED');
  });

  it('answers a ping when it is running', async () => {
    await expect(pingDocker(docker)).resolves.toBeUndefined();
  });

  it('is reached by the docker CLI with the same DOCKER_* variables, DOCKER_HOST pinned', () => {
    const env = { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c', DOCKER_CONFIG: '/d', DOCKER_CONTEXT: 'x', HOME: '/h', SECRET: 's' };
    expect(dockerCliEnv(env)).toEqual({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c', DOCKER_CONFIG: '/d' });
    expect(dockerCliEnv({ DOCKER_CONFIG: '/nonexistent/docker-config' }).DOCKER_HOST).toMatch(/^unix:\/\/\/.*docker\.sock$/);
  });
});

describe('images', () => {
  it('present locally need no pull', async () => {
    await expect(ensureImage(docker, image)).resolves.toEqual({ pulled: false });
    expect(await imageExists(docker, image)).toBe(true);
  });

  it('that are missing and cannot be pulled are image-missing, naming the image, at once', async () => {
    const ref = `claude-bottle-test/does-not-exist-${RUN_ID}:1`;
    const started = Date.now();
    const error = await failure(ensureImage(docker, ref));
    expect(error.kind).toBe('image-missing');
    expect(error.message).toContain(`image "${ref}" is not present locally and could not be pulled: `);
    expect(error.hint).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await imageExists(docker, ref)).toBe(false);
  });

  it('report their configured user, empty for root', async () => {
    expect(await inspectImageUser(docker, image)).toBe('');
    expect(await inspectImageUser(docker, TEST_USER_IMAGE)).toBe('agent');
    expect((await failure(inspectImageUser(docker, `claude-bottle-test/absent-${RUN_ID}`))).kind).toBe('image-missing');
  });
});
