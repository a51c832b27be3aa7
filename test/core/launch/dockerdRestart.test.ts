import fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BottleService } from '../../../src/app/bottleService';
import { createDispatcher } from '../../../src/app/dispatch';
import { listBottles } from '../../../src/core/bottles';
import { type CoreContext, createCoreContext } from '../../../src/core/context';
import { environmentSecrets } from '../../../src/core/plan/plan';
import { listSnapshots } from '../../../src/core/state/transcripts';
import type { ApiResult, BottleList, BottleNotification, BottleStatus } from '../../../src/shared/contract';
import { type PrivateEngine, startPrivateEngine } from '../../helpers/privateEngine';
import { makeProject, testAgentManifest, type TestProject } from '../../helpers/project';
import { requireDocker } from '../../helpers/requireDocker';
import { runCliInTerminal } from '../../helpers/terminal';
import { TEST_IMAGE } from '../../helpers/testImage';

// The fault "dockerd stopped mid-session and started again" (docs/operations.md), on an engine of
// the test's own: the shared one is never stopped. Whether the engine is stopped (SIGTERM, as
// `systemctl stop docker` does) or dies (SIGKILL), the session ends at once as preserved, saying
// Docker stopped; the window and `ps` both show it, and say plainly that Docker is not reachable
// while it is down; the conversation is kept; once the engine is back nothing runs that nothing
// lists, and the bottle resumes with `--continue`.

let engine: PrivateEngine | undefined;
let project: TestProject | undefined;
let service: BottleService | undefined;

beforeAll(async () => {
  await requireDocker();
  engine = await startPrivateEngine();
  engine?.loadImage(TEST_IMAGE);
});
afterEach(async () => {
  await service?.shutdown('leave');
  service = undefined;
  project?.cleanup();
  project = undefined;
});
afterAll(async () => {
  await engine?.dispose();
});

interface Window {
  call<T>(command: string, args?: unknown): Promise<T>;
  raw(command: string, args?: unknown): Promise<ApiResult<unknown>>;
  screen(): string;
  status(): BottleStatus | undefined;
  notifications: BottleNotification[];
  waitFor(what: () => boolean, label: string, timeoutMs?: number): Promise<void>;
}

