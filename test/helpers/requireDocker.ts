import type Docker from 'dockerode';
import { connectDocker, pingDocker } from '../../src/core/docker/client';
import { BottleError } from '../../src/core/errors';

/**
 * Call in `beforeAll` of every test that needs the Docker engine. These tests exist to exercise a
 * real engine, so an unreachable one makes them FAIL (never skip), in CI and locally alike, with
 * the reason and what to do about it.
 */
export async function requireDocker(): Promise<Docker> {
  const docker = connectDocker();
  try {
    await pingDocker(docker, { timeoutMs: 10_000 });
  } catch (error) {
    const reason = error instanceof BottleError ? `${error.message}\n${error.hint ?? ''}` : String(error);
    const where = process.env.CI ? 'CI must provide a Docker engine' : 'these tests need a running Docker engine';
    throw new Error(
      `${where}: ${reason}\n` +
        'Start one (here: `(nohup dockerd > /tmp/dockerd.log 2>&1 &)`) and run the tests again; they are never skipped.',
      { cause: error },
    );
  }
  return docker;
}
