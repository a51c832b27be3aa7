import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BottleService } from '../../../src/app/bottleService';
import { createDispatcher } from '../../../src/app/dispatch';
import { createCoreContext } from '../../../src/core/context';
import { ManifestError } from '../../../src/core/errors';
import { loadManifestText } from '../../../src/core/manifest/load';
import { environmentSecrets } from '../../../src/core/plan/plan';
import { LIMITS, type ProjectView } from '../../../src/shared/contract';

// Manifests of every size and shape: many agents load quickly, and every odd shape gets a clear
// error with its position instead of a crash, a hang or a silent drop.

const FILE = '/tmp/cb-scale/claude-bottle.json';

function manyAgents(count: number, extra: Record<string, unknown> = {}): string {
  const agents: Record<string, unknown> = {};
  for (let index = 0; index < count; index += 1) agents[`agent-${index}`] = { image: 'x', network: 'none', description: 'one of many', ...extra };
  return JSON.stringify({ version: 1, agents }, null, 2);
}

function error(text: string): ManifestError {
  try {
    loadManifestText(FILE, text);
  } catch (caught) {
    expect(caught).toBeInstanceOf(ManifestError);
    return caught as ManifestError;
  }
  throw new Error('the manifest loaded');
}

describe('manifests at scale', () => {
  it('10 000 agents load in well under the time a person waits, in file order', () => {
    const started = performance.now();
    const loaded = loadManifestText(FILE, manyAgents(10_000));
    const ms = performance.now() - started;
    expect(loaded.agents).toHaveLength(10_000);
    expect(loaded.agents[9_999]?.name).toBe('agent-9999');
    // About a third of a second on the 2-core CI machine; the bound only catches a quadratic return.
    expect(ms).toBeLessThan(5_000);
  });

  it('20 000 agents with a mistake each are reported quickly, the message listing the first 100', () => {
    const started = performance.now();
    const caught = error(manyAgents(20_000, { resources: { cpus: 0 } }));
    const ms = performance.now() - started;
    expect(caught.issues).toHaveLength(20_000);
    expect(caught.issues[19_999]).toMatchObject({ keyPath: 'agents.agent-19999.resources.cpus', line: 9 + 19_999 * 8 });
    expect(caught.message.split('\n')).toHaveLength(101);
    expect(caught.message).toContain('… and 19900 more problems');
    // Was quadratic (each issue searched the whole agents object for its position): 8 s for 20 000.
    expect(ms).toBeLessThan(5_000);
  });

  it('100 000 agents still load in seconds', () => {
    const started = performance.now();
    expect(loadManifestText(FILE, manyAgents(100_000)).agents).toHaveLength(100_000);
    // About 2 s on the 2-core CI machine.
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('a list of 50 000 secrets is refused quickly, naming the limit', () => {
    const secrets = Array.from({ length: 50_000 }, (_, index) => `SECRET_${index}`);
    const started = performance.now();
    const caught = error(JSON.stringify({ version: 1, agents: { a: { image: 'x', secrets } } }));
    expect(caught.issues).toEqual([expect.objectContaining({ keyPath: 'agents.a.secrets', message: 'expected a list of at most 100 entries' })]);
    // Checking them for duplicates was quadratic: 5 s.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('the window, through the dispatcher and the contract', () => {
  const folders: string[] = [];
  afterAll(() => folders.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));

  async function openInWindow(manifest: string, env: NodeJS.ProcessEnv = {}): Promise<Awaited<ReturnType<ReturnType<typeof createDispatcher>>>> {
    const project = fs.mkdtempSync(join(os.tmpdir(), 'cb-scale-project-'));
    const state = fs.mkdtempSync(join(os.tmpdir(), 'cb-scale-state-'));
    folders.push(project, state);
    fs.writeFileSync(join(project, 'claude-bottle.json'), manifest);
    const service = new BottleService({ ctx: createCoreContext({ stateRoot: state, secrets: environmentSecrets(env) }), transport: 'browser', version: 'test' });
    try {
      return await createDispatcher(service)({ command: 'projects.open', args: { dir: project } });
    } finally {
      await service.dispose();
    }
  }

  it('lists 10 000 agents (past 500 was an internal error)', async () => {
    const result = await openInWindow(manyAgents(10_000, { secrets: ['SHARED_TOKEN'] }));
    expect(result.ok).toBe(true);
    const view = (result.ok ? result.data : undefined) as ProjectView;
    expect(view.agents).toHaveLength(10_000);
    expect(view.agents[9_999]).toMatchObject({ name: 'agent-9999', missingSecrets: ['SHARED_TOKEN'] });
  }, 30_000);

  it('lists agents with 100 KiB descriptions, cut (past 16 KiB was an internal error)', async () => {
    const result = await openInWindow(manyAgents(30, { description: 'd'.repeat(100 * 1024) }));
    expect(result.ok).toBe(true);
    const view = (result.ok ? result.data : undefined) as ProjectView;
    // Cut for the list, saying how much is left out.
    expect(view.agents[29]?.description).toMatch(/^d{1000}… \(101400 more characters\)$/);
  });

  it('a manifest with more agents than the window lists is a clear error naming the limit', async () => {
    const result = await openInWindow(manyAgents(LIMITS.maxAgents + 1));
    expect(result).toMatchObject({ ok: false, error: { kind: 'unsupported', message: expect.stringContaining('has 10001 agents; the window lists at most 10000') } });
  }, 30_000);

  it('secrets named like an object\'s own parts are missing in the agent list unless set', async () => {
    const manifest = JSON.stringify({ version: 1, agents: { a: { image: 'x', network: 'none', secrets: ['constructor', 'toString', 'valueOf', 'hasOwnProperty'] } } });
    const result = await openInWindow(manifest, { valueOf: 'set-for-real' });
    expect(result.ok).toBe(true);
    const view = (result.ok ? result.data : undefined) as ProjectView;
    expect(view.agents[0]?.missingSecrets).toEqual(['constructor', 'toString', 'hasOwnProperty']);
  });
});

describe('manifests of odd shapes', () => {
  it('deep nesting is an error at the first too-deep bracket, not a stack overflow', () => {
    const text = `{"version":1,"agents":{"a":{"image":"x","env":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`;
    const issue = error(text).issues[0];
    expect(issue?.message).toContain('nested deeper than 64 levels');
    expect(issue?.line).toBe(1);
  });

  it('__proto__, constructor and prototype as keys are refused where they stand', () => {
    expect(error('{"version":1,"agents":{"__proto__":{"image":"x"}}}').issues[0]).toMatchObject({ keyPath: 'agents.__proto__', message: expect.stringContaining('cannot be used as a key') });
    expect(error('{"version":1,"agents":{"a":{"image":"x","env":{"constructor":"v"}}}}').issues[0]).toMatchObject({ keyPath: 'agents.a.env.constructor' });
  });

  it('secrets named like an object\'s own parts are missing unless really set', () => {
    const secrets = environmentSecrets({ valueOf: 'set-for-real' });
    expect(secrets.whereIs('constructor')).toBeUndefined();
    expect(secrets.whereIs('toString')).toBeUndefined();
    expect(secrets.get('toString')).toBeUndefined();
    expect(secrets.whereIs('valueOf')).toBe('environment');
    expect(environmentSecrets(process.env).whereIs('hasOwnProperty')).toBeUndefined();
  });

  it('an absurd memory size and an out-of-range uid are errors with their positions', () => {
    const memory = error('{"version":1,"agents":{"a":{"image":"x","resources":{"memory":"99999999999999999999999g"}}}}').issues[0];
    expect(memory).toMatchObject({ keyPath: 'agents.a.resources.memory', message: expect.stringContaining('to "1048576g"') });
    const user = error('{"version":1,"agents":{"a":{"image":"x","user":"4294967296"}}}').issues[0];
    expect(user).toMatchObject({ keyPath: 'agents.a.user', message: expect.stringContaining('2147483647') });
  });
});
