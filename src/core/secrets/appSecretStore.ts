import { SECRET_NAME_PATTERN } from '#contract/names';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { BottleError } from '../errors';
import type { SecretSource } from '../plan/plan';

// Secrets stored in the app: `<state root>/secrets.json`, each value encrypted by a cipher the
// desktop app gets from the OS keychain (Electron's safeStorage); the CLI and browser mode use a
// key kept in the OS keychain through its own tool (keychainCipher.ts). Without a cipher the store
// refuses to write and cannot read what was stored: it never falls back to plaintext. The file
// holds names in the clear and values only as ciphertext; nothing in this module puts a value
// into an error message.

/** Encrypts values at rest. Electron's safeStorage is one; tests use their own. */
export interface SecretCipher {
  isAvailable(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
  /** Whether `data` is this cipher's own output; left out, every value is taken as its own. */
  canDecrypt?(data: Buffer): boolean;
}

export const SECRETS_FILE = 'secrets.json';

/** The names a secret may have: environment variable names, as in the manifest. */
const MAX_NAME_CHARS = 200;
/** A stored value is handed to `docker exec` through the environment: keep it small and NUL-free. */
export const MAX_SECRET_VALUE_BYTES = 16 * 1024;

const SecretsFileSchema = z.object({
  version: z.literal(1),
  /** name → base64 of the cipher's output. */
  secrets: z.record(z.string(), z.string()),
});
type SecretsFile = z.infer<typeof SecretsFileSchema>;

const NO_CIPHER_MESSAGE = 'storing secrets needs the desktop app (the OS keychain)';
const NO_CIPHER_HINT = 'set the secret in the environment instead, store it from the Claude Bottle desktop app, or (for the CLI) install secret-tool with a running Secret Service';

export function isValidSecretName(name: string): boolean {
  return name.length <= MAX_NAME_CHARS && SECRET_NAME_PATTERN.test(name);
}

export function checkSecretName(name: string): void {
  if (!isValidSecretName(name)) {
    throw new BottleError('usage', `not a secret name: "${name.slice(0, 80)}"`, 'a secret name is an environment variable name (letters, digits and _, not starting with a digit)');
  }
}

/** Refuses a value that cannot be stored; the message never quotes the value. */
export function checkSecretValue(name: string, value: string): void {
  if (value.length === 0) throw new BottleError('usage', `the value for ${name} is empty`);
  if (value.includes('\0')) throw new BottleError('usage', `the value for ${name} contains a NUL character`);
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_VALUE_BYTES) throw new BottleError('usage', `the value for ${name} is longer than ${MAX_SECRET_VALUE_BYTES / 1024} KiB`);
}

/**
 * Owns `<state root>/secrets.json`. Reads are synchronous (a `SecretSource` answers synchronously);
 * writes replace the file atomically with mode 0600.
 */
export class AppSecretStore {
  readonly file: string;

  constructor(
    stateRoot: string,
    private readonly cipher: SecretCipher | undefined,
  ) {
    this.file = join(stateRoot, SECRETS_FILE);
  }

  /** Whether this process can store and read secrets (the desktop app with a working keychain). */
  get available(): boolean {
    try {
      return this.cipher?.isAvailable() ?? false;
    } catch {
      return false;
    }
  }

  /** The names stored, sorted. Throws a `state` error for a corrupt file. */
  names(): string[] {
    return Object.keys(this.read().secrets).sort();
  }

  has(name: string): boolean {
    if (!isValidSecretName(name)) return false;
    return Object.hasOwn(this.read().secrets, name);
  }

  /** Stored, and encrypted by a cipher this process has (the CLI cannot read what the desktop app stored). */
  readable(name: string): boolean {
    if (!isValidSecretName(name)) return false;
    const stored = this.read().secrets;
    if (!Object.hasOwn(stored, name)) return false;
    const cipher = this.usableCipher();
    return cipher !== undefined && (cipher.canDecrypt?.(Buffer.from(stored[name] as string, 'base64')) ?? true);
  }

