import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BottleService } from '../../../src/app/bottleService';
import { type Dispatch, createDispatcher } from '../../../src/app/dispatch';
import { createCoreContext } from '../../../src/core/context';
import { environmentSecrets } from '../../../src/core/plan/plan';
import { AppSecretStore, layeredSecrets } from '../../../src/core/secrets/appSecretStore';
import type { ApiResult, ProjectView } from '../../../src/shared/contract';
import { testCipher } from './testCipher';

const SECRET = 'sk-service-Hq2Lm7-never-leaves';

interface Harness {
  dispatch: Dispatch;
  service: BottleService;
  store: AppSecretStore;
  project: string;
  /** Every event the service emitted, serialised. */
  events: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function harness(transport: 'electron' | 'browser', withCipher: boolean): Harness {
  const base = fs.mkdtempSync(join(os.tmpdir(), 'cb-secrets-service-'));
  const home = join(base, 'home');
  const project = join(base, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(join(project, 'claude-bottle.json'), JSON.stringify({ version: 1, agents: { tester: { description: 'needs a token', image: 'alpine:3', secrets: ['API_TOKEN'] } } }));
  const store = new AppSecretStore(home, withCipher ? testCipher() : undefined);
  const env = {};
  const ctx = createCoreContext({ stateRoot: home, env, secrets: withCipher ? layeredSecrets(store, env) : environmentSecrets(env) });
  const service = new BottleService({ ctx, transport, version: '0.0.0-test', ...(withCipher ? { secretStore: store } : {}) });
  const events: string[] = [];
  service.onEvent((event, payload) => events.push(JSON.stringify({ event, payload })));
  cleanups.push(async () => {
    await service.dispose();
    fs.rmSync(base, { recursive: true, force: true });
  });
  return { dispatch: createDispatcher(service), service, store, project, events };
}

async function missing(h: Harness): Promise<string[]> {
  const opened = (await h.dispatch({ command: 'projects.open', args: { dir: h.project } })) as ApiResult<ProjectView>;
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.data.agents[0]?.missingSecrets ?? [];
}

describe('secrets through the service', () => {
  it('in the desktop app: stores a secret, lists its name only, and the agent no longer misses it', async () => {
    const h = harness('electron', true);
    expect(await h.dispatch({ command: 'secrets.list', args: {} })).toEqual({ ok: true, data: { available: true, names: [], claude: null } });
    expect(await missing(h)).toEqual(['API_TOKEN']);

    const before = h.events.length;
    expect(await h.dispatch({ command: 'secrets.set', args: { name: 'API_TOKEN', value: SECRET } })).toEqual({ ok: true, data: {} });
    expect(h.events.slice(before).map((event) => JSON.parse(event).event)).toContain('projects.changed');
    expect(await missing(h)).toEqual([]);

    const listed = await h.dispatch({ command: 'secrets.list', args: {} });
    expect(listed).toEqual({ ok: true, data: { available: true, names: ['API_TOKEN'], claude: null } });
    expect(JSON.stringify(listed)).not.toContain(SECRET);
    expect(h.store.get('API_TOKEN')).toBe(SECRET);

    expect(await h.dispatch({ command: 'secrets.delete', args: { name: 'API_TOKEN' } })).toEqual({ ok: true, data: { deleted: true } });
    expect(await h.dispatch({ command: 'secrets.delete', args: { name: 'API_TOKEN' } })).toEqual({ ok: true, data: { deleted: false } });
    expect(await missing(h)).toEqual(['API_TOKEN']);
    expect(h.events.join('\n')).not.toContain(SECRET);
  });

  it("signing in: the stored credential is listed by kind and last 4 only, and signing out forgets it", async () => {
    const h = harness('browser', true);
    const token = 'sk-ant-oat01-Window-Sign-In-never-leaves-Q7rs';
    expect(await h.dispatch({ command: 'secrets.set', args: { name: 'CLAUDE_CODE_OAUTH_TOKEN', value: token } })).toEqual({ ok: true, data: {} });
    const listed = await h.dispatch({ command: 'secrets.list', args: {} });
    expect(listed).toEqual({ ok: true, data: { available: true, names: ['CLAUDE_CODE_OAUTH_TOKEN'], claude: { kind: 'oauth', last4: 'Q7rs', from: 'app' } } });
    expect(JSON.stringify(listed)).not.toContain('never-leaves');
    expect(await h.dispatch({ command: 'secrets.delete', args: { name: 'CLAUDE_CODE_OAUTH_TOKEN' } })).toEqual({ ok: true, data: { deleted: true } });
    expect(await h.dispatch({ command: 'secrets.list', args: {} })).toEqual({ ok: true, data: { available: true, names: [], claude: null } });
    expect(h.events.join('\n')).not.toContain('never-leaves');
  });

  it('refuses bad arguments before the service runs, and never echoes the value', async () => {
    const h = harness('electron', true);
    const bad: unknown[] = [
      { name: 'API_TOKEN' },
      { name: 'API_TOKEN', value: '' },
      { name: 'API_TOKEN', value: 42 },
      { name: 'API_TOKEN', value: `${SECRET}\0` },
      { name: 'API_TOKEN', value: SECRET + 'x'.repeat(16 * 1024) },
      { name: 'not a name', value: SECRET },
      { name: '1ABC', value: SECRET },
      { name: 'API_TOKEN', value: SECRET, extra: true },
      SECRET,
    ];
    for (const args of bad) {
      const result = await h.dispatch({ command: 'secrets.set', args });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.kind).toBe('usage');
      expect(JSON.stringify(result)).not.toContain(SECRET);
    }
    expect((await h.dispatch({ command: 'secrets.delete', args: { name: '../x' } })).ok).toBe(false);
    expect((await h.dispatch({ command: 'secrets.list', args: { name: 'API_TOKEN' } })).ok).toBe(false);
    expect(fs.existsSync(h.store.file)).toBe(false);
    expect(h.events.join('\n')).not.toContain(SECRET);
  });

  it('in browser mode: unavailable, and storing is refused with a reason and nothing written', async () => {
    const h = harness('browser', false);
    expect(await h.dispatch({ command: 'secrets.list', args: {} })).toEqual({ ok: true, data: { available: false, names: [], claude: null } });
    const result = await h.dispatch({ command: 'secrets.set', args: { name: 'API_TOKEN', value: SECRET } });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.kind).toBe('unsupported');
      expect(result.error.message).toMatch(/storing secrets needs the desktop app \(the OS keychain\)/);
      expect(result.error.hint).toMatch(/environment/);
    }
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(fs.existsSync(h.store.file)).toBe(false);
    expect(await missing(h)).toEqual(['API_TOKEN']);
  });

  it('a corrupt secrets file is a clear error from secrets.list, and projects still open', async () => {
    const h = harness('electron', true);
    fs.mkdirSync(join(h.store.file, '..'), { recursive: true });
    fs.writeFileSync(h.store.file, '{oops');
    const listed = await h.dispatch({ command: 'secrets.list', args: {} });
    expect(listed.ok).toBe(false);
    if (!listed.ok) {
      expect(listed.error.kind).toBe('state');
      expect(listed.error.message).toMatch(/corrupt/);
    }
    expect(await missing(h)).toEqual(['API_TOKEN']);
  });
});
