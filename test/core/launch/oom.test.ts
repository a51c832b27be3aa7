import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listBottles } from '../../../src/core/bottles';
import { launchPrepared, prepareStart } from '../../../src/core/launcher';
import { makeProject, testAgentManifest, type TestProject } from '../../helpers/project';
import { requireDocker } from '../../helpers/requireDocker';
import { recordOutput } from '../../helpers/terminal';

let project: TestProject | undefined;
afterEach(() => project?.cleanup());
beforeAll(() => requireDocker());

describe('a session killed by the memory limit', () => {
  it('is reported as out of memory with the limit, not as "exited 137"', async () => {
    project = makeProject(testAgentManifest({ network: 'none', resources: { memory: '16m', cpus: 1, pids: 100 } }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    const running = await launchPrepared(project.ctx, prepared);
    const screen = recordOutput((listener) => running.session.onData(listener));
    await screen.waitFor('> ');

    // Something in the bottle eats memory past the 16 MiB limit. Claude is marked as the kernel's
    // preferred victim (as a big Node process would be), so it is the session that dies.
    await promisify(execFile)('docker', [
      'exec',
      running.plan.containerName,
      'sh',
      '-c',
      // busybox has no pgrep: find fake claude (`sh /usr/local/bin/claude ...`) by its cmdline, not this shell.
      'for d in /proc/[0-9]*; do [ "${d#/proc/}" != "$$" ] && grep -q /usr/local/bin/claude "$d/cmdline" 2>/dev/null && echo 1000 > "$d/oom_score_adj"; done; head -c 64m /dev/zero | tail',
    ], { timeout: 30_000 }).catch(() => undefined);

    const outcome = await running.outcome;
    expect(outcome).toMatchObject({ exitCode: 137, preserved: true, reason: 'exit', outOfMemory: 'out of memory (limit 16 MiB)' });
    // The CLI's end-of-session line and the tab's status message.
    expect(outcome.summary).toBe('preserved: out of memory (limit 16 MiB)');
    // `ps` shows the preserved reason's detail.
    const listing = await listBottles(project.ctx);
    expect(listing.preserved[0]?.preserved?.detail).toBe('out of memory (limit 16 MiB)');
  }, 60_000);
});
