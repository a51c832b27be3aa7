import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listBottles } from '../../../src/core/bottles';
import { findBottleContainers } from '../../../src/core/docker/containers';
import { launchPrepared, prepareResume, prepareStart, type RunningBottle } from '../../../src/core/launcher';
import { LABELS } from '../../../src/core/plan/plan';
import { listSnapshots } from '../../../src/core/state/transcripts';
import { makeProject, testAgentManifest, type TestProject } from '../../helpers/project';
import { requireDocker } from '../../helpers/requireDocker';
import { recordOutput, type Transcript } from '../../helpers/terminal';

let project: TestProject | undefined;
afterEach(() => project?.cleanup());
beforeAll(() => requireDocker());

async function start(p: TestProject, options: { copyProject?: boolean } = {}): Promise<{ running: RunningBottle; screen: Transcript }> {
  const prepared = await prepareStart(p.ctx, { projectDir: p.root, agent: 'tester', options });
  const running = await launchPrepared(p.ctx, prepared);
  const screen = recordOutput((listener) => running.session.onData(listener));
  await screen.waitFor('> ');
  return { running, screen };
}

async function containersOf(p: TestProject): Promise<unknown[]> {
  return findBottleContainers(p.ctx.docker, { [LABELS.home]: p.home });
}

describe('a bottle from start to settle', () => {
  it('a session that exits 0 leaves no container and no state', async () => {
    project = makeProject(testAgentManifest());
    const { running, screen } = await start(project);
    expect(screen.text()).toContain('Welcome to Claude Code (fake)');
    expect(screen.text()).toContain('--dangerously-skip-permissions');
    expect(await containersOf(project)).toHaveLength(1);
    running.session.write('hello bottle\r');
    await screen.waitFor('Claude: you said: hello bottle');
    running.session.write('exit 0\r');
    const outcome = await running.outcome;
    expect(outcome).toMatchObject({ exitCode: 0, preserved: false });
    expect(await containersOf(project)).toHaveLength(0);
    expect(fs.readdirSync(join(project.home, 'state'))).toEqual([]);
  });

  it('a crashed agent is preserved with a transcript and resumes with --continue', async () => {
    project = makeProject(testAgentManifest());
    const first = await start(project);
    first.running.session.write('remember the blue door\r');
    await first.screen.waitFor('you said: remember the blue door');
    first.running.session.write('exit 3\r');
    const outcome = await first.running.outcome;
    expect(outcome).toMatchObject({ exitCode: 3, preserved: true, reason: 'exit' });
    expect(await containersOf(project)).toHaveLength(0);
    const slug = outcome.slug;
    const snapshots = await listSnapshots(project.ctx.store, slug);
    expect(snapshots).toHaveLength(1);
    const snapshotText = fs.readdirSync(snapshots[0] as string, { recursive: true }).join(' ');
    expect(snapshotText).toMatch(/\.jsonl/);

    const listing = await listBottles(project.ctx);
    expect(listing.preserved.map((record) => record.slug)).toEqual([slug]);
    expect(listing.preserved[0]?.preserved?.detail).toContain('code 3');

    const resumed = await prepareResume(project.ctx, slug);
    expect(resumed.plan.slug).toBe(slug);
    expect(resumed.plan.continueConversation).toBe(true);
    expect(resumed.plan.claude.args).toContain('--continue');
    const running = await launchPrepared(project.ctx, resumed);
    const screen = recordOutput((listener) => running.session.onData(listener));
    await screen.waitFor('previous: remember the blue door');
    running.session.write('exit\r');
    expect(await running.outcome).toMatchObject({ exitCode: 0, preserved: false });
    expect(await project.ctx.store.exists(slug)).toBe(false);
  });

  it('the running container carries the hardening the preflight promises', async () => {
    project = makeProject(testAgentManifest({ network: 'none', resources: { memory: '256m', cpus: 1, pids: 100 } }));
    const { running, screen } = await start(project);
    const info = await project.ctx.docker.getContainer(running.plan.containerName).inspect();
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.PidsLimit).toBe(100);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.Labels[LABELS.slug]).toBe(running.plan.slug);
    const binds = JSON.stringify(info.Mounts);
    expect(binds).not.toContain('docker.sock');
    running.session.write('whoami\r');
    await screen.waitFor(/uid=1000/);
    running.session.write('exit\r');
    await running.outcome;
  });

  it('stop from this process ends the session and removes everything unless kept', async () => {
    project = makeProject(testAgentManifest());
    const { running } = await start(project);
    const outcome = await running.stop({ keep: true });
    expect(outcome.preserved).toBe(true);
    expect(outcome.reason).toBe('keep');
    expect(await containersOf(project)).toHaveLength(0);
    expect((await project.ctx.store.read(running.plan.slug)).status).toBe('preserved');
  });

  it('a container killed mid-session is preserved, not lost', async () => {
    project = makeProject(testAgentManifest());
    const { running } = await start(project);
    await project.ctx.docker.getContainer(running.plan.containerName).kill();
    const outcome = await running.outcome;
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome.preserved).toBe(true);
    expect(await containersOf(project)).toHaveLength(0);
  });

  it("runs as the image's own user when it is not root", async () => {
    project = makeProject(testAgentManifest({ image: 'claude-bottle-test-user:latest' }));
    const { running, screen } = await start(project);
    const info = await project.ctx.docker.getContainer(running.plan.containerName).inspect();
    expect(info.Config.User).toBe('1000:1000'); // the image's "agent", by its numeric ids
    running.session.write('exit\r');
    await running.outcome;
    expect(screen.text()).toContain('Welcome');
  });

  it('copy-project bakes the project into an image: no mount, edits stay in the bottle, unchanged projects reuse it', async () => {
    project = makeProject(testAgentManifest(), { files: { 'src/app.txt': 'original\n', '.dockerignore': 'secret.env\n', 'secret.env': 'TOKEN=1\n' } });
    const first = await start(project, { copyProject: true });
    const info = await project.ctx.docker.getContainer(first.running.plan.containerName).inspect();
    expect(info.Mounts.some((mount) => mount.Destination === '/workspace')).toBe(false);
    const inBottle = (args: string[]): string => execFileSync('docker', ['exec', '-u', '1000', first.running.plan.containerName, ...args]).toString();
    expect(inBottle(['cat', '/workspace/src/app.txt'])).toBe('original\n');
    expect(inBottle(['ls', '-a', '/workspace'])).not.toContain('secret.env');
    inBottle(['sh', '-c', 'echo changed > /workspace/src/app.txt']);
    expect(fs.readFileSync(join(project.root, 'src/app.txt'), 'utf8')).toBe('original\n');
    first.running.session.write('exit\r');
    await first.running.outcome;

    const progress: string[] = [];
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester', options: { copyProject: true } });
    const second = await launchPrepared(project.ctx, prepared, { onProgress: (event) => progress.push(event.message) });
    expect(progress).toContain('project unchanged: reusing its image');
    await second.stop();
  });

  it('a dangerous agent really gets the dangerous mount it asked for, and the preflight says so in red', async () => {
    project = makeProject(testAgentManifest({ dangerous: true, mounts: [{ source: '/', target: '/host', readonly: true }] }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(prepared.plan.warnings.join('\n')).toContain('DANGEROUS mount /');
    const running = await launchPrepared(project.ctx, prepared);
    const info = await project.ctx.docker.getContainer(running.plan.containerName).inspect();
    expect(info.Mounts.some((mount) => mount.Source === '/' && mount.Destination === '/host' && mount.RW === false)).toBe(true);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    await running.stop();
  });
});
