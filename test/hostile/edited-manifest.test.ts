import fs from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchPrepared, prepareResume, prepareStart, reattachBottle } from '../../src/core/launcher';
import { renderPreflight } from '../../src/core/plan/preflight';
import { execIn } from '../core/docker/fixtures';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';
import { requireDocker } from '../helpers/requireDocker';
import { recordOutput, runCliInTerminal } from '../helpers/terminal';

// The project is mounted read-write by default, so the agent can edit claude-bottle.json: add a
// secret the host holds, an argument, a host. What a bottle gets stays what the user confirmed: a
// re-attach never reads the manifest, and a resume shows every change before anything starts —
// `--yes` alone does not accept them.

const SECRET = 'the-host-secret-value';
let project: TestProject | undefined;
afterEach(() => project?.cleanup());
beforeAll(() => requireDocker());

/** As the agent would: through the project mount, from inside the bottle. */
async function editManifestFromInside(p: TestProject, containerName: string): Promise<void> {
  // The project's files are the user's, and the bottle runs as the user's uid.
  fs.chownSync(p.root, 1000, 1000);
  fs.chownSync(p.manifest, 1000, 1000);
  const edited = { version: 1, agents: { tester: { description: 'edited by the agent', image: 'claude-bottle-test:latest', network: 'none', secrets: ['HOST_SECRET'], claude: { args: ['--agent-added-arg'] } } } };
  const script = `cat > /workspace/claude-bottle.json <<'EOF'\n${JSON.stringify(edited)}\nEOF`;
  const result = await execIn(p.ctx.docker.getContainer(containerName), ['sh', '-c', script], { user: '1000' });
  expect(result.exitCode, result.stderr).toBe(0);
  expect(fs.readFileSync(p.manifest, 'utf8')).toContain('HOST_SECRET');
}

describe('a manifest the agent edited', () => {
  it('does not reach a re-attached bottle: the same Claude goes on, without the secret or the argument', async () => {
    project = makeProject(testAgentManifest(), { secrets: { HOST_SECRET: SECRET } });
    const cli = runCliInTerminal(['start', '--yes', 'tester'], { env: project.env, cwd: project.root });
    await cli.waitFor('> ', 60_000);
    const slug = (await project.ctx.store.list()).records[0]?.slug as string;
    await editManifestFromInside(project, `claude-bottle-${slug}`);
    process.kill(cli.pid, 'SIGKILL');
    await cli.exited;

    const running = await reattachBottle(project.ctx, slug, { cols: 100, rows: 30 });
    const screen = recordOutput((listener) => running.session.onData(listener));
    running.session.write('secret HOST_SECRET\r');
    await screen.waitFor('HOST_SECRET is not set');
    expect(running.plan.claude.args).not.toContain('--agent-added-arg');
    expect(running.plan.secrets.map((secret) => secret.name)).not.toContain('HOST_SECRET');
    await running.stop();
  });

  it('shows every change at resume; --yes refuses them, --yes --accept-changes takes them', async () => {
    project = makeProject(testAgentManifest(), { secrets: { HOST_SECRET: SECRET } });
    const running = await launchPrepared(project.ctx, await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' }));
    const screen = recordOutput((listener) => running.session.onData(listener));
    await screen.waitFor('> ');
    await editManifestFromInside(project, running.plan.containerName);
    running.session.write('exit 3\r');
    const { slug } = await running.outcome;

    const resumed = await prepareResume(project.ctx, slug);
    expect(resumed.plan.changes).toEqual(expect.arrayContaining(['secret added: HOST_SECRET', expect.stringContaining("Claude's arguments")]));
    const preflight = renderPreflight(resumed.plan);
    expect(preflight).toContain('since you last confirmed this bottle');
    expect(preflight).toContain('secret added: HOST_SECRET');

    const refused = runCliInTerminal(['resume', '--yes', slug], { env: project.env, cwd: project.root });
    expect(await refused.exited).toBe(64);
    expect(refused.text()).toContain('changed since it was last confirmed');
    expect((await project.ctx.store.read(slug)).status).toBe('preserved');

    const accepted = runCliInTerminal(['resume', '--yes', '--accept-changes', slug], { env: project.env, cwd: project.root });
    await accepted.waitFor('> ', 60_000);
    accepted.write('secret HOST_SECRET\r');
    await accepted.waitFor(`HOST_SECRET is set (${SECRET.length} chars)`);
    accepted.write('exit 0\r');
    expect(await accepted.exited).toBe(0);
  });

  it("a resume of a bottle whose Claude still runs does not destroy it: it says to attach", async () => {
    project = makeProject(testAgentManifest());
    const cli = runCliInTerminal(['start', '--yes', 'tester'], { env: project.env, cwd: project.root });
    await cli.waitFor('> ', 60_000);
    const slug = (await project.ctx.store.list()).records[0]?.slug as string;
    process.kill(cli.pid, 'SIGKILL');
    await cli.exited;
    await expect(prepareResume(project.ctx, slug)).rejects.toThrow(/still running.*/);
    expect((await project.ctx.docker.getContainer(`claude-bottle-${slug}`).inspect()).State.Running).toBe(true);
    const attached = runCliInTerminal(['attach', slug], { env: project.env, cwd: project.root });
    attached.write('back on the same Claude\r');
    await attached.waitFor('you said: back on the same Claude', 30_000);
    attached.write('exit 0\r');
    expect(await attached.exited).toBe(0);
  });
});

describe('two re-attaches at once', () => {
  it('exactly one wins; the other is told who holds the bottle, and may take it over', async () => {
    const { spawn } = await import('node:child_process');
    const { createCoreContext } = await import('../../src/core/context');
    const { environmentSecrets } = await import('../../src/core/plan/plan');
    project = makeProject(testAgentManifest());
    const cli = runCliInTerminal(['start', '--yes', 'tester'], { env: project.env, cwd: project.root });
    await cli.waitFor('> ', 60_000);
    const slug = (await project.ctx.store.list()).records[0]?.slug as string;
    process.kill(cli.pid, 'SIGKILL');
    await cli.exited;
    // A second process that attaches: its owner is a live process other than this one.
    const other = spawn('sleep', ['60']);
    try {
      const otherCtx = { ...createCoreContext({ stateRoot: project.home, secrets: environmentSecrets({}) }), owner: { pid: other.pid as number, hostname: project.ctx.owner.hostname } };
      const results = await Promise.allSettled([reattachBottle(project.ctx, slug, {}, { by: 'this window' }), reattachBottle(otherCtx, slug, {}, { by: 'the other window' })]);
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(String(lost[0]?.reason)).toMatch(/attached in (this|the other) window/);
      const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof reattachBottle>>>).value;
      const loserCtx = lost[0] && String(lost[0].reason).includes('the other window') ? project.ctx : otherCtx;
      const taken = await reattachBottle(loserCtx, slug, {}, { takeOver: true, by: 'a taker' });
      expect(taken.plan.slug).toBe(slug);
      await winner.stop();
    } finally {
      other.kill();
    }
  });
});