/** The window's side: the service driven through the dispatcher, its events collected. */
function openWindow(target: BottleService): Window {
  const dispatch = createDispatcher(target);
  let screen = '';
  let status: BottleStatus | undefined;
  const notifications: BottleNotification[] = [];
  target.onEvent((event, payload) => {
    if (event === 'terminal.data') {
      const { slug, data } = payload as { slug: string; data: string };
      screen += data;
      void dispatch({ command: 'terminal.ack', args: { slug, chars: data.length } });
    }
    if (event === 'bottle.status') status = payload as BottleStatus;
    if (event === 'app.notification') notifications.push(payload as BottleNotification);
  });
  const raw = (command: string, args: unknown = {}): Promise<ApiResult<unknown>> => dispatch({ command, args });
  return {
    raw,
    async call<T>(command: string, args: unknown = {}) {
      const result = await raw(command, args);
      if (!result.ok) throw new Error(`${command} failed: ${JSON.stringify(result.error)}`);
      return result.data as T;
    },
    screen: () => screen,
    status: () => status,
    notifications,
    async waitFor(what, label, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!what()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}; status ${JSON.stringify(status)}; the screen shows:\n${screen.slice(-1000)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

/** A bottle run in the window on the private engine, with one message in its conversation. */
async function startConversation(p: TestProject, ctx: CoreContext): Promise<{ window: Window; slug: string }> {
  service = new BottleService({ ctx, transport: 'browser', version: '0.0.0-test', initialProject: p.root });
  const window = openWindow(service);
  const { slug } = await window.call<{ slug: string }>('bottles.prepare', { projectDir: p.root, agent: 'tester', copyProject: false, remoteControl: false });
  await window.call('bottles.confirm', { slug, cols: 100, rows: 30 });
  await window.call('terminal.attach', { slug });
  await window.waitFor(() => window.screen().includes('> '), "Claude's prompt", 30_000);
  await window.call('terminal.input', { slug, data: 'remember the green door\r' });
  await window.waitFor(() => window.screen().includes('you said: remember the green door'), 'the reply');
  const conversation = join(ctx.store.claudeDir(slug), 'projects', '-workspace');
  expect(fs.readdirSync(conversation).filter((name) => name.endsWith('.jsonl'))).toHaveLength(1);
  return { window, slug };
}

/** `claude-bottle ps` against the private engine. */
async function ps(p: TestProject, host: string): Promise<string> {
  const run = runCliInTerminal(['ps'], { env: { ...p.env, DOCKER_HOST: host }, cwd: p.root });
  expect(await run.exited).toBe(0);
  return run.text();
}

/** What the session ended in, the listing while the engine is down, and the conversation kept. */
async function expectPreservedWhileDown(window: Window, ctx: CoreContext, slug: string, p: TestProject, host: string): Promise<void> {
  // The tab: preserved, and why.
  const status = window.status();
  expect(status).toMatchObject({ slug, status: 'preserved' });
  expect(status?.message).toContain(`preserved: Docker stopped during the session (${host}`);
  expect(window.notifications).toContainEqual(expect.objectContaining({ kind: 'preserved', slug }));
  // The window's lists: Docker is not reachable, said plainly; the bottle is offered to resume.
  const list = await window.call<BottleList>('bottles.list');
  expect(list.dockerProblem).toMatchObject({ kind: 'docker-unavailable', message: expect.stringContaining(`Docker is not reachable at ${host}`) });
  expect(list.preserved).toEqual([expect.objectContaining({ slug, reason: 'interrupted', detail: expect.stringContaining('Docker stopped during the session') })]);
  // A resume confirmed now fails at once, saying why, and the bottle stays preserved.
  await window.call('bottles.prepareResume', { slug });
  const started = Date.now();
  await window.call('bottles.confirm', { slug, cols: 100, rows: 30 });
  await window.waitFor(() => window.status()?.status === 'failed', 'the resume to fail', 5_000);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(window.status()?.error).toMatchObject({ kind: 'docker-unavailable', message: expect.stringContaining(`Docker is not reachable at ${host}`) });
  expect((await ctx.store.read(slug)).status).toBe('preserved');
  // `ps` says so too, and lists the bottle from its state folder.
  const listed = await ps(p, host);
  expect(listed).toContain(`Docker is not reachable at ${host}`);
  expect(listed).toMatch(new RegExp(`${slug}\\s+tester\\s+preserved\\s+.*Docker stopped during the session`));
  // The conversation: in the bottle's Claude storage, and in a transcript snapshot.
  const [snapshot] = await listSnapshots(ctx.store, slug);
  expect(fs.readdirSync(snapshot as string, { recursive: true }).map(String).some((name) => name.endsWith('.jsonl'))).toBe(true);
}

/** Once the engine is back: listed preserved, nothing running that nothing lists, and resumed with --continue. */
async function expectResumableWhenBack(window: Window, ctx: CoreContext, slug: string, p: TestProject, e: PrivateEngine): Promise<void> {
  const listing = await listBottles(ctx);
  expect(listing.dockerProblem).toBeUndefined();
  expect(listing.live).toEqual([]);
  expect(listing.preserved.map((record) => record.slug)).toEqual([slug]);
  expect(await ps(p, e.host)).toMatch(new RegExp(`${slug}\\s+tester\\s+preserved`));
  // Nothing of the bottle's runs; what is left (a container the engine stopped) is the listed bottle's.
  const labelled = (all: boolean): string[] => e.docker(['ps', ...(all ? ['-a'] : []), '--format', '{{.Label "claude-bottle.slug"}}', '--filter', `label=claude-bottle.home=${p.home}`]).split('\n').filter(Boolean);
  expect(labelled(false)).toEqual([]);
  for (const owner of labelled(true)) expect(owner).toBe(slug);

  window.notifications.length = 0;
  const prepared = await window.call<{ resume: boolean; rows: { label: string; lines: { text: string }[] }[] }>('bottles.prepareResume', { slug });
  expect(prepared.resume).toBe(true);
  expect(prepared.rows.find((row) => row.label === 'resume')?.lines[0]?.text).toContain('--continue');
  await window.call('bottles.confirm', { slug, cols: 100, rows: 30 });
  await window.call('terminal.attach', { slug });
  await window.waitFor(() => window.screen().includes('previous: remember the green door'), 'the conversation continued', 30_000);
  await window.call('terminal.input', { slug, data: 'exit\r' });
  await window.waitFor(() => window.status()?.status === 'exited', 'exited');
  expect(labelled(true)).toEqual([]);
  expect(await ctx.store.exists(slug)).toBe(false);
}

describe('dockerd stopped mid-session and started again', () => {
  for (const [how, signal] of [
    ['stopped (SIGTERM, as systemctl stop docker)', 'SIGTERM'],
    ['killed (SIGKILL, a crash)', 'SIGKILL'],
  ] as const) {
    it(`${how}: the session ends preserved, saying so; ps and the window show it; it resumes once the engine is back`, async (context) => {
      const e = engine;
      if (!e) return context.skip();
      if (!e.running) await e.start();
      project = makeProject(testAgentManifest({ network: 'none' }));
      const p = project;
      const ctx = createCoreContext({ env: { ...p.env, DOCKER_HOST: e.host }, stateRoot: p.home, secrets: environmentSecrets({}) });
      const { window, slug } = await startConversation(p, ctx);

      await e.stop(signal);
      await window.waitFor(() => window.status()?.status === 'preserved', 'the session to end preserved', 15_000);
      await expectPreservedWhileDown(window, ctx, slug, p, e.host);

      await e.start();
      await expectResumableWhenBack(window, ctx, slug, p, e);
    });
  }
});
