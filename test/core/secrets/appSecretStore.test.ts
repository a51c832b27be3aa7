import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BottleError } from '../../../src/core/errors';
import type { LoadedManifest, ResolvedAgent } from '../../../src/core/manifest/types';
import { preparePlan } from '../../../src/core/plan/plan';
import { AppSecretStore, layeredSecrets } from '../../../src/core/secrets/appSecretStore';
import { testCipher } from './testCipher';

const SECRET = 'sk-test-Zq8vW3xY9-never-in-the-file';
const roots: string[] = [];

function tempRoot(): string {
  const root = fs.mkdtempSync(join(os.tmpdir(), 'cb-secrets-'));
  roots.push(root);
  return join(root, 'home');
}

afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

function thrown(fn: () => unknown): BottleError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BottleError);
    return error as BottleError;
  }
  throw new Error('expected a BottleError');
}

describe('the app secret store', () => {
  it('keeps values encrypted in secrets.json (0600), and round-trips them', () => {
    const home = tempRoot();
    const store = new AppSecretStore(home, testCipher());
    expect(store.available).toBe(true);
    expect(store.names()).toEqual([]);
    store.set('API_TOKEN', SECRET);
    store.set('OTHER', 'ü-unicode ✓');

    const body = fs.readFileSync(store.file, 'utf8');
    expect(body).not.toContain(SECRET);
    expect(body).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(body).toContain('API_TOKEN');
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(home).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    expect(store.names()).toEqual(['API_TOKEN', 'OTHER']);
    expect(store.has('API_TOKEN')).toBe(true);
    expect(store.get('API_TOKEN')).toBe(SECRET);
    expect(store.get('OTHER')).toBe('ü-unicode ✓');
    expect(store.get('NOPE')).toBeUndefined();

    store.set('API_TOKEN', 'second');
    expect(store.get('API_TOKEN')).toBe('second');
    expect(store.delete('API_TOKEN')).toBe(true);
    expect(store.delete('API_TOKEN')).toBe(false);
    expect(store.names()).toEqual(['OTHER']);
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it('refuses bad names and values without quoting the value', () => {
    const store = new AppSecretStore(tempRoot(), testCipher());
    for (const name of ['', '1ABC', 'A-B', 'A B', '../x', 'A'.repeat(201)]) {
      expect(thrown(() => store.set(name, 'v')).kind).toBe('usage');
    }
    const withNul = thrown(() => store.set('A', `${SECRET}\0`));
    expect(withNul.kind).toBe('usage');
    expect(withNul.message).not.toContain(SECRET);
    const tooLong = thrown(() => store.set('A', 'x'.repeat(16 * 1024 + 1)));
    expect(tooLong.message).toMatch(/16 KiB/);
    expect(thrown(() => store.set('A', '')).kind).toBe('usage');
    expect(fs.existsSync(store.file)).toBe(false);
  });

  it('reports a corrupt file with a clear error instead of crashing, and does not overwrite it', () => {
    const home = tempRoot();
    fs.mkdirSync(home, { recursive: true });
    const store = new AppSecretStore(home, testCipher());
    for (const junk of ['{not json', '[]', '{"version":1,"secrets":{"A":5}}', '{"version":1,"secrets":{"bad name":"x"}}']) {
      fs.writeFileSync(store.file, junk);
      const error = thrown(() => store.names());
      expect(error.kind).toBe('state');
      expect(error.message).toContain(store.file);
      expect(error.message).toMatch(/corrupt/);
      expect(error.hint).toMatch(/delete/);
      expect(thrown(() => store.set('A', SECRET)).kind).toBe('state');
      expect(fs.readFileSync(store.file, 'utf8')).toBe(junk);
    }
    // The layered source treats an unreadable store as empty: the environment still answers.
    const source = layeredSecrets(store, { A: 'from-env' });
    expect(source.whereIs('A')).toBe('environment');
    expect(source.get('A')).toBe('from-env');
  });

  it('says so when a value cannot be decrypted (another key), without the value', () => {
    const home = tempRoot();
    new AppSecretStore(home, testCipher()).set('API_TOKEN', SECRET);
    const error = thrown(() => new AppSecretStore(home, testCipher()).get('API_TOKEN'));
    expect(error.kind).toBe('state');
    expect(error.message).toMatch(/cannot be decrypted/);
    expect(error.message).not.toContain(SECRET);
  });

  it('without a cipher (CLI, browser mode) refuses to store and writes nothing', () => {
    const home = tempRoot();
    for (const cipher of [undefined, { ...testCipher(), isAvailable: () => false }]) {
      const store = new AppSecretStore(home, cipher);
      expect(store.available).toBe(false);
      const error = thrown(() => store.set('API_TOKEN', SECRET));
      expect(error.kind).toBe('unsupported');
      expect(error.message).toMatch(/storing secrets needs the desktop app \(the OS keychain\)/);
      expect(error.message).not.toContain(SECRET);
      expect(fs.existsSync(store.file)).toBe(false);
      expect(fs.existsSync(home)).toBe(false);
    }
  });

  it('without a cipher, a value the desktop app stored cannot be read, and the error says why', () => {
    const home = tempRoot();
    new AppSecretStore(home, testCipher()).set('API_TOKEN', SECRET);
    const cli = new AppSecretStore(home, undefined);
    expect(cli.has('API_TOKEN')).toBe(true);
    const error = thrown(() => cli.get('API_TOKEN'));
    expect(error.kind).toBe('unsupported');
    expect(error.message).toMatch(/stored by the desktop app/);
    expect(error.hint).toMatch(/environment/);
    // Layered over an unusable store, only the environment counts.
    const source = layeredSecrets(cli, {});
    expect(source.whereIs('API_TOKEN')).toBeUndefined();
    expect(source.get('API_TOKEN')).toBeUndefined();
  });
});

describe('layeredSecrets', () => {
  it('prefers the app store and says where each value comes from', () => {
    const store = new AppSecretStore(tempRoot(), testCipher());
    store.set('BOTH', 'app-value');
    store.set('APP_ONLY', 'app-only');
    const source = layeredSecrets(store, { BOTH: 'env-value', ENV_ONLY: 'env-only', EMPTY: '' });
    expect(source.whereIs('BOTH')).toBe('app');
    expect(source.get('BOTH')).toBe('app-value');
    expect(source.whereIs('APP_ONLY')).toBe('app');
    expect(source.whereIs('ENV_ONLY')).toBe('environment');
    expect(source.get('ENV_ONLY')).toBe('env-only');
    expect(source.whereIs('EMPTY')).toBeUndefined();
    expect(source.whereIs('NONE')).toBeUndefined();
    expect(source.get('NONE')).toBeUndefined();
    store.delete('BOTH');
    expect(source.whereIs('BOTH')).toBe('environment');
  });

  it('makes a plan that marks a stored secret available from "app", with no value in it', () => {
    const store = new AppSecretStore(tempRoot(), testCipher());
    store.set('API_TOKEN', SECRET);
    const agent: ResolvedAgent = {
      name: 'reviewer',
      description: '',
      image: { kind: 'image', ref: 'acme/agent:1' },
      workdir: '/workspace',
      project: 'mount-rw',
      mounts: [],
      env: {},
      secrets: ['API_TOKEN', 'GITHUB_TOKEN', 'MISSING'],
      network: { mode: 'open' },
      resources: { memory: 4 * 1024 ** 3, cpus: 2, pids: 512 },
      capabilities: {},
      claudeArgs: [],
      remoteControl: false,
      dangerous: false,
    };
    const loaded: LoadedManifest = { file: '/p/claude-bottle.json', projectRoot: '/p', manifest: { version: 1, agents: {} }, agents: [agent] };
    const plan = preparePlan({
      loaded,
      agentName: 'reviewer',
      slug: 'reviewer-20261130T000000-abcd',
      options: {},
      stateRoot: '/state',
      claudeStorage: '/state/claude',
      secrets: layeredSecrets(store, { GITHUB_TOKEN: 'gh' }),
    });
    expect(plan.secrets).toEqual([
      { name: 'API_TOKEN', available: true, from: 'app', origin: 'agent' },
      { name: 'GITHUB_TOKEN', available: true, from: 'environment', origin: 'agent' },
      { name: 'MISSING', available: false, origin: 'agent' },
    ]);
    expect(JSON.stringify(plan)).not.toContain(SECRET);
  });
});
