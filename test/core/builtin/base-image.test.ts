import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE_LABELS,
  ensureBuiltinBaseImage,
  findBuiltinBaseImage,
  pinnedClaudeCodeVersion,
} from '../../../src/core/builtin/baseImage';
import type { BuildProgress } from '../../../src/core/docker/progress';
import { requireDocker } from '../../helpers/requireDocker';

// These tests build the real base image from a local Debian made by debootstrap (no registry
// here): the first run takes minutes, later runs reuse Docker's layer cache.

const DEBIAN = 'claude-bottle-debian:bookworm';
const DEBIAN_SCRIPT = fileURLToPath(new URL('../../../scripts/debian-base/build.sh', import.meta.url));
const RECIPE = fileURLToPath(new URL('../../../images/base/', import.meta.url));
/** As the app would run with CLAUDE_BOTTLE_BASE_FROM set. */
const ENV = { ...process.env, CLAUDE_BOTTLE_BASE_FROM: DEBIAN };
const MINUTE = 60_000;

let docker: Docker;
const folders: string[] = [];
/** Tags this file makes that no one else would use: removed at the end. */
const scratchTags: string[] = [];

beforeAll(async () => {
  docker = await requireDocker();
  await promisify(execFile)('bash', [DEBIAN_SCRIPT], { timeout: 20 * MINUTE, maxBuffer: 64 * 1024 * 1024 });
}, 25 * MINUTE);

afterAll(async () => {
  for (const tag of scratchTags) await docker?.getImage(tag).remove().catch(() => undefined);
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

/** A copy of the recipe with one more file: a new hash, but every Dockerfile step still cached. */
function changedRecipe(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-recipe-'));
  folders.push(dir);
  fs.cpSync(RECIPE, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'NOTES.txt'), `changed by a test at ${new Date().toISOString()}\n`);
  return dir;
}

/**
 * Runs `command` in a throwaway container of `image` the way a bottle runs: uid 1000, no network,
 * every capability dropped, no-new-privileges, limits. Resolves with its exit code and output.
 */
async function runInBottle(image: string, command: string[], env: string[] = []): Promise<{ code: number; output: string }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: command,
    User: '1000:1000',
    Env: env,
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: 512 * 1024 * 1024,
      NanoCpus: 1_500_000_000,
      PidsLimit: 128,
    },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await container.logs({ stdout: true, stderr: true });
    let output = '';
    for (let offset = 0; offset + 8 <= logs.length; ) {
      const size = logs.readUInt32BE(offset + 4);
      output += logs.subarray(offset + 8, offset + 8 + size).toString();
      offset += 8 + size;
    }
    return { code: StatusCode, output };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

async function labelsOf(tag: string): Promise<Record<string, string>> {
  return (await docker.getImage(tag).inspect()).Config.Labels ?? {};
}

