import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, imageExists, type BuildProgress } from '../../../src/core/docker';
import { failure, makeTree, RUN_ID, runOnce, setUpEngine, tearDownEngine, TEST_LABELS, uniqueName } from './fixtures';

let docker: Docker;
let image: string;

beforeAll(async () => {
  ({ docker, image } = await setUpEngine());
});

afterAll(() => tearDownEngine(docker));

function context(files: Record<string, string>): string {
  return makeTree(files);
}

function tag(): string {
  return `claude-bottle-test/build:${uniqueName('t')}`;
}


describe('building an image', () => {
  it('reports progress with step fractions and resolves with the image id', async () => {
    const dir = context({
      'Dockerfile': `FROM ${image}\nARG GREETING\nLABEL greeting=$GREETING\nRUN echo built > /built.txt\n`,
    });
    const events: BuildProgress[] = [];
    const wanted = tag();
    const id = await buildImage(
      docker,
      { context: dir, dockerfile: path.join(dir, 'Dockerfile'), tag: wanted, buildArgs: { GREETING: 'hi' }, labels: TEST_LABELS },
      (event) => events.push(event),
    );

    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const info = await docker.getImage(wanted).inspect();
    expect(info.Id).toBe(id);
    expect(info.Config.Labels).toMatchObject({ ...TEST_LABELS, greeting: 'hi' });

    const stepEvents = events.filter((event) => event.phase === 'building' && event.step !== undefined);
    const total = stepEvents[0]?.totalSteps ?? 0;
    expect(total).toBeGreaterThanOrEqual(4); // the engine adds a step for the labels
    expect(stepEvents.every((event) => event.totalSteps === total)).toBe(true);
    const fractions = stepEvents.map((event) => event.fraction ?? -1);
    expect(fractions[0]).toBe(0);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
    expect(fractions.some((fraction) => fraction > 0 && fraction < 1)).toBe(true);
    expect(events.some((event) => event.message === `Step 4/${total} : RUN echo built > /built.txt`)).toBe(true);
    expect(events.at(-1)).toMatchObject({ phase: 'exporting', fraction: 1 });
  });

  it('whose Dockerfile fails is build-failed, quoting the build output (the error arrives inside a 200 stream)', async () => {
    const dir = context({ 'Dockerfile': `FROM ${image}\nRUN echo marker-before-failure\nRUN false\n` });
    const wanted = tag();
    const error = await failure(
      buildImage(docker, { context: dir, dockerfile: path.join(dir, 'Dockerfile'), tag: wanted, labels: TEST_LABELS }),
    );
    expect(error.kind).toBe('build-failed');
    expect(error.message).toContain("The command '/bin/sh -c false' returned a non-zero code: 1");
    expect(error.message).toContain('marker-before-failure');
    expect(error.message).toMatch(/Step 3\/\d : RUN false/);
    expect(await imageExists(docker, wanted)).toBe(false);
  });

  it('sends the context minus .dockerignore, but always the Dockerfile', async () => {
    const dir = context({
      '.dockerignore': 'Dockerfile\nsecret.txt\nlogs/\n',
      'Dockerfile': `FROM ${image}\nCOPY . /ctx\n`,
      'secret.txt': 'do not send',
      'logs/a.log': 'no',
      'src/main.ts': 'yes',
    });
    const wanted = tag();
    await buildImage(docker, { context: dir, dockerfile: path.join(dir, 'Dockerfile'), tag: wanted, labels: TEST_LABELS });
    const listing = await runOnce(docker, wanted, ['find', '/ctx']);
    // .dockerignore itself is sent (and copied) unless it lists itself, as with `docker build`.
    expect(listing.split('\n').sort()).toEqual(['', '/ctx', '/ctx/.dockerignore', '/ctx/src', '/ctx/src/main.ts']);
  });

  it('with a Dockerfile outside its context is refused before anything is sent', async () => {
    const dir = context({ 'Dockerfile': `FROM ${image}\n` });
    const other = context({ 'ctx.txt': '' });
    const error = await failure(buildImage(docker, { context: other, dockerfile: path.join(dir, 'Dockerfile'), tag: tag() }));
    expect(error.kind).toBe('build-failed');
    expect(error.message).toContain('not inside the build context');
  });

  it('that is aborted mid-way rejects with cancelled and leaves no image and no build container', async () => {
    const marker = `abort-marker-${RUN_ID}`;
    const dir = context({ 'Dockerfile': `FROM ${image}\nRUN echo ${marker} && sleep 30\n` });
    const wanted = tag();
    const labels = { ...TEST_LABELS, 'claude-bottle.test-case': marker };
    const abort = new AbortController();
    const started = Date.now();
    const error = await failure(
      buildImage(
        docker,
        { context: dir, dockerfile: path.join(dir, 'Dockerfile'), tag: wanted, labels },
        (event) => {
          if (event.message.includes(marker) && !event.message.startsWith('Step')) abort.abort();
        },
        abort.signal,
      ),
    );
    expect(error.kind).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await imageExists(docker, wanted)).toBe(false);
    expect(await docker.listImages({ filters: { label: [`claude-bottle.test-case=${marker}`] } })).toEqual([]);
    // The engine stops the build when the client hangs up and removes its RUN container.
    await expect.poll(async () => buildContainers(marker), { timeout: 15_000, interval: 250 }).toEqual([]);
  });

  it('that outlives its timeout is build-failed saying so', async () => {
    const dir = context({ 'Dockerfile': `FROM ${image}\nRUN sleep 30\n` });
    const error = await failure(
      buildImage(docker, { context: dir, dockerfile: path.join(dir, 'Dockerfile'), tag: tag(), labels: TEST_LABELS, timeoutMs: 1_500 }),
    );
    expect(error.kind).toBe('build-failed');
    expect(error.message).toContain('timed out after');
  });
});

async function buildContainers(marker: string): Promise<string[]> {
  const all = await docker.listContainers({ all: true });
  return all.filter((container) => container.Command.includes(marker)).map((container) => container.Id);
}
