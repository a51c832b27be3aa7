import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BottleService } from '../../src/app/bottleService';
import { type Dispatch, createDispatcher } from '../../src/app/dispatch';
import { findBottleContainers } from '../../src/core/docker/containers';
import { LABELS } from '../../src/core/plan/plan';
import { writeDecision } from '../../src/core/channel/controlChannel';
import { channelFolders } from '../../src/core/channel/layout';
import type { ApiResult, BottleNotification, BottleStatus, EventName, EventPayload } from '../../src/shared/contract';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';
import { requireDocker } from '../helpers/requireDocker';
import { runCliInTerminal } from '../helpers/terminal';

// The window's side of the app against the real Docker engine and the fake-claude image, driven
// through the dispatcher exactly as a window would (validated commands, events, acks).

beforeAll(() => requireDocker());

interface Window {
  call<T>(command: string, args?: unknown): Promise<T>;
  raw(command: string, args?: unknown): Promise<ApiResult<unknown>>;
  /** What the terminal of `slug` shows: the attach replay plus every batch since, acknowledged as a window would. */
  screen(slug: string): string;
  attach(slug: string): Promise<void>;
  waitFor(what: () => boolean, label: string, timeoutMs?: number): Promise<void>;
  waitForScreen(slug: string, text: string): Promise<void>;
  statuses(slug: string): BottleStatus['status'][];
  notifications: BottleNotification[];
  events: { event: EventName; payload: unknown }[];
}

function openWindow(service: BottleService): Window {
  const dispatch: Dispatch = createDispatcher(service);
  const screens = new Map<string, string>();
  const events: { event: EventName; payload: unknown }[] = [];
  const notifications: BottleNotification[] = [];
  service.onEvent((event, payload) => {
    events.push({ event, payload });
    if (event === 'terminal.data') {
      const { slug, data } = payload as EventPayload<'terminal.data'>;
      screens.set(slug, (screens.get(slug) ?? '') + data);
      void dispatch({ command: 'terminal.ack', args: { slug, chars: data.length } });
    }
    if (event === 'app.notification') notifications.push(payload as BottleNotification);
  });
  const raw = (command: string, args: unknown = {}) => dispatch({ command, args });
  const window: Window = {
    raw,
    async call<T>(command: string, args: unknown = {}) {
      const result = await raw(command, args);
      if (!result.ok) throw new Error(`${command} failed: ${JSON.stringify(result.error)}`);
      return result.data as T;
    },
    screen: (slug) => screens.get(slug) ?? '',
    async attach(slug) {
      const attached = await window.call<{ replay: string }>('terminal.attach', { slug });
      screens.set(slug, attached.replay);
    },
    async waitFor(what, label, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!what()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}; events: ${JSON.stringify(events.filter((e) => e.event !== 'terminal.data').slice(-10))}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async waitForScreen(slug, text) {
      await window.waitFor(() => window.screen(slug).includes(text), `"${text}" on the screen of ${slug}:\n${window.screen(slug).slice(-1000)}`);
    },
    statuses: (slug) => events.filter((e) => e.event === 'bottle.status' && (e.payload as BottleStatus).slug === slug).map((e) => (e.payload as BottleStatus).status),
    notifications,
    events,
  };
  return window;
}

let project: TestProject | undefined;
let service: BottleService | undefined;
afterEach(async () => {
  await service?.shutdown('stop');
  service = undefined;
  if (project) {
    for (const container of await findBottleContainers(project.ctx.docker, { [LABELS.home]: project.home })) {
      await project.ctx.docker.getContainer(container.id).remove({ force: true }).catch(() => undefined);
    }
    project.cleanup();
  }
  project = undefined;
});

/** The preflight of the project's `tester` agent, as the window asks for it: the bottle's slug. */
async function prepareTester(window: Window, p: TestProject): Promise<string> {
  return (await window.call<{ slug: string }>('bottles.prepare', { projectDir: p.root, agent: 'tester', copyProject: false, remoteControl: false })).slug;
}

function newService(p: TestProject): BottleService {
  return new BottleService({ ctx: p.ctx, transport: 'browser', version: '0.0.0-test', initialProject: p.root });
}

/** A new service for the project (disposed after the test) and a window on it. */
function openServiceWindow(p: TestProject): Window {
  service = newService(p);
  return openWindow(service);
}

