import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { stopBottle } from '../../src/core/bottles';
import { reattachBottle } from '../../src/core/launcher';
import { TEST_LABELS, setUpEngine, tearDownEngine, uniqueName } from '../core/docker/fixtures';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';

// bottle.json is a file; a hand-edited one (or one a process with the user's rights rewrote) must
// not point stop or re-attach at a container that is not the bottle's.

let docker: Docker;
let image: string;
let project: TestProject | undefined;
beforeAll(async () => {
  ({ docker, image } = await setUpEngine());
});
afterEach(() => project?.cleanup());
afterAll(() => tearDownEngine(docker));

describe('a forged bottle.json', () => {
  it('naming another container: stop leaves that container alone', async () => {
    const bystander = await docker.createContainer({ name: uniqueName('bystander'), Image: image, Entrypoint: ['sleep'], Cmd: ['600'], Labels: TEST_LABELS });
    await bystander.start();
    project = makeProject(testAgentManifest());
    const slug = 'tester-20261204T010101-beef';
    await project.ctx.store.create({
      version: 1,
      slug,
      agent: 'tester',
      projectRoot: project.root,
      manifestFile: project.manifest,
      containerName: (await bystander.inspect()).Name.slice(1),
      createdAt: '',
      updatedAt: '',
      status: 'running',
      options: { copyProject: false, remoteControl: false },
      grantedCapabilities: [],
      sessions: 0,
      owner: { pid: 2 ** 22 + 12345, hostname: 'elsewhere' },
    });
    await stopBottle(project.ctx, slug);
    expect((await bystander.inspect()).State.Running).toBe(true);
  });

  it("whose slug's container carries another state root's labels: re-attach refuses it", async () => {
    project = makeProject(testAgentManifest());
    const slug = 'tester-20261204T010102-beef';
    const impostor = await docker.createContainer({ name: `claude-bottle-${slug}`, Image: image, Entrypoint: ['sleep'], Cmd: ['600'], Labels: { ...TEST_LABELS, 'claude-bottle.slug': slug, 'claude-bottle.home': '/somebody/else' } });
    await impostor.start();
    await project.ctx.store.create({
      version: 1,
      slug,
      agent: 'tester',
      projectRoot: project.root,
      manifestFile: project.manifest,
      containerName: `claude-bottle-${slug}`,
      createdAt: '',
      updatedAt: '',
      status: 'running',
      options: { copyProject: false, remoteControl: false },
      grantedCapabilities: [],
      sessions: 0,
    });
    await expect(reattachBottle(project.ctx, slug)).rejects.toThrow(/is not bottle .*'s .*left alone/);
    await expect(stopBottle(project.ctx, slug)).rejects.toThrow(/left alone/);
    expect((await impostor.inspect()).State.Running).toBe(true);
  });
});
