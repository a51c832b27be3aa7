import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BottleError } from '../errors';
import type { SecretCipher } from './appSecretStore';

// The cipher of the processes without Electron (the CLI, browser mode): AES-256-GCM under a random
// 32-byte key that lives in the OS keychain, reached through the OS's own tool — `secret-tool`
// (the Secret Service: GNOME Keyring, KWallet) on Linux, `security` on macOS. The key is created on
// the first store and never written anywhere else, so `secrets.json` alone reveals nothing. Without
// the tool (or on Windows) the cipher is unavailable and the store refuses to write, as before.
// Its output starts with a tag, so a store can tell its values from the desktop app's
// (safeStorage) ones and each process reads only what it can decrypt. See docs/operations.md.

const TAG = Buffer.from('cbk1');
const IV_BYTES = 12;
const AUTH_TAG_BYTES = 16;
const KEY_PATTERN = /^[0-9a-f]{64}$/;
/** The keychain entry: one key per user, whatever the state root. */
const SERVICE = 'claude-bottle';
const ACCOUNT = 'secrets-key';
const TOOL_TIMEOUT_MS = 30_000;

/** Reads and writes the key in a keychain; `find` is undefined when none was stored yet. */
export interface KeyKeeper {
  readonly tool: string;
  find(): string | undefined;
  store(hexKey: string): void;
}

/** `secret-tool` (libsecret): the key goes in on standard input, never on a command line. */
const secretTool: KeyKeeper = {
  tool: 'secret-tool',
  find() {
    const result = runTool('secret-tool', ['lookup', 'application', SERVICE, 'purpose', ACCOUNT]);
    // Exit 1 with nothing on stderr: no such entry. Anything on stderr: the keychain failed.
    if (result.status === 0) return result.stdout.trim();
    if (result.status === 1 && result.stderr.trim() === '') return undefined;
    throw keychainFailed('secret-tool', result.stderr);
  },
  store(hexKey) {
    const result = runTool('secret-tool', ['store', '--label', 'Claude Bottle secrets key', 'application', SERVICE, 'purpose', ACCOUNT], hexKey);
    if (result.status !== 0) throw keychainFailed('secret-tool', result.stderr);
  },
};

/** `security` (macOS Keychain); the key is written through its interactive mode's standard input. */
const macSecurity: KeyKeeper = {
  tool: 'security',
  find() {
    const result = runTool('security', ['find-generic-password', '-s', SERVICE, '-a', ACCOUNT, '-w']);
    if (result.status === 0) return result.stdout.trim();
    if (result.status === 44) return undefined; // errSecItemNotFound
    throw keychainFailed('security', result.stderr);
  },
  store(hexKey) {
    const result = runTool('security', ['-i'], `add-generic-password -U -s ${SERVICE} -a ${ACCOUNT} -w ${hexKey}\n`);
    if (result.status !== 0) throw keychainFailed('security', result.stderr);
  },
};

/** The keeper for this platform, or undefined where none is known. */
export function platformKeyKeeper(platform: NodeJS.Platform = process.platform): KeyKeeper | undefined {
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') return secretTool;
  if (platform === 'darwin') return macSecurity;
  return undefined;
}

/** A cipher whose key lives in the OS keychain; available when the keychain's tool is installed. */
export function keychainCipher(keeper: KeyKeeper | undefined = platformKeyKeeper(), env: NodeJS.ProcessEnv = process.env): SecretCipher {
  let available: boolean | undefined;
  let key: Buffer | undefined;
  const loadKey = (create: boolean): Buffer | undefined => {
    if (key) return key;
    if (!keeper) return undefined;
    let hex = keeper.find();
    if (hex !== undefined && !KEY_PATTERN.test(hex)) {
      throw new BottleError('state', `the Claude Bottle key in the OS keychain is not one it made (entry "${SERVICE}" / "${ACCOUNT}")`, 'remove that keychain entry and store your secrets again');
    }
    if (hex === undefined) {
      if (!create) return undefined;
      hex = randomBytes(32).toString('hex');
      keeper.store(hex);
    }
    key = Buffer.from(hex, 'hex');
    return key;
  };
  return {
    isAvailable: () => (available ??= keeper !== undefined && onPath(keeper.tool, env)),
    canDecrypt: (data) => data.length > TAG.length + IV_BYTES + AUTH_TAG_BYTES && data.subarray(0, TAG.length).equals(TAG),
    encrypt(plain) {
      const usable = loadKey(true) as Buffer;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', usable, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([TAG, iv, cipher.getAuthTag(), body]);
    },
    decrypt(data) {
      if (!data.subarray(0, TAG.length).equals(TAG)) throw new Error('not stored by this cipher');
      const usable = loadKey(false);
      if (!usable) throw new Error('the key is no longer in the OS keychain');
      const iv = data.subarray(TAG.length, TAG.length + IV_BYTES);
      const authTag = data.subarray(TAG.length + IV_BYTES, TAG.length + IV_BYTES + AUTH_TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', usable, iv);
      decipher.setAuthTag(authTag);
      return Buffer.concat([decipher.update(data.subarray(TAG.length + IV_BYTES + AUTH_TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The desktop app writes with its own cipher (safeStorage) and also reads what the CLI stored with
 * the keychain cipher: one store, whichever door a secret came in by.
 */
export function readingAlso(primary: SecretCipher, other: SecretCipher): SecretCipher {
  return {
    isAvailable: () => primary.isAvailable(),
    canDecrypt: (data) => (other.canDecrypt?.(data) === true ? other.isAvailable() : (primary.canDecrypt?.(data) ?? true)),
    encrypt: (plain) => primary.encrypt(plain),
    decrypt: (data) => (other.canDecrypt?.(data) === true ? other.decrypt(data) : primary.decrypt(data)),
  };
}

function runTool(tool: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(tool, args, { input: input ?? '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: TOOL_TIMEOUT_MS });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { status?: number | null; stdout?: string; stderr?: string; code?: string };
    if (failed.code === 'ENOENT') return { status: null, stdout: '', stderr: `${tool} is not installed` };
    if (failed.code === 'ETIMEDOUT') return { status: null, stdout: '', stderr: `${tool} did not answer in ${TOOL_TIMEOUT_MS / 1000} s (is the keychain locked?)` };
    return { status: failed.status ?? null, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function keychainFailed(tool: string, stderr: string): BottleError {
  const detail = stderr.trim().split('\n')[0]?.slice(0, 200) || 'no reason given';
  return new BottleError('unsupported', `the OS keychain did not answer (${tool}: ${detail})`, 'unlock the keychain (on Linux a Secret Service such as GNOME Keyring must run), or set the secret in the environment instead');
}

function onPath(tool: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}