describe('the bottle service on a real Docker engine', () => {
  it('opens a project, prepares, confirms, runs, echoes typing, and stops', async () => {
    project = makeProject(testAgentManifest({ secrets: ['CB_TEST_MISSING_SECRET'] }));
    service = newService(project);
    const window = openWindow(service);

    const info = await window.call<{ transport: string; initialProject: string }>('app.info');
    expect(info).toMatchObject({ transport: 'browser', initialProject: project.root });
    const opened = await window.call<{ root: string; agents: { name: string; missingSecrets: string[]; badges: string[] }[] }>('projects.open', { dir: project.root });
    expect(opened.root).toBe(project.root);
    expect(opened.agents).toEqual([expect.objectContaining({ name: 'tester', missingSecrets: ['CB_TEST_MISSING_SECRET'], badges: expect.arrayContaining(['secrets:1']) })]);
    const recent = await window.call<{ projects: { root: string; agents: string[] }[] }>('projects.recent');
    expect(recent.projects).toEqual([expect.objectContaining({ root: project.root, agents: ['tester'] })]);
    expect(fs.existsSync(join(project.home, 'recent-projects.json'))).toBe(true);

    const prepared = await window.call<{ slug: string; rows: { label: string }[]; resume: boolean }>('bottles.prepare', { projectDir: project.root, agent: 'tester', copyProject: false, remoteControl: false });
    expect(prepared.resume).toBe(false);
    expect(prepared.rows.map((row) => row.label)).toEqual(expect.arrayContaining(['image', 'network', 'hardening', 'secrets']));
    const slug = prepared.slug;

    const confirmed = await window.call<BottleStatus>('bottles.confirm', { slug, cols: 100, rows: 30 });
    expect(['starting', 'building']).toContain(confirmed.status);
    await window.attach(slug);
    await window.waitFor(() => window.statuses(slug).includes('running'), 'running');
    await window.waitForScreen(slug, '> ');
    expect(window.screen(slug)).toContain('Welcome to Claude Code (fake)');

    await window.call('terminal.input', { slug, data: 'hello from the window\r' });
    await window.waitForScreen(slug, 'Claude: you said: hello from the window');
    await window.call('terminal.resize', { slug, cols: 120, rows: 40 });

    const list = await window.call<{ sessions: { slug: string; status: string; image: string }[]; detached: unknown[] }>('bottles.list');
    expect(list.sessions).toEqual([expect.objectContaining({ slug, status: 'running', image: 'claude-bottle-test:latest' })]);
    expect(list.detached).toEqual([]);

    // A reload: the new window gets the recent output replayed.
    const reloaded = openWindow(service);
    service.detachViewers();
    await reloaded.attach(slug);
    expect(reloaded.screen(slug)).toContain('you said: hello from the window');

    const stopped = await window.call<{ preserved: boolean }>('bottles.stop', { slug, keep: false });
    expect(stopped.preserved).toBe(false);
    expect(window.statuses(slug).at(-1)).toBe('exited');
    expect(await findBottleContainers(project.ctx.docker, { [LABELS.home]: project.home })).toEqual([]);
    expect(await project.ctx.store.exists(slug)).toBe(false);
    const input = await window.raw('terminal.input', { slug, data: 'x' });
    expect(input).toMatchObject({ ok: false, error: { kind: 'usage' } });
    await window.call('terminal.close', { slug });
    expect((await window.call<{ sessions: unknown[] }>('bottles.list')).sessions).toEqual([]);
  });

  it('Claude starts at the size the window fitted while the bottle started, not the size it confirmed with', async () => {
    project = makeProject(testAgentManifest());
    const window = openServiceWindow(project);
    const slug = await prepareTester(window, project);
    await window.call('bottles.confirm', { slug, cols: 100, rows: 30 });
    // The new tab fits itself while the container starts (the window estimated the size it confirmed with).
    await window.call('terminal.resize', { slug, cols: 132, rows: 41 });
    await window.attach(slug);
    await window.waitFor(() => window.statuses(slug).includes('running'), 'running');
    // The fake Claude prints the size it started at: a resize after its start would leave "30 100" here.
    await window.waitForScreen(slug, 'terminal: ');
    expect(window.screen(slug)).toContain('terminal: 41 132');
    await window.call('bottles.stop', { slug, keep: false });
  });

  it('a crash is preserved and notified; resuming continues the conversation; cancel leaves nothing', async () => {
    project = makeProject(testAgentManifest());
    const window = openServiceWindow(project);

    const cancelled = await prepareTester(window, project);
    expect(await project.ctx.store.exists(cancelled)).toBe(true);
    await window.call('bottles.cancel', { slug: cancelled });
    expect(await project.ctx.store.exists(cancelled)).toBe(false);

    const slug = await prepareTester(window, project);
    await window.call('bottles.confirm', { slug, cols: 80, rows: 24 });
    await window.attach(slug);
    await window.waitForScreen(slug, '> ');
    await window.call('terminal.input', { slug, data: 'remember the blue door\r' });
    await window.waitForScreen(slug, 'you said: remember the blue door');
    await window.call('terminal.input', { slug, data: 'exit 3\r' });
    await window.waitFor(() => window.statuses(slug).includes('preserved'), 'preserved');
    const attached = await window.call<{ status: BottleStatus }>('terminal.attach', { slug });
    expect(attached.status).toMatchObject({ status: 'preserved', exitCode: 3 });
    expect(window.notifications.filter((note) => note.kind !== 'waiting')).toEqual([expect.objectContaining({ kind: 'crashed', slug })]);

    const list = await window.call<{ preserved: { slug: string; reason: string; exitCode?: number }[] }>('bottles.list');
    expect(list.preserved).toEqual([expect.objectContaining({ slug, reason: 'exit', exitCode: 3 })]);

    const resume = await window.call<{ slug: string; resume: boolean; rows: { label: string; lines: { text: string }[] }[] }>('bottles.prepareResume', { slug });
    expect(resume).toMatchObject({ slug, resume: true });
    expect(resume.rows.find((row) => row.label === 'resume')?.lines[0]?.text).toContain('--continue');
    await window.call('bottles.confirm', { slug, cols: 80, rows: 24 });
    await window.attach(slug);
    await window.waitForScreen(slug, 'previous: remember the blue door');
    await window.call('terminal.input', { slug, data: 'exit\r' });
    await window.waitFor(() => window.statuses(slug).at(-1) === 'exited', 'exited');
    expect(await project.ctx.store.exists(slug)).toBe(false);
  });

  it('a bottle left running by a killed process is offered as detached, and re-attached to the same Claude', async () => {
    project = makeProject(testAgentManifest());
    const cli = runCliInTerminal(['start', '--yes', 'tester'], { env: project.env, cwd: project.root });
    await cli.waitFor('> ', 60_000);
    cli.write('a note before the crash\r');
    await cli.waitFor('you said: a note before the crash');
    const [container] = await findBottleContainers(project.ctx.docker, { [LABELS.home]: project.home });
    const claudeProcesses = async (): Promise<string[]> =>
      ((await project!.ctx.docker.getContainer(container!.name).top()) as { Processes: string[][] }).Processes.filter((row) => row.join(' ').includes('/usr/local/bin/claude')).map((row) => row[1] ?? '');
    // The fake Claude forks short-lived subshells of itself (writing its session file): wait for them to end.
    await expect.poll(claudeProcesses).toHaveLength(1);
    const before = await claudeProcesses();
    process.kill(cli.pid, 'SIGKILL');
    await cli.exited;

    const window = openServiceWindow(project);
    const list = await window.call<{ detached: { slug: string; owner: string; containerState: string }[] }>('bottles.list');
    expect(list.detached).toEqual([expect.objectContaining({ owner: 'dead', containerState: 'running' })]);
    const slug = list.detached[0]?.slug as string;

    await window.call('bottles.reattach', { slug, cols: 90, rows: 30 });
    await window.attach(slug);
    // The same process answers: no second Claude was started beside it.
    await window.call('terminal.input', { slug, data: 'still there?\r' });
    await window.waitForScreen(slug, 'you said: still there?');
    await expect.poll(claudeProcesses).toEqual(before);
    expect((await window.call<{ detached: unknown[]; sessions: { slug: string }[] }>('bottles.list')).detached).toEqual([]);

    const stopped = await window.call<{ preserved: boolean }>('bottles.stop', { slug, keep: true });
    expect(stopped.preserved).toBe(true);
    expect(await findBottleContainers(project.ctx.docker, { [LABELS.home]: project.home })).toEqual([]);
    const after = await window.call<{ preserved: { slug: string; reason: string }[] }>('bottles.list');
    expect(after.preserved).toEqual([expect.objectContaining({ slug, reason: 'keep' })]);
    await window.call('bottles.discard', { slug });
    expect(await project.ctx.store.exists(slug)).toBe(false);
  });

  it('a failed image build ends as failed, notified, with nothing left behind', async () => {
    project = makeProject(testAgentManifest({ image: undefined, build: { context: '.', dockerfile: 'Dockerfile' } }), {
      files: { Dockerfile: 'FROM claude-bottle-test:latest\nRUN echo breaking on purpose && exit 7\n' },
    });
    const window = openServiceWindow(project);
    const slug = await prepareTester(window, project);
    await window.call('bottles.confirm', { slug, cols: 80, rows: 24 });
    await window.waitFor(() => window.statuses(slug).includes('failed'), 'failed', 120_000);
    expect(window.statuses(slug)).toContain('building');
    const attached = await window.call<{ status: BottleStatus }>('terminal.attach', { slug });
    expect(attached.status).toMatchObject({ status: 'failed', error: { kind: 'build-failed' } });
    expect(window.notifications).toEqual([expect.objectContaining({ kind: 'failed', slug })]);
    expect(await project.ctx.store.exists(slug)).toBe(false);
    expect(await findBottleContainers(project.ctx.docker, { [LABELS.home]: project.home })).toEqual([]);
  });

  it('a stop during the launch leaves nothing running and nothing behind', async () => {
    project = makeProject(testAgentManifest());
    const window = openServiceWindow(project);
    const slug = await prepareTester(window, project);
    await window.call('bottles.confirm', { slug, cols: 80, rows: 24 });
    const stopped = await window.call<{ preserved: boolean }>('bottles.stop', { slug, keep: false });
    expect(stopped.preserved).toBe(false);
    expect(window.statuses(slug).at(-1)).toBe('exited');
    expect(window.notifications).toEqual([]);
    expect(await findBottleContainers(project.ctx.docker, { [LABELS.home]: project.home })).toEqual([]);
    expect(await project.ctx.store.exists(slug)).toBe(false);
  });

  it('a broken manifest answers with its line, and the browser has no folder dialog', async () => {
    project = makeProject('{\n  "version": 1,\n  "agents": { "x": { "image": 42 } }\n}\n');
    const window = openServiceWindow(project);
    const result = await window.raw('projects.open', { dir: project.root });
    expect(result).toMatchObject({ ok: false, error: { kind: 'manifest', issues: [expect.objectContaining({ line: 3, keyPath: expect.stringContaining('agents.x') })] } });
    expect(await window.raw('projects.pickFolder')).toMatchObject({ ok: false, error: { kind: 'unsupported' } });
    expect(await window.raw('projects.open', { dir: 'relative/path' })).toMatchObject({ ok: false, error: { kind: 'usage' } });
  });
});

