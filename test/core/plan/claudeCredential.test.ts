import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadedManifest, ResolvedAgent } from '../../../src/core/manifest/types';
import { environmentSecrets, NO_CREDENTIAL_WARNING, preparePlan, type BottlePlan } from '../../../src/core/plan/plan';
import type { SecretSource } from '../../../src/core/plan/plan';
import { describePreflight, renderPreflight } from '../../../src/core/plan/preflight';
import { AppSecretStore, layeredSecrets } from '../../../src/core/secrets/appSecretStore';
import { testCipher } from '../secrets/testCipher';

// One row about Claude's credential in every preflight: its kind, where it comes from and its
// last 4 characters, never more; a red warning when there is none.

const API_KEY = 'sk-ant-api03-Stored-by-login-never-shown-AbCd';
const TOKEN = 'sk-ant-oat01-Subscription-token-never-shown-WxYz';
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

function agent(network: ResolvedAgent['network'], secrets: string[] = []): ResolvedAgent {
  return {
    name: 'coder',
    description: '',
    image: { kind: 'image', ref: 'acme/agent:1' },
    workdir: '/workspace',
    project: 'mount-rw',
    mounts: [],
    env: {},
    secrets,
    network,
    resources: { memory: 1024 ** 3, cpus: 1, pids: 256 },
    capabilities: {},
    claudeArgs: [],
    remoteControl: false,
    dangerous: false,
  };
}

function plan(a: ResolvedAgent, secrets: SecretSource): BottlePlan {
  const loaded: LoadedManifest = { file: '/p/claude-bottle.json', projectRoot: '/p', manifest: { version: 1, agents: {} }, agents: [a] };
  return preparePlan({ loaded, agentName: a.name, slug: 'coder-20261204T000000-abcd', options: {}, stateRoot: '/state', claudeStorage: '/state/c', secrets });
}

/** The app's secret store as `claude-bottle login` leaves it, read the way the launch reads it. */
function loggedIn(name: string, value: string, env: NodeJS.ProcessEnv = {}): SecretSource {
  const root = fs.mkdtempSync(join(os.tmpdir(), 'cb-login-plan-'));
  roots.push(root);
  const store = new AppSecretStore(root, testCipher());
  store.set(name, value);
  return layeredSecrets(store, env);
}

const claudeRow = (p: BottlePlan) => describePreflight(p).rows.find((row) => row.label === "Claude's API");

describe("the preflight's row about Claude's credential", () => {
  it('behind an allow-list: the stored API key by kind, origin and last 4, through the proxy', () => {
    const p = plan(agent({ mode: 'allow', hosts: [] }), loggedIn('ANTHROPIC_API_KEY', API_KEY));
    expect(claudeRow(p)?.lines[0]).toEqual({ text: 'through the proxy with your API key …AbCd (stored in the app)', tone: 'good' });
    expect(p.warnings).toEqual([]);
    expect(JSON.stringify(p)).not.toContain(API_KEY);
    expect(renderPreflight(p)).not.toContain('never-shown');
  });

  it('on an open network: the stored token serves an agent that names none, passed in, and the row says so', () => {
    const p = plan(agent({ mode: 'open' }), loggedIn('CLAUDE_CODE_OAUTH_TOKEN', TOKEN));
    expect(p.secrets).toEqual([{ name: 'CLAUDE_CODE_OAUTH_TOKEN', available: true, from: 'app', origin: 'claude' }]);
    expect(claudeRow(p)?.lines).toEqual([
      { text: 'your subscription token …WxYz (stored in the app), passed into the bottle as CLAUDE_CODE_OAUTH_TOKEN: on an open network the agent can read it', tone: 'warn' },
    ]);
    const text = renderPreflight(p);
    expect(text).toMatch(/secrets\s+CLAUDE_CODE_OAUTH_TOKEN {2}from the app \(Claude's credential\)/);
    expect(text).not.toContain('never-shown');
  });

  it("on an open network, an agent that names its own credential keeps it, and the row points at it", () => {
    const p = plan(agent({ mode: 'open' }, ['ANTHROPIC_API_KEY']), loggedIn('ANTHROPIC_API_KEY', API_KEY));
    expect(p.secrets.map((secret) => `${secret.name}:${secret.origin}`)).toEqual(['ANTHROPIC_API_KEY:agent']);
    expect(claudeRow(p)?.lines[0]?.text).toContain("the agent's own ANTHROPIC_API_KEY secret");
  });

  it('with no credential at all: a red row and a warning that says how to log in', () => {
    for (const network of [{ mode: 'open' as const }, { mode: 'allow' as const, hosts: [] }]) {
      const p = plan(agent(network), environmentSecrets({}));
      expect(claudeRow(p)?.lines).toEqual([{ text: 'no Anthropic credential: run `claude-bottle login` or Sign in', tone: 'danger' }]);
      expect(p.warnings).toEqual([NO_CREDENTIAL_WARNING]);
      expect(renderPreflight(p)).toContain('! no Anthropic credential: run `claude-bottle login` or Sign in');
    }
  });

  it('with no network: the row says Claude cannot reach its API, and no credential goes in', () => {
    const p = plan(agent({ mode: 'none' }), loggedIn('ANTHROPIC_API_KEY', API_KEY));
    expect(claudeRow(p)?.lines).toEqual([{ text: 'no network: Claude cannot reach its API, and gets no credential', tone: 'muted' }]);
    expect(p.secrets).toEqual([]);
    expect(plan(agent({ mode: 'none' }), environmentSecrets({})).warnings).toEqual([]);
  });

  it('a credential from the environment is named as such', () => {
    const p = plan(agent({ mode: 'allow', hosts: [] }), environmentSecrets({ CLAUDE_CODE_OAUTH_TOKEN: TOKEN }));
    expect(claudeRow(p)?.lines[0]?.text).toBe('through the proxy with your subscription token …WxYz (environment)');
  });
});
