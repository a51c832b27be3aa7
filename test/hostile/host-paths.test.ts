import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/core/errors';
import { loadManifest } from '../../src/core/manifest/load';
import { environmentSecrets, preparePlan } from '../../src/core/plan/plan';
import { renderPreflight } from '../../src/core/plan/preflight';

// A manifest may name host paths that hand over the host, or other bottles, without naming the
// Docker socket: /proc (another bottle's key in /proc/<pid>/environ), /sys, /dev, /run, a folder
// holding a socket, the app's state root, your credential folders — directly, through a link, or
// as a folder above them. The same rules cover the project folder itself and a build context.

const dirs: string[] = [];
const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix = 'cb-host-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A project whose manifest is `agent`, with `home` as the home folder the manifest resolves `~` against. */
function load(root: string, agent: Record<string, unknown>, home: string) {
  fs.writeFileSync(path.join(root, 'claude-bottle.json'), JSON.stringify({ version: 1, agents: { a: { image: 'x', network: 'none', ...agent } } }, null, 2));
  return loadManifest(root, { home });
}

function refusal(root: string, agent: Record<string, unknown>, home: string): string {
  try {
    load(root, agent, home);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return (error as ManifestError).message;
  }
  throw new Error('the manifest was accepted');
}

function fakeHome(): string {
  const home = tempDir('cb-home-');
  fs.mkdirSync(path.join(home, '.ssh'));
  fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'a private key');
  return home;
}

describe('host paths a manifest may name', () => {
  it.each([
    ['/proc', 'is /proc'],
    ['/proc/self', 'is inside /proc'],
    ['/sys', 'is /sys'],
    ['/dev', 'is /dev'],
    ['/run', '/run'],
  ])('refuses %s as a mount source, and with "dangerous" names it in red', (source, says) => {
    const project = tempDir();
    const home = fakeHome();
    const message = refusal(project, { mounts: [{ source, target: '/mnt/x' }] }, home);
    expect(message).toContain(says);
    expect(message).toMatch(/claude-bottle\.json:\d+:\d+/);
    const loaded = load(project, { dangerous: true, mounts: [{ source, target: '/mnt/x' }] }, home);
    const plan = preparePlan({ loaded, agentName: 'a', slug: 'a-20261204T000000-abcd', options: {}, stateRoot: '/s', claudeStorage: '/s/c', secrets: environmentSecrets({}) });
    expect(renderPreflight(plan)).toContain('DANGEROUS mount');
  });

  it('refuses your credential folders, through a link, and a folder above them', () => {
    const project = tempDir();
    const home = fakeHome();
    const alias = path.join(tempDir(), 'innocent');
    fs.symlinkSync(path.join(home, '.ssh'), alias);
    expect(refusal(project, { mounts: [{ source: '~/.ssh', target: '/mnt/x' }] }, home)).toContain('your credentials');
    expect(refusal(project, { mounts: [{ source: alias, target: '/mnt/x' }] }, home)).toContain('your credentials');
  });

  it('refuses a folder that holds a socket, and the socket itself', async () => {
    const project = tempDir();
    const home = fakeHome();
    const holder = tempDir('cb-sock-');
    const socket = path.join(holder, 'service.sock');
    const server = net.createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    expect(refusal(project, { mounts: [{ source: socket, target: '/mnt/x' }] }, home)).toContain('is a socket');
  });

  it("refuses the app's state root (other bottles' conversations and stored secrets)", () => {
    const project = tempDir();
    const home = fakeHome();
    const stateRoot = path.join(tempDir('cb-state-'), 'claude-bottle');
    fs.mkdirSync(stateRoot);
    const saved = process.env.CLAUDE_BOTTLE_HOME;
    process.env.CLAUDE_BOTTLE_HOME = stateRoot;
    try {
      expect(refusal(project, { mounts: [{ source: stateRoot, target: '/mnt/x' }] }, home)).toContain("Claude Bottle's state");
      expect(refusal(project, { mounts: [{ source: path.dirname(stateRoot), target: '/mnt/x' }] }, home)).toContain(`contains ${stateRoot}`);
    } finally {
      if (saved === undefined) delete process.env.CLAUDE_BOTTLE_HOME;
      else process.env.CLAUDE_BOTTLE_HOME = saved;
    }
  });

  it('checks a build context like a mount: "~" and "/" are refused, ".." is shown as outside the project', () => {
    const home = fakeHome();
    fs.writeFileSync(path.join(home, 'Dockerfile'), 'FROM scratch\n');
    const parent = tempDir();
    const project = path.join(parent, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(parent, 'Dockerfile'), 'FROM scratch\n');
    expect(refusal(project, { image: undefined, build: { context: '~' } }, home)).toContain('the build context');
    const outside = load(project, { image: undefined, build: { context: '..' } }, home);
    const plan = preparePlan({ loaded: outside, agentName: 'a', slug: 'a-20261204T000000-abcd', options: {}, stateRoot: '/s', claudeStorage: '/s/c', secrets: environmentSecrets({}) });
    expect(renderPreflight(plan)).toContain('outside the project folder');
  });

  it('checks the project folder itself: a manifest in the home folder does not hand the home folder over', () => {
    const home = fakeHome();
    const message = refusal(home, {}, home);
    expect(message).toContain('refused: the project folder');
    expect(message).toContain('home folder');
    // "project": "none" takes nothing of the folder, and is fine.
    expect(load(home, { project: 'none' }, home).agents[0]?.project).toBe('none');
  });
});
