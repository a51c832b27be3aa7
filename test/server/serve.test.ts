import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// `claude-bottle serve` as a person runs it: it prints a URL with a token, answers on loopback,
// and Ctrl-C stops it cleanly. (Run through a one-line program until it is wired into the CLI.)

const SERVE = fileURLToPath(new URL('../../src/cli/commands/serve.ts', import.meta.url));
const RUNNER = `
import { Command } from 'commander';
import { registerServeCommand } from ${JSON.stringify(SERVE)};
import { createCoreContext } from ${JSON.stringify(fileURLToPath(new URL('../../src/core/context.ts', import.meta.url)))};
const program = new Command('claude-bottle').version('0.0.0-test').exitOverride();
registerServeCommand(program, () => createCoreContext(), async (action) => { process.exitCode = await action(); });
await program.parseAsync(process.argv.slice(1), { from: 'user' });
`;

let home: string | undefined;
afterEach(() => {
  if (home) fs.rmSync(home, { recursive: true, force: true });
  home = undefined;
});

function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('claude-bottle serve', () => {
  it('prints a loopback URL with a token, refuses without it, and stops on Ctrl-C', async () => {
    home = fs.mkdtempSync(join(os.tmpdir(), 'cb-serve-'));
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', RUNNER, 'serve', '--port', '0', '--open-project', home], {
      env: { ...process.env, CLAUDE_BOTTLE_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/open: (\S+)/.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not print its URL:\n${stdout}\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = new URL((/open: (\S+)/.exec(stdout) as RegExpExecArray)[1] as string);
      expect(url.hostname).toBe('127.0.0.1');
      expect(url.searchParams.get('token')).toMatch(/^[0-9a-f]{64}$/);
      expect(await status(`${url.origin}/`)).toBe(401);
      expect(await status(url.href)).toBe(303);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
