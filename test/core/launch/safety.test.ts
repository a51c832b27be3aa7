import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCoreContext } from '../../../src/core/context';
import { connectDocker } from '../../../src/core/docker/client';
import { findBottleContainers } from '../../../src/core/docker/containers';
import { BottleError } from '../../../src/core/errors';
import { cancelPrepared, launchPrepared, prepareStart } from '../../../src/core/launcher';
import { environmentSecrets, LABELS } from '../../../src/core/plan/plan';
import { renderPreflight } from '../../../src/core/plan/preflight';
import { makeProject, readTree, testAgentManifest, type TestProject } from '../../helpers/project';
import { execIn } from '../docker/fixtures';
import { requireDocker } from '../../helpers/requireDocker';
import { recordOutput } from '../../helpers/terminal';

let project: TestProject | undefined;
afterEach(() => project?.cleanup());
beforeAll(() => requireDocker());

const SECRET_VALUE = 'sk-test-7f3a9c1e5b2d4086-never-print-me';

describe('secrets and failures', () => {
  it("a secret reaches Claude's session but its value is found nowhere else", async () => {
    project = makeProject(testAgentManifest({ secrets: ['BOTTLE_TEST_TOKEN'] }), { secrets: { BOTTLE_TEST_TOKEN: SECRET_VALUE } });
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    const preflight = renderPreflight(prepared.plan);
    expect(preflight).toContain('BOTTLE_TEST_TOKEN');
    expect(preflight).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(prepared.plan)).not.toContain(SECRET_VALUE);

    const running = await launchPrepared(project.ctx, prepared);
    const screen = recordOutput((listener) => running.session.onData(listener));
    await screen.waitFor('> ');
    running.session.write('secret BOTTLE_TEST_TOKEN\r');
    await screen.waitFor(`BOTTLE_TEST_TOKEN is set (${SECRET_VALUE.length} chars)`);

    const container = project.ctx.docker.getContainer(running.plan.containerName);
    const inspect = JSON.stringify(await container.inspect());
    const logs = (await container.logs({ stdout: true, stderr: true })).toString('latin1');
    // The secret crossed through the boot FIFO, on an exec's standard input; the FIFO is gone.
    const run = await execIn(container, ['ls', '-A', '/claude-bottle/run'], { user: '1000' });
    running.session.write('exit 4\r'); // preserved, so the state folder stays to be searched
    const outcome = await running.outcome;
    expect(outcome.preserved).toBe(true);

    expect(inspect).not.toContain(SECRET_VALUE);
    expect(logs).not.toContain(SECRET_VALUE);
    expect(run.stdout.trim()).toBe('');
    expect(screen.text()).not.toContain(SECRET_VALUE);
    expect(readTree(project.home)).not.toContain(SECRET_VALUE);
  });

  it('a missing secret is marked in the plan and the bottle starts without it', async () => {
    project = makeProject(testAgentManifest({ secrets: ['BOTTLE_ABSENT_TOKEN'] }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(prepared.plan.secrets).toEqual([{ name: 'BOTTLE_ABSENT_TOKEN', available: false, origin: 'agent' }]);
    expect(renderPreflight(prepared.plan)).toMatch(/BOTTLE_ABSENT_TOKEN\s+MISSING/);
  });

  it('an unreachable daemon is a clear error and leaves no state', async () => {
    project = makeProject(testAgentManifest());
    const ctx = createCoreContext({ stateRoot: project.home, docker: connectDocker({ socketPath: '/nonexistent/docker.sock' }), secrets: environmentSecrets({}) });
    const prepared = await prepareStart(ctx, { projectDir: project.root, agent: 'tester' });
    const error = await launchPrepared(ctx, prepared).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BottleError);
    expect((error as BottleError).kind).toBe('docker-unavailable');
    expect((error as BottleError).message).toContain('/nonexistent/docker.sock');
    expect(fs.readdirSync(join(project.home, 'state'))).toEqual([]);
  });

  it('a missing image is a clear error naming it, and leaves nothing behind', async () => {
    project = makeProject(testAgentManifest({ image: 'claude-bottle-test/does-not-exist:1' }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    const error = await launchPrepared(project.ctx, prepared).catch((caught: unknown) => caught);
    expect((error as BottleError).kind).toBe('image-missing');
    expect((error as BottleError).message).toContain('claude-bottle-test/does-not-exist:1');
    expect(fs.readdirSync(join(project.home, 'state'))).toEqual([]);
    expect(await findBottleContainers(project.ctx.docker, { [LABELS.home]: project.home })).toHaveLength(0);
  });

  it('interrupting a launch mid-build leaves no container, no state and no image', async () => {
    const dockerfile = 'FROM claude-bottle-test:latest\nRUN sleep 30\n';
    project = makeProject(testAgentManifest({ image: undefined, build: { context: 'agent-image' } }), { files: { 'agent-image/Dockerfile': dockerfile } });
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    const abort = new AbortController();
    const launching = launchPrepared(project.ctx, prepared, {
      signal: abort.signal,
      onProgress: (progress) => {
        if (progress.message.includes('sleep 30')) abort.abort();
      },
    });
    const error = await launching.catch((caught: unknown) => caught);
    expect((error as BottleError).kind).toBe('cancelled');
    expect(fs.readdirSync(join(project.home, 'state'))).toEqual([]);
    expect(await findBottleContainers(project.ctx.docker, { [LABELS.home]: project.home })).toHaveLength(0);
    const tags = execFileSync('docker', ['images', '--format', '{{.Repository}}', '--filter', `label=claude-bottle.project=${project.root}`]).toString();
    expect(tags.trim()).toBe('');
  });

  it('an allow-list naming the Anthropic API says what listing it opens, and a cancel leaves nothing', async () => {
    project = makeProject(testAgentManifest({ network: { allow: ['api.anthropic.com'] } }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(renderPreflight(prepared.plan)).toContain('the list names the Anthropic API: the agent can reach it with a key of its own');
    await cancelPrepared(project.ctx, prepared);
    expect(fs.existsSync(join(project.home, 'state')) ? fs.readdirSync(join(project.home, 'state')) : []).toEqual([]);
  });
});
