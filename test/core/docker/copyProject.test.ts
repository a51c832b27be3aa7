import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCopyProjectImage, imageExists, type BuildProgress, type CopyProjectSpec } from '../../../src/core/docker';
import { BottleError } from '../../../src/core/errors';
import { makeTree, RUN_ID, runOnce, setUpEngine, tearDownEngine, TEST_LABELS, writeTree } from './fixtures';

let docker: Docker;
let image: string;

beforeAll(async () => {
  ({ docker, image } = await setUpEngine());
});

afterAll(() => tearDownEngine(docker));

function project(): string {
  const root = makeTree({
    '.dockerignore': '# build output\nnode_modules\n*.log\n!keep.log\nsecret/\n',
    'src/a.ts': 'export const a = 1;\n',
    'keep.log': 'kept despite *.log',
    'debug.log': 'ignored',
    'node_modules/x/index.js': 'ignored',
    'secret/key': 'ignored',
    'bin/run.sh': '#!/bin/sh\necho run\n',
  });
  fs.chmodSync(path.join(root, 'bin/run.sh'), 0o755);
  fs.symlinkSync('src/a.ts', path.join(root, 'link'));
  return root;
}

function spec(projectRoot: string, overrides: Partial<CopyProjectSpec> = {}): CopyProjectSpec {
  return {
    projectRoot,
    baseImage: image,
    workdir: '/workspace',
    user: '1000:1000',
    labels: { ...TEST_LABELS, 'claude-bottle.agent': 'tester' },
    tagRepo: `claude-bottle-test/copy-${RUN_ID}`,
    ...overrides,
  };
}

async function copiesOf(root: string): Promise<string[]> {
  const images = await docker.listImages({
    filters: { label: ['claude-bottle.kind=copy-project', `claude-bottle.project=${root}`] },
  });
  return images.flatMap((info) => info.RepoTags ?? []);
}

describe('a copy of the project baked into an image', () => {
  it('is built once, reused while the project is unchanged, rebuilt after an edit, and old copies are removed', async () => {
    const root = project();
    const first: BuildProgress[] = [];
    const built = await buildCopyProjectImage(docker, spec(root), (event) => first.push(event));
    expect(built.reused).toBe(false);
    expect(built.tag).toBe(`claude-bottle-test/copy-${RUN_ID}:${built.hash.slice(0, 20)}`);
    expect(first.map((event) => event.phase)).toEqual(expect.arrayContaining(['hashing', 'building', 'exporting']));
    expect((await docker.getImage(built.tag).inspect()).Config.Labels).toMatchObject({
      'claude-bottle.kind': 'copy-project',
      'claude-bottle.project': root,
      'claude-bottle.agent': 'tester',
      ...TEST_LABELS,
    });

    const again: BuildProgress[] = [];
    const reused = await buildCopyProjectImage(docker, spec(root), (event) => again.push(event));
    expect(reused).toEqual({ tag: built.tag, reused: true, hash: built.hash });
    expect(again.some((event) => event.phase === 'building')).toBe(false);

    writeTree(root, { 'debug.log': 'changed, but ignored', 'node_modules/x/index.js': 'changed too' });
    expect(await buildCopyProjectImage(docker, spec(root))).toEqual({ tag: built.tag, reused: true, hash: built.hash });

    writeTree(root, { 'src/a.ts': 'export const a = 2;\n' });
    const rebuilt = await buildCopyProjectImage(docker, spec(root));
    expect(rebuilt.reused).toBe(false);
    expect(rebuilt.tag).not.toBe(built.tag);
    expect(await runOnce(docker, rebuilt.tag, ['cat', '/workspace/src/a.ts'])).toBe('export const a = 2;\n');
    expect(await imageExists(docker, built.tag)).toBe(false);
    expect(await copiesOf(root)).toEqual([rebuilt.tag]);
  });

  it('holds exactly the files .dockerignore lets through, owned by the user, with modes and links kept', async () => {
    const root = project();
    fs.chmodSync(root, 0o750);
    const { tag } = await buildCopyProjectImage(docker, spec(root));
    const listing = await runOnce(docker, tag, ['sh', '-c', 'cd /workspace && find . | sort | while read f; do stat -c "%u:%g %A %n" "$f"; done; readlink link']);
    expect(listing.trim().split('\n')).toEqual([
      '1000:1000 drwxr-x--- .',
      '1000:1000 -rw-r--r-- ./.dockerignore',
      '1000:1000 drwxr-xr-x ./bin',
      '1000:1000 -rwxr-xr-x ./bin/run.sh',
      '1000:1000 -rw-r--r-- ./keep.log',
      '1000:1000 lrwxrwxrwx ./link',
      '1000:1000 drwxr-xr-x ./src',
      '1000:1000 -rw-r--r-- ./src/a.ts',
      'src/a.ts',
    ]);
    // The generated Dockerfile is not part of the image.
    expect(await runOnce(docker, tag, ['sh', '-c', 'find / -xdev -name "Dockerfile*" | wc -l'])).toBe('0\n');
  });

  it('can land in a folder the base image does not have, under the user\'s home', async () => {
    const root = project();
    const { tag } = await buildCopyProjectImage(docker, spec(root, { workdir: '/home/agent/src/app' }));
    const owners = await runOnce(docker, tag, ['stat', '-c', '%u %n', '/home/agent', '/home/agent/src/app', '/home/agent/src/app/src/a.ts']);
    expect(owners.trim().split('\n')).toEqual(['1000 /home/agent', '1000 /home/agent/src/app', '1000 /home/agent/src/app/src/a.ts']);
  });

  it('refuses a workdir of / and a user that could inject Dockerfile lines', async () => {
    const root = project();
    for (const overrides of [{ workdir: '/' }, { workdir: 'relative' }, { user: '1000\nRUN id' }, { tagRepo: 'Upper/Case' }]) {
      const error = await buildCopyProjectImage(docker, spec(root, overrides)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BottleError);
      expect((error as BottleError).kind).toBe('usage');
    }
  });
});
