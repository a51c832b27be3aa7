import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BottleError, ManifestError, type ManifestIssue } from '../../src/core/errors';
import { loadManifest, type LoadedManifest } from '../../src/core/manifest';
import { type BottlePlan, environmentSecrets, preparePlan } from '../../src/core/plan/plan';
import { describePreflight, renderPreflight } from '../../src/core/plan/preflight';
import { makeManifestProject, type ManifestProject } from '../core/manifest/fixtures';

// A hostile manifest names host paths that hand over the host, or other bottles, without naming
// the Docker socket: /proc (another bottle's key in /proc/<pid>/environ), /sys, /dev, /run, a
// folder holding a socket, the app's state root, your credential folders — as themselves, through
// a link or a bind mount, or as a folder above them. The project folder itself and a build
// context are judged by the same rules. Without "dangerous": true each is refused at its line and
// column; with it, the plan names it and the preflight shows it in red. See docs/security.md.

const cleanups: Array<() => void> = [];
const saved = { HOME: process.env.HOME, CLAUDE_BOTTLE_HOME: process.env.CLAUDE_BOTTLE_HOME };
let stateRoot: string;

beforeEach(() => {
  stateRoot = tempDir('cb-state-');
  process.env.CLAUDE_BOTTLE_HOME = stateRoot;
});

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function manifestText(agent: Record<string, unknown>): string {
  return JSON.stringify({ version: 1, agents: { a: { image: 'x', network: 'none', ...agent } } }, null, 2);
}

/** A project beside a fake home folder (with a key in ~/.ssh), HOME pointing at it. */
function project(agent: Record<string, unknown>, setup: Parameters<typeof makeManifestProject>[1] = {}): ManifestProject {
  const made = makeManifestProject(manifestText(agent), setup);
  cleanups.push(made.cleanup);
  fs.mkdirSync(path.join(made.home, '.ssh'));
  fs.writeFileSync(path.join(made.home, '.ssh', 'id_ed25519'), 'a private key');
  process.env.HOME = made.home;
  return made;
}

/** The one issue loading `dir` reports, checked to carry its file, line and column. */
async function refusal(dir: string, home: string, keyPath: string): Promise<ManifestIssue> {
  let error: unknown;
  try {
    await loadManifest(dir, { home });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ManifestError);
  const issues = (error as ManifestError).issues;
  expect(issues).toHaveLength(1);
  const issue = issues[0] as ManifestIssue;
  expect(issue.file).toBe(path.join(dir, 'claude-bottle.json'));
  expect(issue.line).toBeGreaterThan(0);
  expect(issue.column).toBeGreaterThan(0);
  expect(issue.keyPath).toBe(keyPath);
  expect((error as ManifestError).message).toContain(`${issue.file}:${issue.line}:${issue.column}: ${keyPath}: refused: `);
  return issue;
}

function planOf(loaded: LoadedManifest, options: { copyProject?: boolean } = {}): BottlePlan {
  return preparePlan({ loaded, agentName: 'a', slug: 'a-20261204T000000-abcd', options, stateRoot, claudeStorage: path.join(stateRoot, 'c'), secrets: environmentSecrets({}) });
}

/** The preflight lines of a row drawn in red. */
function redLines(plan: BottlePlan, row: string): string[] {
  return (describePreflight(plan).rows.find((entry) => entry.label === row)?.lines ?? []).filter((entry) => entry.tone === 'danger').map((entry) => entry.text);
}

async function listenOn(socket: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  cleanups.push(() => server.close());
}

