import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDoctorCommand } from '../../../src/cli/commands/doctor';
import { connectDocker } from '../../../src/core/docker/client';
import { formatDoctorReport, runDoctor, type DoctorCheck } from '../../../src/core/doctor';
import { requireDocker } from '../../helpers/requireDocker';

const STOPPED = '/nonexistent/docker.sock';
const SECRET = 'sk-ant-test-0123456789-do-not-print';
let stateRoot: string;

beforeAll(() => {
  stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-doctor-'));
});
afterAll(() => fs.rmSync(stateRoot, { recursive: true, force: true }));

function check(checks: DoctorCheck[], id: DoctorCheck['id']): DoctorCheck {
  const found = checks.find((entry) => entry.id === id);
  expect(found, id).toBeDefined();
  return found as DoctorCheck;
}

/** An environment with a PATH (for the docker CLI check) and nothing else unless asked. */
function envWith(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra };
}

describe('doctor with a stopped Docker daemon', () => {
  it('fails the Docker check, says where it looked, and gives the Linux fix', async () => {
    const checks = await runDoctor({ docker: connectDocker({ socketPath: STOPPED }), env: envWith(), stateRoot, platform: 'linux' });
    const docker = check(checks, 'docker');
    expect(docker.status).toBe('fail');
    expect(docker.title).toBe('Docker is not reachable');
    expect(docker.detail).toContain(STOPPED);
    expect(docker.fix).toContain('sudo systemctl start docker');
    expect(docker.fix).toContain('sudo apt-get install docker.io');
    expect(docker.fix).toContain('sudo usermod -aG docker $USER');
    // The base image cannot be looked for, and doctor says so instead of guessing.
    expect(check(checks, 'base-image')).toMatchObject({ status: 'warn', title: expect.stringContaining('not checked') });

    const report = formatDoctorReport(checks);
    expect(report).toContain('✗ Docker is not reachable');
    expect(report).toContain('    fix: Install and start Docker');
    expect(report).toMatch(/Not ready: 1 problem to fix/);
  });

  it.each([
    ['darwin', ['Docker Desktop', 'colima start']],
    ['win32', ['Docker Desktop']],
  ] as const)('gives the %s fix', async (platform, words) => {
    const checks = await runDoctor({ docker: connectDocker({ socketPath: STOPPED }), env: envWith(), stateRoot, platform });
    const fix = check(checks, 'docker').fix ?? '';
    for (const word of words) expect(fix).toContain(word);
    expect(fix).not.toContain('apt-get');
  });
});

describe('doctor and credentials for Claude', () => {
  it('warns when neither key is set, with a fix, and prints no value', async () => {
    const checks = await runDoctor({ docker: connectDocker({ socketPath: STOPPED }), env: envWith({ OTHER: SECRET }), stateRoot });
    const credentials = check(checks, 'credentials');
    expect(credentials.status).toBe('warn');
    expect(credentials.detail).toContain('ANTHROPIC_API_KEY');
    expect(credentials.detail).toContain('CLAUDE_CODE_OAUTH_TOKEN');
    expect(credentials.fix).toBe('run `claude-bottle login` (or Sign in in the window), or set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN) in your environment');
    expect(formatDoctorReport(checks)).toContain('! No credentials for Claude');
    expect(JSON.stringify(checks)).not.toContain(SECRET);
  });

  it.each(['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'])('is ok with %s in the environment, naming it but never its value', async (name) => {
    const checks = await runDoctor({ docker: connectDocker({ socketPath: STOPPED }), env: envWith({ [name]: SECRET }), stateRoot });
    const credentials = check(checks, 'credentials');
    expect(credentials).toMatchObject({ status: 'ok', detail: `${name} in the environment` });
    expect(JSON.stringify(checks)).not.toContain(SECRET);
    expect(formatDoctorReport(checks)).not.toContain(SECRET);
  });

  it('is ok with a key stored in the app', async () => {
    const checks = await runDoctor({ docker: connectDocker({ socketPath: STOPPED }), env: envWith(), stateRoot, secretNames: ['ANTHROPIC_API_KEY'] });
    expect(check(checks, 'credentials')).toMatchObject({ status: 'ok', detail: 'ANTHROPIC_API_KEY stored in the app' });
  });
});

describe('doctor and the rest of the machine', () => {
  it('fails when the docker command is not on PATH, since terminals need `docker exec -it`', async () => {
    const checks = await runDoctor({ docker: connectDocker({ socketPath: STOPPED }), env: { PATH: stateRoot }, stateRoot, platform: 'linux' });
    const cli = check(checks, 'docker-cli');
    expect(cli.status).toBe('fail');
    expect(cli.detail).toContain('docker exec -it');
    expect(cli.fix).toBeTruthy();
  });

  it('measures the free space where bottle state lives, even before that folder exists', async () => {
    const checks = await runDoctor({ docker: connectDocker({ socketPath: STOPPED }), env: envWith(), stateRoot: path.join(stateRoot, 'not', 'yet') });
    const disk = check(checks, 'disk');
    expect(['ok', 'warn']).toContain(disk.status);
    expect(disk.detail).toMatch(/\d+(\.\d)? (GiB|MiB|KiB) free for bottle state/);
  });

  it('passes the Docker checks against a running engine and measures its disk', async () => {
    const docker = await requireDocker();
    const checks = await runDoctor({ docker, env: envWith(), stateRoot, platform: 'linux' });
    expect(check(checks, 'docker')).toMatchObject({ status: 'ok', title: 'Docker is reachable' });
    expect(check(checks, 'docker').detail).toMatch(/^Docker \d+\.\d+/);
    expect(check(checks, 'docker-cli').status).toBe('ok');
    expect(check(checks, 'disk').detail).toContain('free for Docker');
    expect(['ok', 'warn']).toContain(check(checks, 'base-image').status);
    expect(check(checks, 'base-image').title).not.toContain('not checked');
  });
});

describe('claude-bottle doctor', () => {
  it('exits 1 and prints the fix when Docker is unreachable; --json prints the checks', async () => {
    const saved = process.env.DOCKER_HOST;
    const write = process.stdout.write.bind(process.stdout);
    let printed = '';
    process.stdout.write = ((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    process.env.DOCKER_HOST = `unix://${STOPPED}`;
    const codes: number[] = [];
    try {
      const program = new Command().exitOverride();
      registerDoctorCommand(program, async (action) => {
        codes.push(await action());
      });
      await program.parseAsync(['doctor'], { from: 'user' });
      const text = printed;
      printed = '';
      await program.parseAsync(['doctor', '--json'], { from: 'user' });
      expect(text).toContain('✗ Docker is not reachable');
      expect(text).toContain('fix:');
      const checks = JSON.parse(printed) as DoctorCheck[];
      expect(checks.map((entry) => entry.id)).toEqual(['docker', 'docker-cli', 'disk', 'credentials', 'base-image']);
    } finally {
      process.stdout.write = write;
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
    expect(codes).toEqual([1, 1]);
  });
});
