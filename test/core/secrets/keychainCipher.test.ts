import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BottleError } from '../../../src/core/errors';
import { AppSecretStore, layeredSecrets } from '../../../src/core/secrets/appSecretStore';
import { keychainCipher, type KeyKeeper, platformKeyKeeper, readingAlso } from '../../../src/core/secrets/keychainCipher';
import { testCipher } from './testCipher';

// The CLI's cipher keeps its key in the OS keychain (here an in-memory keeper standing in for
// secret-tool / security); the desktop app writes with its own cipher and reads both.

const SECRET = 'sk-ant-api03-Keychain-Cipher-never-in-file-9Zk2';
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

function home(): string {
  const root = fs.mkdtempSync(join(os.tmpdir(), 'cb-keychain-'));
  roots.push(root);
  return root;
}

function memoryKeeper(): KeyKeeper & { key: string | undefined; stores: number } {
  return {
    tool: 'sh',
    key: undefined,
    stores: 0,
    find() {
      return this.key;
    },
    store(hexKey) {
      this.key = hexKey;
      this.stores += 1;
    },
  };
}

describe('the keychain cipher', () => {
  it('creates its key in the keychain on the first store, and reads back what it wrote in another process', () => {
    const keeper = memoryKeeper();
    const root = home();
    new AppSecretStore(root, keychainCipher(keeper)).set('ANTHROPIC_API_KEY', SECRET);
    expect(keeper.key).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(join(root, 'secrets.json'), 'utf8')).not.toContain('Keychain-Cipher');
    // A new process (a new cipher) finds the same key and does not make another.
    expect(new AppSecretStore(root, keychainCipher(keeper)).get('ANTHROPIC_API_KEY')).toBe(SECRET);
    expect(keeper.stores).toBe(1);
  });

  it('without its key, or with a changed one, a stored value is an error, never garbage', () => {
    const keeper = memoryKeeper();
    const root = home();
    new AppSecretStore(root, keychainCipher(keeper)).set('ANTHROPIC_API_KEY', SECRET);
    keeper.key = 'ab'.repeat(32);
    expect(() => new AppSecretStore(root, keychainCipher(keeper)).get('ANTHROPIC_API_KEY')).toThrow(/cannot be decrypted/);
    keeper.key = 'not-a-key';
    expect(() => new AppSecretStore(root, keychainCipher(keeper)).get('ANTHROPIC_API_KEY')).toThrow(/the Claude Bottle key in the OS keychain is not one it made/);
  });

  it("a keychain that does not answer is named in the error, and nothing is stored", () => {
    const root = home();
    const locked: KeyKeeper = {
      tool: 'sh',
      find: () => {
        throw new BottleError('unsupported', 'the OS keychain did not answer (secret-tool: Cannot autolaunch D-Bus without X11 $DISPLAY)');
      },
      store: () => undefined,
    };
    expect(() => new AppSecretStore(root, keychainCipher(locked, { PATH: '/bin' })).set('ANTHROPIC_API_KEY', SECRET)).toThrow(/OS keychain did not answer/);
    expect(fs.existsSync(join(root, 'secrets.json'))).toBe(false);
    const keeper = memoryKeeper();
    new AppSecretStore(root, keychainCipher(keeper, { PATH: '/bin' })).set('ANTHROPIC_API_KEY', SECRET);
    expect(() => new AppSecretStore(root, keychainCipher(locked, { PATH: '/bin' })).get('ANTHROPIC_API_KEY')).toThrow(/OS keychain did not answer/);
  });

  it('is unavailable where the keychain tool is missing, or on a platform with none', () => {
    expect(keychainCipher(memoryKeeper(), { PATH: '/nonexistent' }).isAvailable()).toBe(false);
    expect(keychainCipher(memoryKeeper(), { PATH: '/bin:/usr/bin' }).isAvailable()).toBe(true);
    expect(keychainCipher(undefined).isAvailable()).toBe(false);
    expect(platformKeyKeeper('win32')).toBeUndefined();
    expect(platformKeyKeeper('linux')?.tool).toBe('secret-tool');
    expect(platformKeyKeeper('darwin')?.tool).toBe('security');
  });

  it("one store, two doors: the app reads the CLI's values; the CLI leaves the app's to the environment", () => {
    const root = home();
    const keeper = memoryKeeper();
    const cli = new AppSecretStore(root, keychainCipher(keeper, { PATH: '/bin:/usr/bin' }));
    const app = new AppSecretStore(root, readingAlso(testCipher(), keychainCipher(keeper, { PATH: '/bin:/usr/bin' })));
    cli.set('ANTHROPIC_API_KEY', SECRET);
    app.set('GITHUB_TOKEN', 'ghp-stored-by-the-desktop-app');

    expect(app.get('ANTHROPIC_API_KEY')).toBe(SECRET);
    expect(app.get('GITHUB_TOKEN')).toBe('ghp-stored-by-the-desktop-app');
    expect(cli.readable('ANTHROPIC_API_KEY')).toBe(true);
    expect(cli.readable('GITHUB_TOKEN')).toBe(false);
    expect(() => cli.get('GITHUB_TOKEN')).toThrow(/stored by the desktop app/);
    const seenByCli = layeredSecrets(cli, { GITHUB_TOKEN: 'from-env' });
    expect(seenByCli.whereIs('GITHUB_TOKEN')).toBe('environment');
    expect(seenByCli.get('GITHUB_TOKEN')).toBe('from-env');
    expect(seenByCli.whereIs('ANTHROPIC_API_KEY')).toBe('app');
  });
});