describe('mount sources that hand over the host or another bottle', () => {
  const cases: Array<{ name: string; source: (p: ManifestProject) => Promise<string> | string; says: (p: ManifestProject, source: string) => string; socket?: boolean }> = [
    { name: '/proc', source: () => '/proc', says: () => "/proc exposes the kernel's view of every process, other bottles' environments and keys included", socket: true },
    { name: '/proc/self', source: () => '/proc/self', says: () => 'is inside /proc, which exposes', socket: true },
    { name: '/sys', source: () => '/sys', says: () => "/sys exposes the kernel's and the devices' controls", socket: false },
    { name: '/dev', source: () => '/dev', says: () => "/dev exposes the host's devices" },
    { name: '/run', source: () => '/run', says: () => "/run holds the host services' runtime state and sockets" },
    {
      name: 'a folder holding a socket',
      source: async () => {
        const holder = tempDir('cb-sock-');
        await listenOn(path.join(holder, 'agent.sock'));
        return holder;
      },
      says: (_p, source) => `${source} holds the socket ${path.join(source, 'agent.sock')}: whatever serves it becomes reachable from the bottle`,
      socket: true,
    },
    {
      name: 'a folder holding a socket one folder down',
      source: async () => {
        const holder = tempDir('cb-sock-');
        fs.mkdirSync(path.join(holder, 'run'));
        await listenOn(path.join(holder, 'run', 'service.sock'));
        return holder;
      },
      says: (_p, source) => `holds the socket ${path.join(source, 'run', 'service.sock')}`,
      socket: true,
    },
    {
      name: "a link to the home folder's .ssh",
      source: (p) => {
        const alias = path.join(p.root, 'innocent');
        fs.symlinkSync(path.join(p.home, '.ssh'), alias);
        return alias;
      },
      says: (p, source) => `${source} is your credential folder ${path.join(p.home, '.ssh')}, which holds your keys and tokens`,
      socket: false,
    },
    { name: 'a folder above ~/.aws', source: (p) => (fs.mkdirSync(path.join(p.home, '.aws')), path.join(p.home)), says: () => 'the home folder exposes all your files' },
    { name: "the app's state root", source: () => stateRoot, says: () => "Claude Bottle's state folder holds other bottles' conversations and Claude storage", socket: false },
    {
      name: "the app's secret store",
      source: () => (fs.writeFileSync(path.join(stateRoot, 'secrets.json'), '{}'), path.join(stateRoot, 'secrets.json')),
      says: () => "Claude Bottle's secret store holds the secrets you stored in the app",
    },
    { name: 'a folder above the state root', source: () => path.dirname(stateRoot), says: () => `holds Claude Bottle's state folder ${stateRoot}` },
    ...(fs.existsSync('/var/lib/docker') ? [{ name: "Docker's data root", source: () => '/var/lib/docker', says: () => "Docker's data root holds every container's and image's files" }] : []),
  ];

  it.each(cases)('refuses $name at its line and column, and with "dangerous" shows it in red', async (row) => {
    const p = project({});
    const source = await row.source(p);
    fs.writeFileSync(p.file, manifestText({ mounts: [{ source, target: '/mnt/x' }] }));
    const issue = await refusal(p.root, p.home, 'agents.a.mounts[0].source');
    expect(issue.message).toContain(row.says(p, source));
    expect(issue.message).toContain(`set "dangerous": true on the agent to mount ${source} anyway`);

    fs.writeFileSync(p.file, manifestText({ dangerous: true, mounts: [{ source, target: '/mnt/x' }] }));
    const plan = planOf(await loadManifest(p.root, { home: p.home }));
    expect(plan.warnings.find((warning) => warning.startsWith(`DANGEROUS mount ${source} → /mnt/x: `))).toContain(row.says(p, source));
    expect(redLines(plan, 'mounts').join('\n')).toContain('/mnt/x');
    expect(renderPreflight(plan, { color: true })).toContain(`\x1b[1;31m  ! DANGEROUS mount ${source}`);
    // The hardening line says "Docker socket may be reachable" only when it may be.
    if (row.socket !== undefined) expect(plan.hardening.dockerSocket).toBe(row.socket);
  });

  it('catches a bind-mounted alias of ~/.ssh by device and inode (its real path says nothing)', async (ctx) => {
    const p = project({});
    const alias = path.join(tempDir('cb-alias-'), 'innocent');
    fs.mkdirSync(alias);
    try {
      execFileSync('mount', ['--bind', path.join(p.home, '.ssh'), alias], { stdio: 'ignore' });
    } catch {
      ctx.skip('bind mounts need root and CAP_SYS_ADMIN');
    }
    cleanups.push(() => execFileSync('umount', [alias]));
    expect(fs.realpathSync(alias)).toBe(alias);
    for (const source of [alias, path.join(alias, 'id_ed25519')]) {
      fs.writeFileSync(p.file, manifestText({ mounts: [{ source, target: '/mnt/x' }] }));
      expect((await refusal(p.root, p.home, 'agents.a.mounts[0].source')).message).toContain(`your credential folder ${path.join(p.home, '.ssh')}, which holds your keys and tokens`);
    }
  });
});

