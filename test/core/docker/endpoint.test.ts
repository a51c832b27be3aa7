import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCoreContext } from '../../../src/core/context';
import { connectDocker, dockerCliEnv, dockerEndpoint, dockerSocketPath } from '../../../src/core/docker/client';
import { resolveDockerEndpoint } from '../../../src/core/docker/endpoint';
import { runDoctor } from '../../../src/core/doctor';

let configDir: string;
let contextSocket: string;

/** A docker config dir like the CLI writes: config.json naming a context, and the context's meta.json. */
function writeContext(name: string, host: string, current = true): void {
  const metaDir = path.join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
  fs.mkdirSync(metaDir, { recursive: true });
  fs.writeFileSync(path.join(metaDir, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  if (current) fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ auths: {}, currentContext: name }));
}

beforeEach(() => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-docker-config-'));
  contextSocket = path.join(configDir, 'temp.sock');
  writeContext('colima', `unix://${contextSocket}`);
});
afterEach(() => {
  vi.unstubAllEnvs();
  fs.rmSync(configDir, { recursive: true, force: true });
});

describe('the Docker endpoint', () => {
  it('comes from the current context in DOCKER_CONFIG, for dockerode and the docker CLI alike', () => {
    vi.stubEnv('DOCKER_HOST', undefined);
    vi.stubEnv('DOCKER_CONTEXT', undefined);
    vi.stubEnv('DOCKER_CONFIG', configDir);
    const endpoint = resolveDockerEndpoint();
    expect(endpoint.host).toBe(`unix://${contextSocket}`);
    expect(endpoint.source).toContain('Docker context "colima"');

    const ctx = createCoreContext({ stateRoot: configDir });
    expect(dockerSocketPath(ctx.docker)).toBe(contextSocket);
    expect(dockerEndpoint(ctx.docker)).toBe(`unix://${contextSocket}`);
    expect(ctx.dockerCliEnv.DOCKER_HOST).toBe(`unix://${contextSocket}`);
    expect(ctx.dockerCliEnv.DOCKER_CONTEXT).toBeUndefined();
  });

  it('takes DOCKER_CONTEXT over config.json, and DOCKER_HOST over any context', () => {
    writeContext('other', 'unix:///other/docker.sock', false);
    expect(resolveDockerEndpoint({ DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'other' }).host).toBe('unix:///other/docker.sock');

    const env = { DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'other', DOCKER_HOST: 'tcp://127.0.0.1:1' };
    expect(resolveDockerEndpoint(env)).toMatchObject({ host: 'tcp://127.0.0.1:1', source: 'DOCKER_HOST' });
    expect(dockerCliEnv(env).DOCKER_HOST).toBe('tcp://127.0.0.1:1');
    vi.stubEnv('DOCKER_HOST', 'tcp://127.0.0.1:1');
    vi.stubEnv('DOCKER_CONFIG', configDir);
    expect(dockerEndpoint(connectDocker())).toBe('tcp://127.0.0.1:1');
  });

  it('falls back to the platform default, saying why, when the config is not usable', () => {
    fs.writeFileSync(path.join(configDir, 'config.json'), '{ not json');
    const broken = resolveDockerEndpoint({ DOCKER_CONFIG: configDir });
    expect(broken.host).toMatch(/^unix:\/\/\/.*docker\.sock$/);
    expect(broken.source).toContain('is not valid JSON');

    fs.rmSync(path.join(configDir, 'config.json'));
    fs.mkdirSync(path.join(configDir, 'config.json'));
    expect(resolveDockerEndpoint({ DOCKER_CONFIG: configDir }).source).toContain('not a regular file');

    fs.rmSync(path.join(configDir, 'config.json'), { recursive: true });
    execFileSync('mkfifo', [path.join(configDir, 'config.json')]);
    expect(resolveDockerEndpoint({ DOCKER_CONFIG: configDir }).source).toContain('not a regular file');

    expect(resolveDockerEndpoint({ DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'missing' }).source).toContain('Docker context "missing"');
    expect(resolveDockerEndpoint({ DOCKER_CONFIG: path.join(configDir, 'none') }).source).toBe('the platform default');
  });

  it('is shown by doctor with where it came from', async () => {
    vi.stubEnv('DOCKER_HOST', undefined);
    vi.stubEnv('DOCKER_CONTEXT', undefined);
    vi.stubEnv('DOCKER_CONFIG', configDir);
    const checks = await runDoctor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stateRoot: configDir, platform: 'linux' });
    const docker = checks.find((entry) => entry.id === 'docker');
    expect(docker?.status).toBe('fail');
    expect(docker?.detail).toContain(`unix://${contextSocket}`);
    expect(docker?.detail).toContain('chosen by Docker context "colima"');
  });
});
