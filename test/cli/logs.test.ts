import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/core/state/stateStore';
import { EgressLogFile } from '../../src/core/network/egressLogFile';
import { CLI_COMMAND } from '../helpers/terminal';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});

async function cli(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const [node, ...rest] = CLI_COMMAND;
  try {
    const { stdout, stderr } = await promisify(execFile)(node as string, [...rest, ...args], { env: { ...process.env, CLAUDE_BOTTLE_HOME: home, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A state root of its own holding one bottle's state folder. */
async function bottleInNewHome(status: 'preserved' | 'running'): Promise<{ home: string; store: StateStore; slug: string }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-logs-'));
  homes.push(home);
  const store = new StateStore(home);
  const slug = 'tester-20261204T010203-abcd';
  await store.create({ version: 1, slug, agent: 'tester', projectRoot: '/p', manifestFile: '/p/claude-bottle.json', containerName: `claude-bottle-${slug}`, createdAt: '', updatedAt: '', status, options: { copyProject: false, remoteControl: false }, grantedCapabilities: [], sessions: 1 });
  return { home, store, slug };
}

describe('claude-bottle logs --egress', () => {
  it("prints a bottle's egress entries, with what the bottle asked for escaped", async () => {
    const { home, store, slug } = await bottleInNewHome('preserved');
    const log = new EgressLogFile(store.bottleDir(slug));
    await log.append({ time: '2026-12-04T01:02:03.000Z', method: 'CONNECT', host: 'github.com', port: 443, verdict: 'allowed', bytesUp: 10, bytesDown: 20 });
    await log.append({ time: '2026-12-04T01:02:04.000Z', method: 'CONNECT', host: 'evil\u001b[2J.example', port: 443, verdict: 'refused', reason: 'not on the allow-list', bytesUp: 0, bytesDown: 0 });
    const result = await cli(['logs', slug, '--egress'], home);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('01:02:03  allowed  CONNECT github.com:443  ↑10 ↓20');
    expect(result.stdout).toContain('refused  CONNECT evil\\u001b[2J.example:443  not on the allow-list');
    expect(result.stdout).not.toContain('\u001b');
    const json = await cli(['logs', slug, '--egress', '--json'], home);
    expect(json.stdout.trim().split('\n').map((line) => JSON.parse(line).host)).toEqual(['github.com', 'evil\u001b[2J.example']);
  });

  it('--follow prints each new entry once, also after a tail longer than it reads', async () => {
    const { home, store, slug } = await bottleInNewHome('running');
    const old = (n: number): string => `${JSON.stringify({ time: '2026-12-04T01:02:03.000Z', method: 'CONNECT', host: `old-${n}.example`, port: 443, verdict: 'refused', bytesUp: 0, bytesDown: 0 })}\n`;
    // About 3 MiB: more than the tail `logs` reads (2 MiB).
    fs.writeFileSync(path.join(store.bottleDir(slug), 'egress.log'), Array.from({ length: 25_000 }, (_, n) => old(n)).join(''));
    const [node, ...rest] = CLI_COMMAND;
    const child = spawn(node as string, [...rest, 'logs', slug, '--egress', '--follow'], { env: { ...process.env, CLAUDE_BOTTLE_HOME: home, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await expect.poll(() => out.includes('old-24999.example'), { timeout: 15_000 }).toBe(true);
      const log = new EgressLogFile(store.bottleDir(slug));
      await log.append({ time: '2026-12-04T01:02:05.000Z', method: 'CONNECT', host: 'new-1.example', port: 443, verdict: 'refused', bytesUp: 0, bytesDown: 0 });
      await expect.poll(() => out.includes('new-1.example'), { timeout: 15_000 }).toBe(true);
      await log.append({ time: '2026-12-04T01:02:06.000Z', method: 'CONNECT', host: 'new-2.example', port: 443, verdict: 'refused', bytesUp: 0, bytesDown: 0 });
      await expect.poll(() => out.includes('new-2.example'), { timeout: 15_000 }).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(out.split('old-24999.example').length - 1).toBe(1);
      expect(out.split('new-1.example').length - 1).toBe(1);
    } finally {
      child.kill('SIGINT');
    }
  });

  it('says which log to ask for, and names a missing bottle', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-logs-'));
    homes.push(home);
    expect((await cli(['logs', 'tester-20261204T010203-abcd'], home)).stderr).toContain('--egress');
    expect((await cli(['logs', 'tester-20261204T010203-abcd', '--egress'], home)).stderr).toContain('no bottle');
  });
});
