// Shared by the Docker-layer tests: a run id that labels everything a test file creates, and the
// cleanup that removes exactly that.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { expect } from 'vitest';
import { BottleError } from '../../../src/core/errors';
import { requireDocker } from '../../helpers/requireDocker';
import { ensureTestImage } from '../../helpers/testImage';

/** Unique to this test process, so cleanup never touches another run's (or person's) objects. */
export const RUN_ID = randomBytes(4).toString('hex');

export const TEST_LABELS: Record<string, string> = {
  'claude-bottle.test': '1',
  'claude-bottle.test-run': RUN_ID,
};

export function uniqueName(prefix: string): string {
  return `${prefix}-${RUN_ID}-${randomBytes(3).toString('hex')}`;
}

/** Folders `makeTree` made, removed by `tearDownEngine`. */
const trees = new Set<string>();

/** A temporary folder with the given files (`content: null` makes a folder). */
export function makeTree(files: Record<string, string | null> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-docker-test-'));
  trees.add(dir);
  writeTree(dir, files);
  return dir;
}

/** For `beforeAll`: the engine (the test fails when it is not reachable) and the fake-claude image. */
export async function setUpEngine(): Promise<{ docker: Docker; image: string }> {
  return { docker: await requireDocker(), image: await ensureTestImage() };
}

/** For `afterAll`: this run's containers, images and temporary folders. */
export async function tearDownEngine(docker: Docker | undefined): Promise<void> {
  if (docker) await removeTestObjects(docker);
  for (const dir of trees) fs.rmSync(dir, { recursive: true, force: true });
  trees.clear();
}

/** Awaits a promise that must reject with a BottleError, and returns that error. */
export async function failure(promise: Promise<unknown>): Promise<BottleError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BottleError);
  return error as BottleError;
}

export function writeTree(dir: string, files: Record<string, string | null>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (content === null) {
      fs.mkdirSync(file, { recursive: true });
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
}

/** Removes every container, network and image labelled with this run's id. */
export async function removeTestObjects(docker: Docker): Promise<void> {
  const filters = { label: [`claude-bottle.test-run=${RUN_ID}`] };
  for (const container of await docker.listContainers({ all: true, filters })) {
    await docker
      .getContainer(container.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  }
  for (const network of await docker.listNetworks({ filters })) {
    await docker
      .getNetwork(network.Id)
      .remove()
      .catch(() => undefined);
  }
  for (const image of await docker.listImages({ filters })) {
    const refs = (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
    for (const ref of refs.length > 0 ? refs : [image.Id]) {
      await docker
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
}

/** Runs `command` in a running container as its user; resolves with exit code and output. */
export async function execIn(
  container: Docker.Container,
  command: string[],
  options: { user?: string } = {},
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const exec = await container.exec({
    Cmd: command,
    AttachStdout: true,
    AttachStderr: true,
    ...(options.user ? { User: options.user } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    container.modem.demuxStream(
      stream,
      { write: (chunk: Buffer) => stdout.push(chunk) },
      { write: (chunk: Buffer) => stderr.push(chunk) },
    );
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return {
    exitCode: info.ExitCode ?? -1,
    stdout: Buffer.concat(stdout).toString(),
    stderr: Buffer.concat(stderr).toString(),
  };
}

/** Runs a throwaway container of `image` with `command` and returns its output. */
export async function runOnce(docker: Docker, image: string, command: string[], user = ''): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: command,
    User: user,
    Labels: TEST_LABELS,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    await container.wait();
    const logs = await container.logs({ stdout: true, stderr: true });
    const out: Buffer[] = [];
    const sink = { write: (chunk: Buffer) => out.push(chunk) };
    // Demux the multiplexed log buffer by hand (8-byte frame headers).
    let offset = 0;
    while (offset + 8 <= logs.length) {
      const size = logs.readUInt32BE(offset + 4);
      sink.write(logs.subarray(offset + 8, offset + 8 + size));
      offset += 8 + size;
    }
    return Buffer.concat(out).toString();
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