  /** The value, or undefined when not stored. Throws when this process cannot decrypt it. */
  get(name: string): string | undefined {
    if (!isValidSecretName(name)) return undefined;
    const stored = this.read().secrets;
    if (!Object.hasOwn(stored, name)) return undefined;
    const cipher = this.usableCipher();
    if (!cipher) {
      throw new BottleError('unsupported', `${name} was stored by the desktop app, encrypted with the OS keychain: this process cannot read it`, `set ${name} in the environment, or start the bottle from the desktop app`);
    }
    const data = Buffer.from(stored[name] as string, 'base64');
    if (cipher.canDecrypt && !cipher.canDecrypt(data)) {
      throw new BottleError('unsupported', `${name} was stored by the desktop app, encrypted with its own key: this process cannot read it`, `store ${name} again here, or start the bottle from the desktop app`);
    }
    try {
      return cipher.decrypt(data);
    } catch (error) {
      // The keychain's own answer (locked, not running) says more than "cannot be decrypted".
      if (error instanceof BottleError) throw error;
      throw new BottleError('state', `the stored value of ${name} cannot be decrypted (the OS keychain may have changed)`, `store ${name} again`, { cause: error });
    }
  }

  set(name: string, value: string): void {
    checkSecretName(name);
    const cipher = this.usableCipher();
    if (!cipher) throw new BottleError('unsupported', `${NO_CIPHER_MESSAGE}; ${name} was not stored`, NO_CIPHER_HINT);
    checkSecretValue(name, value);
    const current = this.read();
    let encrypted: Buffer;
    try {
      encrypted = cipher.encrypt(value);
    } catch (error) {
      if (error instanceof BottleError) throw error;
      throw new BottleError('internal', `the OS keychain could not encrypt ${name}`, undefined, { cause: error });
    }
    this.write({ version: 1, secrets: { ...current.secrets, [name]: encrypted.toString('base64') } });
  }

  /** Forgets a stored secret; true when there was one. Works without a cipher (nothing is decrypted). */
  delete(name: string): boolean {
    checkSecretName(name);
    const current = this.read();
    if (!Object.hasOwn(current.secrets, name)) return false;
    const { [name]: _removed, ...rest } = current.secrets;
    void _removed;
    this.write({ version: 1, secrets: rest });
    return true;
  }

  private usableCipher(): SecretCipher | undefined {
    return this.available ? this.cipher : undefined;
  }

  private read(): SecretsFile {
    let body: string;
    try {
      body = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: {} };
      throw new BottleError('state', `cannot read ${this.file}: ${(error as Error).message}`, undefined, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw corrupt(this.file, 'not valid JSON');
    }
    const checked = SecretsFileSchema.safeParse(parsed);
    if (!checked.success) throw corrupt(this.file, `unexpected content at ${checked.error.issues[0]?.path.join('.') || 'the top'}`);
    for (const name of Object.keys(checked.data.secrets)) {
      if (!isValidSecretName(name)) throw corrupt(this.file, 'a stored name is not a secret name');
    }
    return checked.data;
  }

  private write(content: SecretsFile): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, this.file);
    } catch (error) {
      rmSync(temp, { force: true });
      throw new BottleError('state', `cannot write ${this.file}: ${(error as Error).message}`, undefined, { cause: error });
    }
  }
}

function corrupt(file: string, problem: string): BottleError {
  return new BottleError('state', `${file} is corrupt (${problem})`, `delete ${file} and store the secrets again`);
}

/**
 * The app store first ("app"), then the environment ("environment"). A store this process cannot
 * read (no cipher), or a corrupt file, leaves the environment to answer.
 */
export function layeredSecrets(app: AppSecretStore, env: NodeJS.ProcessEnv = process.env): SecretSource {
  const inApp = (name: string): boolean => {
    if (!app.available) return false;
    try {
      return app.readable(name);
    } catch {
      return false;
    }
  };
  return {
    whereIs: (name) => (inApp(name) ? 'app' : Object.hasOwn(env, name) && env[name] ? 'environment' : undefined),
    get: (name) => (inApp(name) ? app.get(name) : Object.hasOwn(env, name) ? env[name] || undefined : undefined),
  };
}
