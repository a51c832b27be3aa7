import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The busybox image with a fake Claude Code (scripts/test-image/build.sh); its user is root. */
export const TEST_IMAGE = 'claude-bottle-test:latest';
/** The same image with `USER agent` (uid 1000). */
export const TEST_USER_IMAGE = 'claude-bottle-test-user:latest';

const BUILD_SCRIPT = fileURLToPath(new URL('../../scripts/test-image/build.sh', import.meta.url));

let building: Promise<string> | undefined;

/**
 * Builds the test images unless they are up to date (fast when they are), once per process, and
 * returns the tag of the main one. A failed build rejects with the script's output.
 */
export function ensureTestImage(): Promise<string> {
  building ??= promisify(execFile)('bash', [BUILD_SCRIPT], { timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }).then(
    () => TEST_IMAGE,
    (error: unknown) => {
      building = undefined;
      const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`building the test image failed: ${message}\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
    },
  );
  return building;
}
