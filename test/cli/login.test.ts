import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';
import { requireDocker } from '../helpers/requireDocker';
import { CLI_COMMAND, runCliInTerminal } from '../helpers/terminal';

// `claude-bottle login` and `logout`, run as a user runs them. This machine has no Secret Service,
// so a stand-in `secret-tool` on PATH keeps the keychain entry in a file: the CLI talks to it
// exactly as it talks to libsecret's (lookup / store with the key on standard input).

const API_KEY = 'sk-ant-api03-Never-Printed-Anywhere-0123456789-AbCd';
const TOKEN = 'sk-ant-oat01-Never-Printed-Either-9876543210-WxYz';

const FAKE_SECRET_TOOL = `#!/bin/sh
# stand-in for libsecret's secret-tool: one entry in $FAKE_KEYRING; every call logged
echo "$*" >> "$FAKE_KEYRING.calls"
case "$1" in
  lookup) if [ -f "$FAKE_KEYRING" ]; then cat "$FAKE_KEYRING"; exit 0; fi; exit 1 ;;
  store) cat > "$FAKE_KEYRING"; exit 0 ;;
esac
echo "unexpected: $*" >&2
exit 2
`;

let project: TestProject | undefined;
afterEach(() => project?.cleanup());
beforeAll(() => requireDocker());

interface Setup {
  project: TestProject;
  env: NodeJS.ProcessEnv;
  keyring: string;
}

/** A project whose CLI runs with the stand-in keychain and no credential in its environment. */
function setup(manifest: object = testAgentManifest({ network: { allow: [] } }), options: { keychain?: boolean } = {}): Setup {
  project = makeProject(manifest);
  const bin = join(project.home, '..', 'bin');
  fs.mkdirSync(bin);
  const keyring = join(project.home, '..', 'keyring');
  if (options.keychain !== false) fs.writeFileSync(join(bin, 'secret-tool'), FAKE_SECRET_TOOL, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...project.env, PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_KEYRING: keyring, NO_COLOR: '1' };
  delete env.ANTHROPIC_API_KEY;
  delete env.CLAUDE_CODE_OAUTH_TOKEN;
  return { project, env, keyring };
}

/** Runs the CLI with `input` on a pipe (not a terminal), as `echo $KEY | claude-bottle login` does. */
function piped(s: Setup, args: string[], input = ''): { code: number | null; out: string; err: string; all: string } {
  const result = spawnSync(CLI_COMMAND[0] as string, [...CLI_COMMAND.slice(1), ...args], { input, env: s.env, cwd: s.project.root, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr, all: result.stdout + result.stderr };
}

function storedNames(s: Setup): string[] {
  const file = join(s.project.home, 'secrets.json');
  return fs.existsSync(file) ? Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { secrets: Record<string, string> }).secrets).sort() : [];
}

/** Nothing the CLI left behind (state root, keyring, call log) holds the value in clear or base64. */
function expectNowhere(s: Setup, value: string): void {
  for (const dir of [s.project.home, join(s.project.home, '..')]) {
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const text = fs.readFileSync(join(entry.parentPath, entry.name), 'latin1');
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
  }
}

