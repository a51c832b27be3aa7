import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clampSize, execArgs, startClaudeSession, type ClaudeSessionSpec } from '../../../src/core/session/claudeSession';

// The session's own behaviour, with a stand-in for the docker CLI (CLAUDE_BOTTLE_DOCKER_CLI), so
// these run without an engine; the Docker-backed launch tests cover the real `docker exec`.

const dir = fs.mkdtempSync(join(os.tmpdir(), 'cb-session-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeDocker(script: string): string {
  const file = join(dir, `docker-${Math.random().toString(16).slice(2)}`);
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

const spec: ClaudeSessionSpec = {
  containerName: 'claude-bottle-x-20261130T000000-abcd',
  user: '1000',
  workdir: '/workspace',
  command: ['claude', '--dangerously-skip-permissions'],
  env: { TERM: 'xterm-256color', CLAUDE_CONFIG_DIR: '/claude-bottle/claude-config' },
  secrets: { API_TOKEN: 'value-of-the-secret' },
  dockerEnv: {},
  cols: 80,
  rows: 24,
};

function withDockerCli<T>(path: string, run: () => T): T {
  const previous = process.env.CLAUDE_BOTTLE_DOCKER_CLI;
  process.env.CLAUDE_BOTTLE_DOCKER_CLI = path;
  try {
    return run();
  } finally {
    if (previous === undefined) delete process.env.CLAUDE_BOTTLE_DOCKER_CLI;
    else process.env.CLAUDE_BOTTLE_DOCKER_CLI = previous;
  }
}

describe("Claude's session in a pseudo-terminal", () => {
  it('names secrets on the command line and passes their values only through the environment', async () => {
    expect(execArgs(spec)).toEqual([
      'exec', '-it', '-u', '1000', '-w', '/workspace',
      '-e', 'TERM=xterm-256color', '-e', 'CLAUDE_CONFIG_DIR=/claude-bottle/claude-config',
      '-e', 'API_TOKEN',
      'claude-bottle-x-20261130T000000-abcd', 'claude', '--dangerously-skip-permissions',
    ]);
    const docker = fakeDocker('echo "argv: $*"; echo "env: API_TOKEN=$API_TOKEN HOSTVAR=${HOSTVAR:-unset}"; sleep 0.2; exit 7');
    process.env.HOSTVAR = 'leaks-if-seen';
    const session = withDockerCli(docker, () => startClaudeSession(spec));
    delete process.env.HOSTVAR;
    let output = '';
    session.onData((data) => (output += data));
    expect(await session.exited).toBe(7);
    expect(output).toContain('env: API_TOKEN=value-of-the-secret HOSTVAR=unset');
    expect(output).not.toMatch(/argv: .*value-of-the-secret/);
  });

  it('hands output printed before anyone listened to the first listener', async () => {
    const session = withDockerCli(fakeDocker('echo first screen; sleep 0.2'), () => startClaudeSession(spec));
    await new Promise((resolve) => setTimeout(resolve, 100));
    let output = '';
    session.onData((data) => (output += data));
    await session.exited;
    expect(output).toContain('first screen');
  });

  it('a resize racing the exit, and one after it, are ignored', async () => {
    const session = withDockerCli(fakeDocker('exit 0'), () => startClaudeSession(spec));
    let ended = false;
    void session.exited.then(() => (ended = true));
    let size = 10;
    while (!ended) {
      session.resize(size, size);
      size = size === 10 ? 11 : 10;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(() => session.resize(100, 30)).not.toThrow();
    expect(() => session.write('ignored')).not.toThrow();
  });

  it('clamps sizes a window should never send', () => {
    expect(clampSize(0, 0)).toEqual({ cols: 2, rows: 1 });
    expect(clampSize(5000, 5000)).toEqual({ cols: 1000, rows: 500 });
    expect(clampSize(Number.NaN, 24.7)).toEqual({ cols: 2, rows: 24 });
  });
});
