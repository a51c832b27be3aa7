import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listBottles } from '../../../src/core/bottles';
import { launchPrepared, prepareStart, type RunningBottle } from '../../../src/core/launcher';
import { makeProject, testAgentManifest, type TestProject } from '../../helpers/project';
import { requireDocker } from '../../helpers/requireDocker';
import { CLI_COMMAND, recordOutput, runCliInTerminal } from '../../helpers/terminal';

// The fault matrix (docs/operations.md): each fault ends in a state `claude-bottle ps` shows, with
// nothing running that nothing lists.

let project: TestProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});
beforeAll(() => requireDocker());

describe('faults', () => {
  it('ten starts of one agent at once get ten bottles with distinct slugs, and all clean up', async () => {
    project = makeProject(testAgentManifest());
    const p = project;
    const started = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const running = await launchPrepared(p.ctx, await prepareStart(p.ctx, { projectDir: p.root, agent: 'tester' }));
        await recordOutput((listener) => running.session.onData(listener)).waitFor('> ', 60_000);
        return running;
      }),
    );
    expect(new Set(started.map((running) => running.plan.slug)).size).toBe(10);
    expect((await listBottles(p.ctx)).live).toHaveLength(10);
    await Promise.all(started.map((running: RunningBottle) => running.stop()));
    const after = await listBottles(p.ctx);
    expect([after.live, after.preserved, after.interrupted]).toEqual([[], [], []]);
  }, 180_000);

  it('an empty or truncated bottle.json is listed as corrupt by ps, and the others still list', async () => {
    project = makeProject(testAgentManifest());
    for (const [slug, content] of [
      ['empty-20260101T000000-0000', ''],
      ['truncated-20260101T000000-0000', '{"version":1,"slug":"truncated-2026'],
    ] as const) {
      fs.mkdirSync(join(project.home, 'state', slug), { recursive: true });
      fs.writeFileSync(join(project.home, 'state', slug, 'bottle.json'), content);
    }
    const listing = await listBottles(project.ctx);
    expect(listing.corrupt.map((entry) => entry.slug).sort()).toEqual(['empty-20260101T000000-0000', 'truncated-20260101T000000-0000']);
    const ps = runCliInTerminal(['ps'], { env: project.env, cwd: project.root });
    expect(await ps.exited).toBe(0);
    expect(ps.text()).toMatch(/empty-20260101T000000-0000\s+\?\s+corrupt/);
    expect(ps.text()).toMatch(/truncated-20260101T000000-0000\s+\?\s+corrupt/);
  });

  it('the terminal process killed with three bottles running: ps lists them detached, and attach reaches the same Claude', async () => {
    project = makeProject(testAgentManifest());
    const p = project;
    const clis = [0, 1, 2].map((index) => {
      const run = runCliInTerminal([], { env: p.env, cwd: p.root, command: ['sh', '-c', `exec ${CLI_COMMAND.join(' ')} start --yes tester`] });
      return { index, run };
    });
    for (const { run, index } of clis) {
      await run.waitFor('> ', 60_000);
      run.write(`remember number ${index}\r`);
      await run.waitFor(`you said: remember number ${index}`);
    }
    for (const { run } of clis) process.kill(run.pid, 'SIGKILL');
    await Promise.all(clis.map(({ run }) => run.exited.catch(() => undefined)));
    const ps = runCliInTerminal(['ps'], { env: p.env, cwd: p.root });
    expect(await ps.exited).toBe(0);
    expect(ps.text().match(/running \(detached\)/g)).toHaveLength(3);
    const slugs = (await listBottles(p.ctx)).live.map((bottle) => bottle.slug);
    expect(slugs).toHaveLength(3);
    for (const slug of slugs) {
      const attach = runCliInTerminal(['attach', slug], { env: p.env, cwd: p.root });
      attach.write('still you?\r');
      await attach.waitFor('you said: still you?', 30_000);
      attach.write('exit\r');
      expect(await attach.exited).toBe(0);
    }
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=claude-bottle.home=${p.home}`]).toString().trim()).toBe('');
  }, 180_000);
});
