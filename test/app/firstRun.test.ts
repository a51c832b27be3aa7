import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BottleService } from '../../src/app/bottleService';
import { createDispatcher } from '../../src/app/dispatch';
import { createCoreContext } from '../../src/core/context';
import { connectDocker } from '../../src/core/docker/client';
import { loadManifest } from '../../src/core/manifest/load';
import { environmentSecrets } from '../../src/core/plan/plan';
import { type ApiResult, type EventName, type ImageProgressView, type ProjectView, createBottleApi, noManifestFolder } from '../../src/shared/contract';

// The window's first run, through the dispatcher as a window calls it: a folder without a manifest
// gets one, the checks answer even with Docker down, and "Update Claude Code" reports a stopped
// engine as an error and a last progress event. None of this needs a Docker engine.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(join(os.tmpdir(), prefix));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A service whose Docker engine is a socket that does not exist. */
function openWindow() {
  const stateRoot = tempDir('cb-state-');
  const docker = connectDocker({ socketPath: '/nonexistent/docker.sock' });
  const ctx = createCoreContext({ docker, stateRoot, secrets: environmentSecrets({}) });
  const service = new BottleService({ ctx, transport: 'browser', version: 'test' });
  cleanups.push(() => service.dispose());
  const events: { event: EventName; payload: unknown }[] = [];
  service.onEvent((event, payload) => events.push({ event, payload }));
  const dispatch = createDispatcher(service);
  const call = (command: string, args: unknown = {}): Promise<ApiResult<unknown>> => dispatch({ command, args });
  return { call, events };
}

describe('first run in the window', () => {
  it('a folder without a manifest is reported so the window can offer to create one', async () => {
    const { call } = openWindow();
    const dir = join(tempDir('cb-proj-'), 'webshop');
    fs.mkdirSync(dir);
    const result = await call('projects.open', { dir });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(noManifestFolder(result.error)).toBe(dir);
    // A broken manifest is not mistaken for a missing one.
    fs.writeFileSync(join(dir, 'claude-bottle.json'), '{ "version": 1, "agents": { "x": { "network": "sometimes" } } }');
    const broken = await call('projects.open', { dir });
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(noManifestFolder(broken.error)).toBeUndefined();
  });

  it('projects.init writes a starter manifest that loads, opens it, and refuses a second time', async () => {
    const { call, events } = openWindow();
    const dir = join(tempDir('cb-proj-'), 'webshop');
    fs.mkdirSync(dir);
    const created = await call('projects.init', { dir });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const view = created.data as ProjectView;
    expect(view.root).toBe(dir);
    expect(view.manifestFile).toBe(join(dir, 'claude-bottle.json'));
    expect(view.agents.map((agent) => [agent.name, agent.image, agent.project])).toEqual([['webshop', 'builtin:base', 'mount-rw']]);
    expect((await loadManifest(dir)).agents).toHaveLength(1);
    expect(events.some((entry) => entry.event === 'projects.changed')).toBe(true);

    const before = fs.readFileSync(join(dir, 'claude-bottle.json'), 'utf8');
    fs.appendFileSync(join(dir, 'claude-bottle.json'), '\n// my own edit\n');
    const again = await call('projects.init', { dir });
    expect(again).toMatchObject({ ok: false, error: { kind: 'usage', message: expect.stringContaining('already exists') } });
    expect(fs.readFileSync(join(dir, 'claude-bottle.json'), 'utf8')).toBe(`${before}\n// my own edit\n`);
  });

  it('projects.init of a folder that does not exist says so', async () => {
    const { call } = openWindow();
    const result = await call('projects.init', { dir: join(tempDir('cb-proj-'), 'missing') });
    expect(result).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  it('app.doctor with Docker unreachable answers: the docker check fails with a fix', async () => {
    const { call } = openWindow();
    const result = await call('app.doctor');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { checks } = result.data as { checks: { id: string; status: string; detail: string; fix?: string }[] };
    expect(checks.map((check) => check.id)).toEqual(['docker', 'docker-cli', 'disk', 'credentials', 'base-image']);
    const docker = checks.find((check) => check.id === 'docker');
    expect(docker?.status).toBe('fail');
    expect(docker?.detail).toContain('/nonexistent/docker.sock');
    expect(docker?.fix?.length).toBeGreaterThan(10);
  });

  it('images.updateClaude with Docker unreachable fails as a result and ends its progress with the error', async () => {
    const { call, events } = openWindow();
    const result = await call('images.updateClaude');
    expect(result).toMatchObject({ ok: false, error: { kind: 'docker-unavailable' } });
    const progress = events.filter((entry) => entry.event === 'image.progress').map((entry) => entry.payload as ImageProgressView);
    expect(progress[0]?.message).toBe('checking Docker');
    expect(progress.at(-1)).toMatchObject({ done: true, error: { kind: 'docker-unavailable' } });
  });

  it('both transports expose the first-run commands and event (the preload builds its API from the same lists)', async () => {
    const invoked: [string, unknown][] = [];
    const subscribed: string[] = [];
    const api = createBottleApi(
      async (command, args) => {
        invoked.push([command, args]);
        return { ok: true, data: {} };
      },
      (event) => {
        subscribed.push(event);
        return () => undefined;
      },
    );
    await api.projects.init({ dir: '/p' });
    await api.app.doctor();
    await api.images.updateClaude();
    api.on('image.progress', () => undefined);
    expect(invoked).toEqual([
      ['projects.init', { dir: '/p' }],
      ['app.doctor', {}],
      ['images.updateClaude', {}],
    ]);
    expect(subscribed).toEqual(['image.progress']);
  });

  it('bad arguments are refused before the service sees them', async () => {
    const { call } = openWindow();
    for (const [command, args] of [
      ['projects.init', {}],
      ['projects.init', { dir: '' }],
      ['projects.init', { dir: '/tmp/\0x' }],
      ['projects.init', { dir: `/${'a'.repeat(5000)}` }],
      ['projects.init', { dir: '/tmp', force: true }],
      ['app.doctor', { verbose: true }],
      ['images.updateClaude', { version: '1.0.0' }],
    ] as const) {
      const result = await call(command, args);
      expect(result, `${command} ${JSON.stringify(args).slice(0, 60)}`).toMatchObject({ ok: false, error: { kind: 'usage', message: expect.stringContaining(command) } });
    }
  });
});
