import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchPrepared, prepareStart, type RunningBottle } from '../../src/core/launcher';
import { RUN_ID, TEST_LABELS } from '../core/docker/fixtures';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';
import { requireDocker } from '../helpers/requireDocker';
import { recordOutput } from '../helpers/terminal';
import { ensureTestImage } from '../helpers/testImage';

// Root under another name must never run Claude while the preflight says "non-root user": every
// spelling of uid 0 or gid 0 in the manifest, an alias with uid 0 in the image's own passwd, and
// an image whose USER is root in disguise.

const TOOR_IMAGE = `claude-bottle-test-toor:${RUN_ID}`;
const USER_ZERO_IMAGE = `claude-bottle-test-user-zero:${RUN_ID}`;

let project: TestProject | undefined;
afterEach(() => project?.cleanup());

function build(tag: string, dockerfile: string): void {
  const labels = Object.entries(TEST_LABELS).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
  execFileSync('docker', ['build', '-q', '-t', tag, ...labels, '-'], { input: dockerfile, stdio: ['pipe', 'ignore', 'pipe'] });
}

beforeAll(async () => {
  await requireDocker();
  const base = await ensureTestImage();
  build(TOOR_IMAGE, `FROM ${base}\nRUN echo 'toor:x:0:0:root in disguise:/root:/bin/sh' >> /etc/passwd\n`);
  build(USER_ZERO_IMAGE, `FROM ${base}\nUSER 0:1000\n`);
}, 120_000);

afterAll(() => {
  execFileSync('docker', ['rmi', '-f', TOOR_IMAGE, USER_ZERO_IMAGE], { stdio: 'ignore' });
});

async function idOfClaude(p: TestProject): Promise<{ running: RunningBottle; id: string }> {
  const prepared = await prepareStart(p.ctx, { projectDir: p.root, agent: 'tester' });
  const running = await launchPrepared(p.ctx, prepared);
  const screen = recordOutput((listener) => running.session.onData(listener));
  await screen.waitFor('> ');
  running.session.write('whoami\r');
  await screen.waitFor(/uid=\d+.*gid=\d+/);
  return { running, id: /uid=\d+\S*\s+gid=\d+\S*/.exec(screen.text())?.[0] ?? '' };
}

describe('uid 0 in disguise', () => {
  it.each(['00', '0:1000', 'root:1000', '1000:0', '1000:root', '0000'])('"user": "%s" is refused before anything starts', async (user) => {
    project = makeProject(testAgentManifest({ user }));
    await expect(prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' })).rejects.toThrow(/run as root|root/);
    expect(fs.existsSync(`${project.home}/state`) ? fs.readdirSync(`${project.home}/state`) : []).toEqual([]);
  });

  it("an alias with uid 0 in the image's passwd is refused at launch, with nothing left behind", async () => {
    project = makeProject(testAgentManifest({ image: TOOR_IMAGE, user: 'toor' }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    await expect(launchPrepared(project.ctx, prepared)).rejects.toThrow(/"toor", which is uid 0, gid 0 in image .*: root/);
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=claude-bottle.home=${project.home}`]).toString().trim()).toBe('');
  });

  it('an image whose USER is root in disguise runs the bottle as uid 1000', async () => {
    project = makeProject(testAgentManifest({ image: USER_ZERO_IMAGE }));
    const { running, id } = await idOfClaude(project);
    expect(id).toMatch(/^uid=1000\S* gid=1000/);
    running.session.write('exit\r');
    await running.outcome;
  });

  it('a named non-root user runs with its numeric ids, and root still works when the agent is dangerous', async () => {
    project = makeProject(testAgentManifest({ user: 'agent' }));
    const named = await idOfClaude(project);
    expect(named.id).toMatch(/^uid=1000\S* gid=1000/);
    named.running.session.write('exit\r');
    await named.running.outcome;
    project.cleanup();

    project = makeProject(testAgentManifest({ image: TOOR_IMAGE, user: 'toor', dangerous: true }));
    const root = await idOfClaude(project);
    expect(root.id).toMatch(/^uid=0\S* gid=0/);
    root.running.session.write('exit\r');
    await root.running.outcome;
  });
});
