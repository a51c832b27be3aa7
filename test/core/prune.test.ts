import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchPrepared, prepareStart, type RunningBottle } from '../../src/core/launcher';
import { EGRESS_ROLE_LABEL } from '../../src/core/network/bottleEgress';
import { LABELS } from '../../src/core/plan/plan';
import { findPrunable, prune } from '../../src/core/prune';
import { makeProject, TEST_IMAGE_TAG, testAgentManifest, type TestProject } from '../helpers/project';
import { requireDocker } from '../helpers/requireDocker';
import { runCliInTerminal } from '../helpers/terminal';

// What prune removes is what the app made and no bottle owns; a running bottle, a preserved one
// and whatever they use stay (docs/operations.md).

let project: TestProject | undefined;
let running: RunningBottle | undefined;
afterEach(async () => {
  await running?.stop().catch(() => undefined);
  running = undefined;
  project?.cleanup();
  project = undefined;
});
beforeAll(() => requireDocker());

async function leftovers(p: TestProject): Promise<void> {
  const labels = { [LABELS.home]: p.home, [LABELS.slug]: 'gone-20260101T000000-0000', [LABELS.agent]: 'gone' };
  await p.ctx.docker.createContainer({ name: `claude-bottle-prune-orphan-${process.pid}`, Image: TEST_IMAGE_TAG, Cmd: ['true'], Labels: labels });
  await p.ctx.docker.createContainer({ name: `claude-bottle-prune-sidecar-${process.pid}`, Image: TEST_IMAGE_TAG, Cmd: ['true'], Labels: { ...labels, [EGRESS_ROLE_LABEL]: 'egress' } });
  await p.ctx.docker.createNetwork({ Name: `claude-bottle-prune-net-${process.pid}`, Internal: true, Labels: labels });
  fs.mkdirSync(join(p.home, 'state', 'broken-20260101T000000-0000'), { recursive: true });
  fs.writeFileSync(join(p.home, 'state', 'broken-20260101T000000-0000', 'bottle.json'), '{ truncated');
}

describe('prune', () => {
  it('lists a cached image no container uses, and not once a container uses it', async () => {
    project = makeProject(testAgentManifest());
    const tag = `claude-bottle/copy-prune-test-${process.pid}:latest`;
    execFileSync('docker', ['build', '-q', '-t', tag, '--label', 'claude-bottle.kind=copy-project', '--label', `claude-bottle.project=${project.root}`, '-'], { input: `FROM ${TEST_IMAGE_TAG}\n`, stdio: ['pipe', 'ignore', 'inherit'], env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    try {
      const images = async (): Promise<string[]> => (await findPrunable(project!.ctx)).filter((item) => item.kind === 'image').map((item) => item.name);
      expect(await images()).toContain(tag);
      const user = await project.ctx.docker.createContainer({ Image: tag, Cmd: ['true'] });
      expect(await images()).not.toContain(tag);
      await user.remove({ force: true });
    } finally {
      execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
    }
  });

  it('lists and removes only what no bottle owns; a running bottle and its network stay', async () => {
    project = makeProject(testAgentManifest());
    running = await launchPrepared(project.ctx, await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' }));
    await leftovers(project);
    const items = await findPrunable(project.ctx, { images: false });
    expect(items.map((item) => `${item.kind} ${item.name}`).sort()).toEqual(
      [`container claude-bottle-prune-orphan-${process.pid}`, `network claude-bottle-prune-net-${process.pid}`, `sidecar claude-bottle-prune-sidecar-${process.pid}`, 'state broken-20260101T000000-0000'].sort(),
    );
    const results = await prune(project.ctx, items);
    expect(results.filter((result) => result.error)).toEqual([]);
    expect(await findPrunable(project.ctx, { images: false })).toEqual([]);
    expect((await project.ctx.docker.getContainer(running.plan.containerName).inspect()).State.Running).toBe(true);
  });

  it('claude-bottle ps shows what outlived its bottle; prune --dry-run lists and removes nothing; --yes removes', async () => {
    project = makeProject(testAgentManifest());
    await leftovers(project);
    const ps = runCliInTerminal(['ps'], { env: project.env, cwd: project.root });
    expect(await ps.exited).toBe(0);
    expect(ps.text()).toMatch(/sidecar\s+claude-bottle-prune-sidecar-\d+\s+the egress of gone-20260101T000000-0000/);
    expect(ps.text()).toMatch(/network\s+claude-bottle-prune-net-\d+/);
    expect(ps.text()).toContain('claude-bottle prune removes them');
    const dry = runCliInTerminal(['prune', '--dry-run', '--no-images'], { env: project.env, cwd: project.root });
    expect(await dry.exited).toBe(0);
    expect(dry.text()).toMatch(/sidecar\s+claude-bottle-prune-sidecar-\d+\s+the egress of gone-20260101T000000-0000, whose bottle is gone/);
    expect(dry.text()).toContain('dry run: nothing was removed');
    expect((await findPrunable(project.ctx, { images: false })).length).toBe(4);
    const real = runCliInTerminal(['prune', '--yes', '--no-images'], { env: project.env, cwd: project.root });
    expect(await real.exited).toBe(0);
    expect(real.text()).toContain('removed 4 of 4');
    expect(await findPrunable(project.ctx, { images: false })).toEqual([]);
  });
});