describe('capability requests and attention in the window', () => {
  function pushProject(): TestProject {
    const shared = fs.mkdtempSync('/tmp/cb-shared-');
    fs.chmodSync(shared, 0o755);
    return makeProject(
      testAgentManifest({ capabilities: { push: { description: 'push branches', secrets: ['PUSH_TOKEN'], mounts: [{ source: shared, target: '/mnt/shared', readonly: true }] } } }),
      { secrets: { PUSH_TOKEN: 'push-token-value' } },
    );
  }

  async function startTester(window: Window, p: TestProject): Promise<string> {
    const prepared = await window.call<{ slug: string; rows: { label: string; lines: { text: string }[] }[] }>('bottles.prepare', { projectDir: p.root, agent: 'tester', copyProject: false, remoteControl: false });
    expect(prepared.rows.find((row) => row.label === 'requestable')?.lines.map((line) => line.text).join('\n')).toContain('adds secrets PUSH_TOKEN');
    await window.call('bottles.confirm', { slug: prepared.slug, cols: 100, rows: 30 });
    await window.attach(prepared.slug);
    await window.waitForScreen(prepared.slug, '> ');
    return prepared.slug;
  }

  it('shows a request on the tab, and a grant relaunches the bottle in the same tab with the conversation', async () => {
    project = pushProject();
    const window = openServiceWindow(project);
    const slug = await startTester(window, project);
    await window.call('terminal.input', { slug, data: 'request push to publish the \x1b[2Jbranch\r' });
    await window.waitFor(() => window.events.some((e) => e.event === 'bottle.request'), 'the request');
    const request = window.events.find((e) => e.event === 'bottle.request')?.payload as EventPayload<'bottle.request'>;
    expect(request).toMatchObject({ slug, agent: 'tester', capability: 'push', known: true });
    expect(request.reason).toBe('to publish the \\e[2Jbranch'); // the escape made visible
    expect(request.rows[0]?.lines.map((line) => line.text).join('\n')).toMatch(/adds mount ro .* → \/mnt\/shared/);
    expect(window.notifications.some((note) => note.title === 'tester asks for "push"')).toBe(true);
    const listed = await window.call<{ requests: { id: string }[] }>('bottles.requests', { slug });
    expect(listed.requests.map((entry) => entry.id)).toEqual([request.id]);
    await window.waitFor(() => service?.['bottles'].get(slug)?.status.pendingRequests === 1, 'the pending count in the status');

    await window.call('bottles.answerRequest', { slug, id: request.id, decision: 'grant' });
    await window.waitForScreen(slug, 'previous: request push to publish');
    await window.waitFor(() => window.statuses(slug).at(-1) === 'running', 'running again');
    expect(window.statuses(slug)).not.toContain('preserved');
    expect(window.events.some((e) => e.event === 'bottle.requestSettled' && (e.payload as { id: string }).id === request.id)).toBe(true);
    await window.call('terminal.input', { slug, data: 'secret PUSH_TOKEN\r' });
    await window.waitForScreen(slug, 'PUSH_TOKEN is set (16 chars)');
  });

  it('applies a decision made in another terminal, and the tab says when Claude waits', async () => {
    project = pushProject();
    const window = openServiceWindow(project);
    const slug = await startTester(window, project);
    await window.call('terminal.input', { slug, data: 'hello\r' });
    await window.waitFor(() => (service?.['bottles'].get(slug)?.status.attention?.state ?? '') === 'waiting' && window.events.some((e) => e.event === 'bottle.status' && (e.payload as BottleStatus).attention?.state === 'working'), 'working, then waiting');
    const list = await window.call<{ sessions: { slug: string; attention?: { state: string } }[] }>('bottles.list');
    expect(list.sessions.find((session) => session.slug === slug)?.attention?.state).toBe('waiting');

    await window.call('terminal.input', { slug, data: 'request push please\r' });
    await window.waitFor(() => window.events.some((e) => e.event === 'bottle.request'), 'the request');
    const request = window.events.find((e) => e.event === 'bottle.request')?.payload as EventPayload<'bottle.request'>;
    await writeDecision(channelFolders(project.ctx.store.bottleDir(slug)), request.id, 'denied');
    await window.waitForScreen(slug, 'request exit 1');
    expect(window.screen(slug)).toContain('the user denied "push"');
  });
});