describe('claude-bottle login and logout', () => {
  it('stores an API key read from standard input, names it by kind and last 4, and the preflight uses it', () => {
    const s = setup();
    const login = piped(s, ['login'], `${API_KEY}\n`);
    expect(login.err).toBe('');
    expect(login.code).toBe(0);
    expect(login.out).toContain('Logged in with your API key …AbCd (recognised as an API key, stored as ANTHROPIC_API_KEY in the OS keychain)');
    expect(login.all).not.toContain('Never-Printed');
    expect(storedNames(s)).toEqual(['ANTHROPIC_API_KEY']);
    // The key lives in the (stand-in) keychain, passed on standard input, never as an argument.
    expect(fs.readFileSync(s.keyring, 'utf8')).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(`${s.keyring}.calls`, 'utf8')).not.toContain(fs.readFileSync(s.keyring, 'utf8'));
    expectNowhere(s, API_KEY);

    // Every bottle whose manifest names no credential gets it: the preflight says which, from where.
    const dryRun = piped(s, ['start', '--dry-run', 'tester']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.out).toMatch(/Claude's API\s+through the proxy with your API key …AbCd \(stored in the app\)/);
    expect(dryRun.all).not.toContain('Never-Printed');
    expect(dryRun.all).not.toContain('no Anthropic credential');

    // doctor counts it.
    const doctor = piped(s, ['doctor', '--json']);
    const credentials = (JSON.parse(doctor.out) as Array<{ id: string; status: string; detail: string }>).find((check) => check.id === 'credentials');
    expect(credentials).toMatchObject({ status: 'ok', detail: 'ANTHROPIC_API_KEY stored in the app' });
  });

  it('on an open network, the stored credential reaches Claude in a bottle whose manifest names none', async () => {
    const s = setup(testAgentManifest({ network: 'open' }));
    expect(piped(s, ['login'], API_KEY).code).toBe(0);
    const run = runCliInTerminal(['start', '--yes', 'tester'], { env: s.env, cwd: s.project.root });
    await run.waitFor(/\n> $/);
    run.write('secret ANTHROPIC_API_KEY\r');
    await run.waitFor(`ANTHROPIC_API_KEY is set (${API_KEY.length} chars)`);
    run.write('exit\r');
    expect(await run.exited).toBe(0);
    expect(run.text()).not.toContain('Never-Printed');
  });

  it('login --help says where a token comes from', () => {
    const s = setup();
    const help = piped(s, ['login', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: claude-bottle login');
    expect(help.out).toContain('claude setup-token');
    expect(piped(s, ['logout', '--help']).out).toContain('Usage: claude-bottle logout');
  });

  it('a subscription token replaces the API key (one login), and logout forgets it and says what it removed', () => {
    const s = setup(testAgentManifest({ network: 'open' }));
    expect(piped(s, ['login'], API_KEY).code).toBe(0);
    const login = piped(s, ['login'], `  ${TOKEN}\r\n`);
    expect(login.code).toBe(0);
    expect(login.out).toContain('Logged in with your subscription token …WxYz (recognised as a subscription token, stored as CLAUDE_CODE_OAUTH_TOKEN');
    expect(login.out).toContain('The stored ANTHROPIC_API_KEY was removed.');
    expect(storedNames(s)).toEqual(['CLAUDE_CODE_OAUTH_TOKEN']);
    expectNowhere(s, TOKEN);

    const dryRun = piped(s, ['start', '--dry-run', 'tester']);
    expect(dryRun.out).toMatch(/Claude's API\s+your subscription token …WxYz \(stored in the app\), passed into the bottle as CLAUDE_CODE_OAUTH_TOKEN/);

    const logout = piped(s, ['logout']);
    expect(logout.code).toBe(0);
    expect(logout.out).toContain('Forgot the stored CLAUDE_CODE_OAUTH_TOKEN.');
    expect(storedNames(s)).toEqual([]);
    expect(piped(s, ['logout']).out).toContain('No stored Anthropic credential: nothing to forget.');
    const after = piped(s, ['start', '--dry-run', 'tester']);
    expect(after.out).toMatch(/Claude's API\s+no Anthropic credential: run `claude-bottle login` or Sign in/);
  });

  it('--kind says what an unprefixed value is, and refuses one whose prefix says otherwise', () => {
    const s = setup();
    const custom = piped(s, ['login', '--kind', 'oauth'], 'custom-gateway-token-Qr5t\n');
    expect(custom.code).toBe(0);
    expect(custom.out).toContain('subscription token …Qr5t');
    expect(storedNames(s)).toEqual(['CLAUDE_CODE_OAUTH_TOKEN']);

    const wrong = piped(s, ['login', '--kind', 'oauth'], API_KEY);
    expect(wrong.code).toBe(64);
    expect(wrong.err).toContain('not stored: this looks like an API key (sk-ant-api…), not a subscription token');
    expect(wrong.all).not.toContain('Never-Printed');
    expect(piped(s, ['login', '--kind', 'password'], API_KEY).code).toBe(64);
    expect(storedNames(s)).toEqual(['CLAUDE_CODE_OAUTH_TOKEN']);
  });

  it('refuses junk with a clear error, stores nothing and never echoes it', () => {
    const s = setup();
    const cases: Array<{ input: string; says: string }> = [
      { input: '', says: 'not stored: no credential was given' },
      { input: '\n  \n', says: 'not stored: no credential was given' },
      { input: 'sk-ant-api03-Secret Part-Two', says: 'a blank, a line break or a control character (at character 20)' },
      { input: 'sk-ant-api03-Secret\u0007Bell', says: 'control character' },
      { input: 'sk-ant-api03-First\nsk-ant-api03-Second', says: 'a line break' },
      { input: 'hunter2-Secret-Junk', says: 'neither an Anthropic API key (sk-ant-api…) nor a subscription token (sk-ant-oat…)\n  hint: if it is one, say which with --kind api-key or --kind oauth' },
      { input: `sk-ant-api03-${'Secret'.repeat(3000)}`, says: 'longer than 16 KiB' },
    ];
    for (const { input, says } of cases) {
      const run = piped(s, ['login'], input);
      expect(run.code, JSON.stringify(input.slice(0, 40))).toBe(64);
      expect(run.err).toContain(says);
      expect(run.all).not.toContain('Secret');
    }
    // Far more than any credential on standard input is cut off, not read whole.
    const flood = piped(s, ['login'], 'x'.repeat(1024 * 1024));
    expect(flood.code).toBe(64);
    expect(flood.err).toContain('standard input holds more than 64 KiB');
    expect(storedNames(s)).toEqual([]);
  });

  it('without an OS keychain, login refuses and says what to do; nothing is written', () => {
    const s = setup(undefined, { keychain: false });
    const run = piped(s, ['login'], API_KEY);
    expect(run.code).toBe(78);
    expect(run.err).toContain('logging in needs the OS keychain');
    expect(run.err).toContain('secret-tool');
    expect(run.all).not.toContain('Never-Printed');
    expect(fs.existsSync(join(s.project.home, 'secrets.json'))).toBe(false);
  });

  it('on a terminal, asks with hidden input and says how to get a token', async () => {
    const s = setup();
    const run = runCliInTerminal(['login'], { env: s.env, cwd: s.project.root });
    await run.waitFor('Credential: ');
    expect(run.text()).toContain('claude setup-token');
    run.write(`${API_KEY}\r`);
    expect(await run.exited).toBe(0);
    expect(run.text()).toContain('Logged in with your API key …AbCd');
    expect(run.text()).not.toContain('Never-Printed');
    expect(storedNames(s)).toEqual(['ANTHROPIC_API_KEY']);

    const cancelled = runCliInTerminal(['login'], { env: s.env, cwd: s.project.root });
    await cancelled.waitFor('Credential: ');
    cancelled.write('sk-ant-oat01-Half-Typed\u0003');
    expect(await cancelled.exited).toBe(130);
    expect(cancelled.text()).not.toContain('Half-Typed');
    expect(storedNames(s)).toEqual(['ANTHROPIC_API_KEY']);
  });
});
