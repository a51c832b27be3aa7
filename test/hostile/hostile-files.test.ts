import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BottleService } from '../../src/app/bottleService';
import { createCoreContext } from '../../src/core/context';
import { hashContext, packContext, readContextFilter } from '../../src/core/docker';
import { ManifestError } from '../../src/core/errors';
import { loadManifest } from '../../src/core/manifest/load';
import { environmentSecrets } from '../../src/core/plan/plan';
import { StateStore } from '../../src/core/state/stateStore';
import { runCliInTerminal } from '../helpers/terminal';

// Files the app reads that someone else could have made hostile — a manifest in a project the
// agent can write, a state record — are read only if they are regular files, within a cap: a FIFO
// would block forever, /dev/zero would grow the process until it dies. One bad file is reported,
// never waited on, and everything else keeps working.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cb-hostile-files-'));
  dirs.push(dir);
  return dir;
}

const SLUG = 'tester-20261204T000000-abcd';

describe('a hostile manifest file', () => {
  it('/dev/zero and a FIFO are refused at once with a clear error', async () => {
    const fifoProject = tempDir();
    execFileSync('mkfifo', [join(fifoProject, 'claude-bottle.json')]);
    for (const [target, why] of [
      ['/dev/zero', 'is a device, not a regular file'],
      [fifoProject, 'is a FIFO, not a regular file'],
    ] as const) {
      const started = Date.now();
      let error: unknown;
      try {
        await loadManifest(target);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).message).toContain(why);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });

  it('a link to a FIFO is refused like the FIFO itself', async () => {
    const elsewhere = tempDir();
    execFileSync('mkfifo', [join(elsewhere, 'pipe')]);
    const project = tempDir();
    fs.symlinkSync(join(elsewhere, 'pipe'), join(project, 'claude-bottle.json'));
    await expect(loadManifest(project)).rejects.toThrow(`${join(project, 'claude-bottle.json')}: cannot be read as a manifest: it is a FIFO, not a regular file`);
  });

  it('a huge manifest is refused without reading it all', async () => {
    const project = tempDir();
    fs.writeFileSync(join(project, 'claude-bottle.json'), Buffer.alloc(5 * 1024 * 1024, ' '));
    await expect(loadManifest(project)).rejects.toThrow(/is larger than 4 MiB/);
  });

  it('projects.open of /dev/zero in the window is an error, and the service goes on answering', async () => {
    const home = tempDir();
    const service = new BottleService({ ctx: createCoreContext({ stateRoot: home, secrets: environmentSecrets({}) }), transport: 'browser', version: 'test' });
    try {
      await expect(service.handle('projects.open', { dir: '/dev/zero' })).rejects.toThrow(/is a device/);
      await expect(service.handle('projects.recent', {})).resolves.toBeDefined();
    } finally {
      await service.dispose();
    }
  });

  it('`claude-bottle ls -C /dev/zero` exits with the manifest error instead of hanging', async () => {
    const run = runCliInTerminal(['ls', '-C', '/dev/zero'], { env: { ...process.env, NO_COLOR: '1' }, cwd: tempDir() });
    expect(await run.exited).toBe(65);
    expect(run.text()).toContain('is a device');
  });
});

describe('a hostile state record', () => {
  async function storeWith(make: (file: string) => void): Promise<StateStore> {
    const store = new StateStore(tempDir());
    await store.create({ version: 1, slug: SLUG, agent: 'tester', projectRoot: '/p', manifestFile: '/p/claude-bottle.json', containerName: 'x', createdAt: '', updatedAt: '', status: 'preserved', options: { copyProject: false, remoteControl: false }, grantedCapabilities: [], sessions: 1 });
    const file = join(store.bottleDir(SLUG), 'bottle.json');
    fs.rmSync(file);
    make(file);
    return store;
  }

  it('a FIFO as bottle.json is listed as corrupt within a second', async () => {
    const store = await storeWith((file) => execFileSync('mkfifo', [file]));
    const started = Date.now();
    const listing = await store.list();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(listing.corrupt).toEqual([expect.objectContaining({ slug: SLUG, problem: expect.stringContaining('is a FIFO') })]);
  });

  it('a huge bottle.json, or a link to a host file, is listed as corrupt', async () => {
    const huge = await storeWith((file) => fs.writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, ' ')));
    expect((await huge.list()).corrupt[0]?.problem).toContain('is larger than 1 MiB');
    const linked = await storeWith((file) => fs.symlinkSync('/etc/hostname', file));
    expect((await linked.list()).corrupt[0]?.problem).toContain('is a symbolic link');
  });
});

describe('other files the app reads', () => {
  it('a FIFO as a stop request is ignored at once', async () => {
    const store = new StateStore(tempDir());
    await store.create({ version: 1, slug: SLUG, agent: 'tester', projectRoot: '/p', manifestFile: '/p/claude-bottle.json', containerName: 'x', createdAt: '', updatedAt: '', status: 'running', options: { copyProject: false, remoteControl: false }, grantedCapabilities: [], sessions: 1 });
    execFileSync('mkfifo', [join(store.bottleDir(SLUG), 'stop-request.json')]);
    const started = Date.now();
    expect(await store.takeStopRequest(SLUG)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('`claude-bottle ps` lists a FIFO bottle.json as corrupt instead of hanging', async () => {
    const home = tempDir();
    const store = new StateStore(home);
    await store.create({ version: 1, slug: SLUG, agent: 'tester', projectRoot: '/p', manifestFile: '/p/claude-bottle.json', containerName: 'x', createdAt: '', updatedAt: '', status: 'preserved', options: { copyProject: false, remoteControl: false }, grantedCapabilities: [], sessions: 1 });
    const file = join(store.bottleDir(SLUG), 'bottle.json');
    fs.rmSync(file);
    execFileSync('mkfifo', [file]);
    const run = runCliInTerminal(['ps'], { env: { ...process.env, NO_COLOR: '1', CLAUDE_BOTTLE_HOME: home }, cwd: tempDir() });
    expect(await run.exited, run.text()).toBe(0);
    expect(run.text()).toMatch(new RegExp(`${SLUG}.*corrupt`));
    expect(run.text()).toContain('is a FIFO');
  });

  it('a FIFO as the recent-projects list is an empty list in the window, not a hang', async () => {
    const home = tempDir();
    execFileSync('mkfifo', [join(home, 'recent-projects.json')]);
    const service = new BottleService({ ctx: createCoreContext({ stateRoot: home, secrets: environmentSecrets({}) }), transport: 'browser', version: 'test' });
    try {
      const started = Date.now();
      await expect(service.handle('projects.recent', {})).resolves.toBeDefined();
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await service.dispose();
    }
  });

  it('a FIFO as .dockerignore in a build context is an error naming it, not a hang', async () => {
    const context = tempDir();
    fs.writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\n');
    execFileSync('mkfifo', [join(context, '.dockerignore')]);
    await expect(readContextFilter(context)).rejects.toThrow(`${join(context, '.dockerignore')} is a FIFO, not a regular file`);
    await expect(hashContext(context)).rejects.toThrow('is a FIFO');
    expect(() => packContext(context)).toThrow('is a FIFO');
  });
});
