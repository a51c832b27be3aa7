import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { currentOwner, isOwnerAlive } from '../../../src/core/context';
import { readProcStat } from '../../../src/core/processIdentity';

const onLinux = process.platform === 'linux';

describe('isOwnerAlive', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('counts this process, recorded with its start time, as alive', () => {
    const owner = currentOwner();
    if (onLinux) expect(owner.startTime).toBeTypeOf('number');
    expect(isOwnerAlive(owner)).toBe(true);
  });

  it('keeps old records without a start time working (pid + hostname)', () => {
    expect(isOwnerAlive({ pid: process.pid, hostname: hostname() })).toBe(true);
    expect(isOwnerAlive({ pid: process.pid, hostname: `${hostname()}-elsewhere` })).toBe(false);
  });

  it.runIf(onLinux)('treats a live pid with another start time as a reused pid: dead', () => {
    const own = currentOwner();
    expect(isOwnerAlive({ ...own, startTime: (own.startTime ?? 0) + 1 })).toBe(false);
  });

  it.runIf(onLinux)('treats a zombie as dead, even from an old record without a start time', async () => {
    // `sleep 0.1` is forked by sh, which then becomes `sleep 5` and never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(parent);
    const zombiePid = await new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    const stat = readProcStat(zombiePid);
    expect(stat).toBeDefined();
    const recordedWhileAlive = { pid: zombiePid, hostname: hostname(), startTime: stat!.startTime };
    expect(isOwnerAlive(recordedWhileAlive)).toBe(true);

    await waitFor(() => readProcStat(zombiePid)?.state === 'Z');
    // The kernel still answers kill(pid, 0) for a zombie; that is what made `ps` say "running".
    expect(() => process.kill(zombiePid, 0)).not.toThrow();
    expect(isOwnerAlive(recordedWhileAlive)).toBe(false);
    expect(isOwnerAlive({ pid: zombiePid, hostname: hostname() })).toBe(false);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
