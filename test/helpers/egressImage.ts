import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { ensureEgressImage } from '../../src/core/network/egressImage';

// The egress sidecar image for tests: the proxy bundled from source, built FROM the local
// debootstrap Debian (no registry here), as the app builds it with CLAUDE_BOTTLE_BASE_FROM set.

export const DEBIAN_IMAGE = 'claude-bottle-debian:bookworm';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let building: Promise<string> | undefined;

export function ensureTestEgressImage(docker: Docker): Promise<string> {
  building ??= (async () => {
    await promisify(execFile)('bash', [`${ROOT}scripts/debian-base/build.sh`], { timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024 });
    await promisify(execFile)(process.execPath, [`${ROOT}scripts/build-proxy.mjs`], { timeout: 60_000 });
    return ensureEgressImage(docker, { baseImage: DEBIAN_IMAGE });
  })();
  return building;
}