describe('Find unused in the window', () => {
  it('lists what no bottle owns, and removes exactly the listed items still unowned', async () => {
    project = makeProject(testAgentManifest());
    const window = openServiceWindow(project);
    const labels = { [LABELS.home]: project.home, [LABELS.slug]: 'gone-20260101T000000-0000' };
    const orphan = await project.ctx.docker.createContainer({ name: `claude-bottle-window-orphan-${process.pid}`, Image: 'claude-bottle-test:latest', Cmd: ['true'], Labels: labels });
    const listed = await window.call<{ items: { kind: string; name: string }[] }>('app.prune', { images: false });
    expect(listed.items).toEqual([expect.objectContaining({ kind: 'container', name: `claude-bottle-window-orphan-${process.pid}` })]);
    // An item that was not listed is not removed, even if it is unowned by now.
    const late = await project.ctx.docker.createContainer({ name: `claude-bottle-window-late-${process.pid}`, Image: 'claude-bottle-test:latest', Cmd: ['true'], Labels: labels });
    const removed = await window.call<{ removed: number; items: { name: string }[] }>('app.prune', { images: false, remove: listed.items.map(({ kind, name }) => ({ kind, name })) });
    expect(removed.removed).toBe(1);
    await expect(orphan.inspect()).rejects.toThrow();
    expect(removed.items.map((item) => item.name)).toEqual([`claude-bottle-window-late-${process.pid}`]);
    await late.remove({ force: true });
    const bad = await window.raw('app.prune', { remove: [{ kind: 'everything', name: '/' }] });
    expect(bad.ok).toBe(false);
  });
});