describe('build contexts', () => {
  it.each([
    { context: '..', says: (p: ManifestProject) => `${p.base} holds the home folder ${p.home}, which exposes all your files` },
    { context: '~', says: () => 'the home folder exposes all your files, keys and credentials' },
    { context: '/', says: () => 'the root folder "/" exposes the whole host file system' },
  ])('refuses $context like a mount source, and with "dangerous" shows it in red', async ({ context, says }) => {
    const p = project({});
    const contextDir = path.resolve(p.root, context === '~' ? p.home : context);
    // The Dockerfile lies inside the context, as it must ("/" holds every temporary folder).
    const dockerfile = path.join(context === '/' ? tempDir('cb-df-') : contextDir, 'Dockerfile');
    fs.writeFileSync(dockerfile, 'FROM scratch\n');
    const build = { context, dockerfile: path.relative(contextDir, dockerfile) };
    fs.writeFileSync(p.file, manifestText({ image: undefined, build }));
    const issue = await refusal(p.root, p.home, 'agents.a.build.context');
    expect(issue.message).toContain(`refused: the build context is not safe to hand over: ${says(p)}`);

    fs.writeFileSync(p.file, manifestText({ image: undefined, dangerous: true, build }));
    const plan = planOf(await loadManifest(p.root, { home: p.home }));
    expect(plan.warnings.find((warning) => warning.startsWith(`DANGEROUS build context ${contextDir}: `))).toContain(says(p));
    expect(redLines(plan, 'image').join('\n')).toContain('built from');
  });

  it('shows a harmless context outside the project as outside it', async () => {
    const p = project({});
    const sibling = path.join(p.base, 'shared');
    fs.mkdirSync(sibling);
    fs.writeFileSync(path.join(sibling, 'Dockerfile'), 'FROM scratch\n');
    fs.writeFileSync(p.file, manifestText({ image: undefined, build: { context: '../shared' } }));
    const image = describePreflight(planOf(await loadManifest(p.root, { home: p.home }))).rows.find((row) => row.label === 'image')?.lines[0];
    expect(image).toMatchObject({ tone: 'warn', text: expect.stringContaining('outside the project folder') });
  });
});

describe('the project folder', () => {
  it.each([
    { where: 'the home folder', dir: (p: ManifestProject) => p.home, says: () => 'the home folder exposes all your files, keys and credentials' },
    { where: 'a folder above the home folder', dir: (p: ManifestProject) => p.base, says: (p: ManifestProject) => `${p.base} holds the home folder ${p.home}` },
  ])('in $where is refused when mounted or copied, and with "dangerous" shows it in red', async ({ dir, says }) => {
    const p = project({});
    const root = dir(p);
    const file = path.join(root, 'claude-bottle.json');
    cleanups.push(() => fs.rmSync(file, { force: true }));

    fs.writeFileSync(file, manifestText({}));
    expect((await refusal(root, p.home, 'agents.a')).message).toContain(`refused: the project folder is not safe to hand over: ${says(p)}`);
    for (const mode of ['mount-ro', 'copy']) {
      fs.writeFileSync(file, manifestText({ project: mode }));
      expect((await refusal(root, p.home, 'agents.a.project')).message).toContain(says(p));
    }

    fs.writeFileSync(file, manifestText({ dangerous: true }));
    const mounted = planOf(await loadManifest(root, { home: p.home }));
    expect(mounted.warnings.find((warning) => warning.startsWith(`DANGEROUS mount ${root} → /workspace: `))).toContain(says(p));
    expect(redLines(mounted, 'project')).toHaveLength(1);

    fs.writeFileSync(file, manifestText({ dangerous: true, project: 'copy' }));
    const copied = planOf(await loadManifest(root, { home: p.home }));
    expect(copied.warnings.find((warning) => warning.startsWith(`DANGEROUS project copy of ${root}: `))).toContain(says(p));
    expect(redLines(copied, 'project')).toHaveLength(1);

    // "none" takes nothing of the folder and is fine; copying it anyway is refused.
    fs.writeFileSync(file, manifestText({ project: 'none' }));
    const none = await loadManifest(root, { home: p.home });
    expect(planOf(none).warnings).toEqual([]);
    expect(() => planOf(none, { copyProject: true })).toThrow(BottleError);
    expect(() => planOf(none, { copyProject: true })).toThrow(/refused: the project folder is not safe to hand over/);
  });

  it('is refused when it holds a socket, and an ordinary project is not', async () => {
    const p = project({});
    expect(planOf(p.load()).warnings).toEqual([]);
    await listenOn(path.join(p.root, 'service.sock'));
    expect((await refusal(p.root, p.home, 'agents.a')).message).toContain(`holds the socket ${path.join(p.root, 'service.sock')}`);
  });
});
