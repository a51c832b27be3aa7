import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listBottles, stopBottle } from '../../../src/core/bottles';
import { createCoreContext } from '../../../src/core/context';
import { launchPrepared, prepareStart } from '../../../src/core/launcher';
import { environmentSecrets } from '../../../src/core/plan/plan';
import { listSnapshots } from '../../../src/core/state/transcripts';
import { requireDocker } from '../../helpers/requireDocker';
import { recordOutput } from '../../helpers/terminal';

// The state root's disk fills up while a bottle runs. When Claude ends, its exit code still comes
// back, the message names the file and what to free, the container (holding the conversation) is
// kept until its transcript is safe, and no half-written file is left. Once space is freed, a stop
// saves the transcript and settles the bottle. Needs root to mount a small tmpfs.

let mounted: string | undefined;
afterEach(() => {
  if (mounted) {
    execFileSync('docker', ['ps', '-aq', '--filter', `label=claude-bottle.home=${join(mounted, 'home')}`]).toString().split('\n').filter(Boolean).forEach((id) => execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' }));
    execFileSync('umount', [mounted], { stdio: 'ignore' });
    fs.rmSync(mounted, { recursive: true, force: true });
    mounted = undefined;
  }
});
beforeAll(() => requireDocker());

function smallDisk(): string | undefined {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cb-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    if (process.env.CI) throw new Error(`CI must run these tests as root (mounting a tmpfs failed: ${(error as Error).message})`);
    return undefined;
  }
}

function fill(dir: string): void {
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
  } catch {
    // dd ends with "No space left on device": that is the point.
  }
}

describe('a full disk under the state root while a bottle ends', () => {
  it("keeps Claude's exit code, names the file and what to free, keeps the container, leaves no debris", async (context) => {
    mounted = smallDisk();
    if (!mounted) return context.skip();
    const project = join(mounted, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(join(project, 'claude-bottle.json'), JSON.stringify({ version: 1, agents: { tester: { image: 'claude-bottle-test:latest', network: 'none' } } }));
    const ctx = createCoreContext({ stateRoot: join(mounted, 'home'), secrets: environmentSecrets({}) });
    const running = await launchPrepared(ctx, await prepareStart(ctx, { projectDir: project, agent: 'tester' }));
    const screen = recordOutput((listener) => running.session.onData(listener));
    await screen.waitFor('> ');
    running.session.write('remember the green door\r');
    await screen.waitFor('you said: remember the green door');
    // Claude's hook events have been taken in (and their files removed) before the disk fills:
    // removing one later would free the little space the test needs to stay full.
    await expect.poll(() => running.channel.attention?.state, { timeout: 10_000 }).toBe('waiting');
    await expect.poll(() => fs.readdirSync(join(ctx.store.bottleDir(running.plan.slug), 'channel')).length, { timeout: 10_000 }).toBe(0);

    fill(mounted);
    running.session.write('exit 3\r');
    const outcome = await running.outcome;
    expect(outcome.exitCode).toBe(3);
    expect(outcome.preserved).toBe(true);
    expect(outcome.summary).toContain('no space left to write');
    expect(outcome.summary).toContain(`free some space on the disk holding ${join(mounted, 'home')}`);
    expect(outcome.summary).toContain('is kept until it can be');
    const leftovers = fs.readdirSync(join(mounted, 'home'), { recursive: true }).map(String);
    expect(leftovers.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(await listSnapshots(ctx.store, outcome.slug)).toEqual([]);
    const listed = await listBottles(ctx);
    expect(listed.live.map((bottle) => bottle.slug)).toEqual([outcome.slug]);

    // Space comes back: stopping it now saves the transcript and preserves the bottle.
    fs.rmSync(join(mounted, 'filler'));
    expect(await stopBottle(ctx, outcome.slug, { keep: true })).toEqual({ slug: outcome.slug, preserved: true });
    const [snapshot] = await listSnapshots(ctx.store, outcome.slug);
    expect(fs.readdirSync(snapshot as string, { recursive: true }).map(String).some((name) => name.endsWith('.jsonl'))).toBe(true);
    expect((await listBottles(ctx)).live).toEqual([]);
  });
});
