import { describe, expect, it } from 'vitest';
import { projectView } from '../../../src/app/views';
import { ManifestError } from '../../../src/core/errors';
import { loadManifestText } from '../../../src/core/manifest/load';
import { environmentSecrets } from '../../../src/core/plan/plan';

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

  it('the window gets thousands of agents and long descriptions within the contract', () => {
    const loaded = loadManifestText(FILE, manyAgents(1_000, { description: 'd'.repeat(20_000) }));
    const view = projectView(loaded, environmentSecrets({}));
    expect(view.agents).toHaveLength(1_000);
    expect(view.agents[0]?.description.length).toBeLessThan(1_100);
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