describe('the built-in base image', () => {
  let tag = '';

  it(
    'builds from the local Debian image with progress, labelled, and a second ensure reuses it',
    async () => {
      const events: BuildProgress[] = [];
      const first = await ensureBuiltinBaseImage(docker, { env: ENV, onProgress: (event) => events.push(event) });
      tag = first.tag;
      expect(tag).toMatch(/^claude-bottle\/base:[0-9a-f]{16}$/);
      if (first.built) {
        expect(events[0]?.message).toContain(`from ${DEBIAN}`);
        expect(events.some((event) => /^Step \d+\/\d+ : FROM /.test(event.message))).toBe(true);
      }
      expect(await labelsOf(tag)).toMatchObject({
        [BASE_IMAGE_LABELS.kind]: 'builtin-base',
        [BASE_IMAGE_LABELS.from]: DEBIAN,
        [BASE_IMAGE_LABELS.channel]: 'pinned',
        [BASE_IMAGE_LABELS.version]: pinnedClaudeCodeVersion(),
      });

      const again: BuildProgress[] = [];
      const second = await ensureBuiltinBaseImage(docker, { env: ENV, onProgress: (event) => again.push(event) });
      expect(second).toEqual({ tag, built: false, claudeCodeVersion: pinnedClaudeCodeVersion() });
      expect(again).toEqual([]);
      expect(await findBuiltinBaseImage(docker, { env: ENV })).toEqual(second);
    },
    30 * MINUTE,
  );

  it('runs the bottle helper and claude --version as uid 1000, with no network and no capabilities', async () => {
    expect(tag, 'the build test must pass first').not.toBe('');
    const { code, output } = await runInBottle(
      tag,
      ['bash', '-c', 'id -u; id -g; pwd; bottle-info; claude --version; node --version; git --version; rg --version; jq --version'],
      ['CLAUDE_BOTTLE_SLUG=hello-20310203T040506-abcd', 'CLAUDE_BOTTLE_AGENT=hello'],
    );
    expect(code, output).toBe(0);
    const lines = output.split('\n');
    expect(lines.slice(0, 3)).toEqual(['1000', '1000', '/workspace']);
    expect(output).toContain('bottle:   hello-20310203T040506-abcd');
    expect(output).toContain('agent:    hello');
    expect(output).toContain('user:     agent (uid 1000, gid 1000)');
    expect(output).toContain('caps:     none; no-new-privileges: yes');
    expect(output).toContain('network:  none (loopback only)');
    expect(output).toContain('memory:   512 MiB');
    expect(output).toContain('cpus:     1.5');
    expect(output).toContain('pids:     128');
    // Claude Code runs without reaching any host: the container has no network at all.
    expect(output).toContain(`${pinnedClaudeCodeVersion()} (Claude Code)`);
    expect(output).toMatch(/^v\d+\./m);
    expect(output).toMatch(/^git version /m);
    expect(output).toMatch(/^ripgrep /m);
    expect(output).toMatch(/^jq-/m);
  });

  it('keeps no Claude config dir, no npm cache and no apt lists in the image', async () => {
    expect(tag, 'the build test must pass first').not.toBe('');
    const info = await docker.getImage(tag).inspect();
    expect(info.Config.User).toBe('agent');
    expect(info.Config.WorkingDir).toBe('/workspace');
    expect((info.Config.Env ?? []).some((entry) => entry.startsWith('CLAUDE_CONFIG_DIR='))).toBe(false);
    const { code, output } = await runInBottle(tag, [
      'bash',
      '-c',
      'ls -A /home/agent; echo ---; ls -A /var/lib/apt/lists | grep -v -e "^lock$" -e "^partial$" || true; echo ---; ls -A /root 2>&1 || true',
    ]);
    expect(code, output).toBe(0);
    const [home, lists] = output.split('---\n');
    expect(home?.split('\n').filter(Boolean).sort()).toEqual(['.bash_logout', '.bashrc', '.profile']);
    expect(lists?.trim()).toBe('');
  });

  it(
    'builds a new image when the recipe changes',
    async () => {
      const recipeDir = changedRecipe();
      const events: BuildProgress[] = [];
      const changed = await ensureBuiltinBaseImage(docker, { env: ENV, recipeDir, onProgress: (event) => events.push(event) });
      scratchTags.push(changed.tag);
      expect(changed.built).toBe(true);
      expect(changed.tag).not.toBe(tag);
      expect(events.some((event) => event.phase === 'building' && event.step !== undefined)).toBe(true);
      expect((await labelsOf(changed.tag))[BASE_IMAGE_LABELS.recipe]).not.toBe((await labelsOf(tag))[BASE_IMAGE_LABELS.recipe]);
      // The image for the unchanged recipe is still there.
      expect((await ensureBuiltinBaseImage(docker, { env: ENV })).built).toBe(false);
    },
    30 * MINUTE,
  );

  it(
    '"Update Claude Code" reinstalls the newest version, labels it, and later launches use it',
    async () => {
      const recipeDir = changedRecipe();
      const pinned = await ensureBuiltinBaseImage(docker, { env: ENV, recipeDir });
      scratchTags.push(pinned.tag);

      const events: BuildProgress[] = [];
      const updated = await ensureBuiltinBaseImage(docker, {
        env: ENV,
        recipeDir,
        force: true,
        claudeCodeVersion: 'latest',
        onProgress: (event) => events.push(event),
      });
      scratchTags.push(updated.tag);
      expect(updated.built).toBe(true);
      expect(updated.tag).toMatch(/^claude-bottle\/base:[0-9a-f]{16}-latest-\d{8}$/);
      // Really reinstalled, not a cached layer: npm ran and Claude Code printed its version.
      expect(events.some((event) => event.message.startsWith('claude-code-version: '))).toBe(true);
      expect(updated.claudeCodeVersion).toMatch(/^\d+\.\d+\.\d+/);
      const labels = await labelsOf(updated.tag);
      expect(labels[BASE_IMAGE_LABELS.channel]).toBe('latest');
      expect(labels[BASE_IMAGE_LABELS.version]).toBe(updated.claudeCodeVersion);

      const { output } = await runInBottle(updated.tag, ['claude', '--version']);
      expect(output).toContain(`${updated.claudeCodeVersion} (Claude Code)`);

      // A launch (no version asked) now gets the updated image for this recipe.
      expect(await ensureBuiltinBaseImage(docker, { env: ENV, recipeDir })).toEqual({
        tag: updated.tag,
        built: false,
        claudeCodeVersion: updated.claudeCodeVersion,
      });
    },
    30 * MINUTE,
  );
});
