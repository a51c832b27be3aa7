import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchPrepared, prepareResume, prepareStart, type RunningBottle } from '../../src/core/launcher';
import { checkClaudeStorageAccess, shareClaudeStorage } from '../../src/core/state/claudeStorage';
import { listSnapshots, takeSnapshot } from '../../src/core/state/transcripts';
import { execIn } from '../core/docker/fixtures';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';
import { requireDocker } from '../helpers/requireDocker';
import { recordOutput, type Transcript } from '../helpers/terminal';

// A hostile agent owns its Claude storage (a folder of the host's state folder, mounted into the
// bottle): whatever it puts there — links, FIFOs, huge files — must not make the host chown,
// copy, or wait on anything outside it.

let project: TestProject | undefined;
const temps: string[] = [];
afterEach(() => {
  project?.cleanup();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
beforeAll(() => requireDocker());

function tempDir(): string {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cb-hostile-'));
  temps.push(dir);
  return dir;
}

async function start(p: TestProject): Promise<{ running: RunningBottle; screen: Transcript }> {
  const prepared = await prepareStart(p.ctx, { projectDir: p.root, agent: 'tester' });
  const running = await launchPrepared(p.ctx, prepared);
  const screen = recordOutput((listener) => running.session.onData(listener));
  await screen.waitFor('> ');
  return { running, screen };
}

/** As the agent would, from inside the bottle, as the bottle's user. */
async function asTheAgent(running: RunningBottle, script: string): Promise<void> {
  const container = project!.ctx.docker.getContainer(running.plan.containerName);
  const result = await execIn(container, ['sh', '-c', script], { user: '1000' });
  expect(result.exitCode, result.stderr).toBe(0);
}

describe("a bottle's Claude storage, written by a hostile agent", () => {
  it('a link to a host folder does not get that folder chowned on resume', async () => {
    const victim = tempDir();
    fs.writeFileSync(join(victim, 'passwd'), 'root:x:0:0\n');
    project = makeProject(testAgentManifest());
    const { running } = await start(project);
    // The agent replaces Claude's projects folder with a link to a host path it cannot see, then crashes.
    await asTheAgent(running, `rm -rf /claude-bottle/claude-config/projects; ln -s ${victim} /claude-bottle/claude-config/projects`);
    running.session.write('exit 3\r');
    const outcome = await running.outcome;
    expect(outcome.preserved).toBe(true);

    const resumed = await launchPrepared(project.ctx, await prepareResume(project.ctx, outcome.slug));
    expect(fs.statSync(victim).uid).toBe(0);
    expect(fs.statSync(join(victim, 'passwd')).uid).toBe(0);
    await resumed.stop();
  });

  it('a FIFO and a link named *.jsonl are skipped and reported by the snapshot, which never waits on them', async () => {
    const secret = join(tempDir(), 'shadow');
    fs.writeFileSync(secret, 'the host secret\n');
    project = makeProject(testAgentManifest());
    const { running, screen } = await start(project);
    running.session.write('a real message\r');
    await screen.waitFor('you said: a real message');
    await asTheAgent(running, `cd /claude-bottle/claude-config/projects/* && mkfifo trap.jsonl && ln -s ${secret} evil.jsonl`);
    running.session.write('exit 3\r');
    const outcome = await running.outcome; // a FIFO would block this forever
    expect(outcome.preserved).toBe(true);
    const [snapshot] = await listSnapshots(project.ctx.store, outcome.slug);
    const copied = fs.readdirSync(snapshot as string, { recursive: true }).map(String);
    expect(copied.some((name) => name.endsWith('.jsonl') && !name.includes('trap') && !name.includes('evil'))).toBe(true);
    expect(copied.filter((name) => name.includes('trap') || name.includes('evil'))).toEqual([]);
    const skipped = fs.readFileSync(join(snapshot as string, 'SKIPPED.txt'), 'utf8');
    expect(skipped).toMatch(/trap\.jsonl\tis a FIFO/);
    expect(skipped).toMatch(/evil\.jsonl\tis a symbolic link/);
    expect(JSON.stringify(fs.readdirSync(snapshot as string, { recursive: true }))).not.toContain('shadow');
  });

  it('a transcript file past the size cap is reported, not copied', async () => {
    project = makeProject(testAgentManifest());
    const store = project.ctx.store;
    await store.create({ version: 1, slug: 'tester-20261204T000000-aaaa', agent: 'tester', projectRoot: project.root, manifestFile: project.manifest, containerName: 'x', createdAt: '', updatedAt: '', status: 'preserved', options: { copyProject: false, remoteControl: false }, grantedCapabilities: [], sessions: 1 });
    const projects = join(store.claudeDir('tester-20261204T000000-aaaa'), 'projects', '-workspace');
    fs.mkdirSync(projects, { recursive: true });
    fs.writeFileSync(join(projects, 'big.jsonl'), 'x'.repeat(70 * 1024 * 1024));
    const snapshot = await takeSnapshot(store, 'tester-20261204T000000-aaaa');
    expect(snapshot?.copied).toBe(0);
    expect(snapshot?.skipped.map((entry) => entry.why)).toEqual([expect.stringContaining('is larger than 64 MiB')]);
  });
});

describe("Claude's storage handed to the bottle's user", () => {
  it('as root: only the folder the app made changes owner, nothing inside it, nothing through a link', async () => {
    const storage = tempDir();
    const victim = tempDir();
    fs.symlinkSync(victim, join(storage, 'projects'));
    await shareClaudeStorage(storage, { uid: 1000, gid: 1000 }, { uid: 0, platform: 'linux' });
    expect(fs.statSync(storage).uid).toBe(1000);
    expect(fs.statSync(storage).mode & 0o777).toBe(0o700);
    expect(fs.statSync(victim).uid).toBe(0);
  });

  it('as root: a link put in place of the storage folder is not followed, and its target keeps its owner and mode', async () => {
    const base = tempDir();
    const victim = tempDir();
    fs.chmodSync(victim, 0o755);
    fs.symlinkSync(victim, join(base, 'claude'));
    await expect(shareClaudeStorage(join(base, 'claude'), { uid: 1000, gid: 1000 }, { uid: 0, platform: 'linux' })).rejects.toThrow('is not the folder the app created');
    expect(fs.statSync(victim).uid).toBe(0);
    expect(fs.statSync(victim).mode & 0o777).toBe(0o755);
  });

  it('not as root, for another uid on Linux: a clear refusal before anything starts, never a world-writable folder', async () => {
    const storage = tempDir();
    fs.chmodSync(storage, 0o700);
    const refusal = /the bottle runs as uid 1000, which could not write Claude's storage: it belongs to you \(uid 1001\).*never makes it world-writable/;
    expect(() => checkClaudeStorageAccess({ uid: 1000, gid: 1000 }, { uid: 1001, platform: 'linux' })).toThrow(refusal);
    await expect(shareClaudeStorage(storage, { uid: 1000, gid: 1000 }, { uid: 1001, platform: 'linux' })).rejects.toThrow(refusal);
    await expect(shareClaudeStorage(storage, { uid: 1000, gid: 1000 }, { uid: 1001, platform: 'linux' })).rejects.toMatchObject({ hint: expect.stringContaining('set "user": "1001" on the agent') });
    expect(fs.statSync(storage).mode & 0o777).toBe(0o700);
    await expect(shareClaudeStorage(storage, { uid: 1001, gid: 1001 }, { uid: 1001, platform: 'linux' })).resolves.toBeUndefined();
    expect(fs.statSync(storage).mode & 0o777).toBe(0o700);
  });

  it('on macOS and Windows (Docker Desktop maps ownership itself): nothing is changed, nothing refused', async () => {
    const storage = tempDir();
    fs.chmodSync(storage, 0o700);
    for (const platform of ['darwin', 'win32'] as const) {
      for (const uid of [0, 501, undefined]) {
        await expect(shareClaudeStorage(storage, { uid: 1000, gid: 1000 }, { uid, platform })).resolves.toBeUndefined();
        expect(fs.statSync(storage).uid).toBe(0);
        expect(fs.statSync(storage).mode & 0o777).toBe(0o700);
      }
    }
  });
});
