import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INHERIT_LIMITS, inheritClaudeSetup, mergeInheritedSettings, surveyClaudeSetup, userClaudeFolder } from '../../../src/core/claude/inherit';
import { seedClaudeStorage } from '../../../src/core/claude/seedStorage';
import { BottleError } from '../../../src/core/errors';
import { CLAUDE_INHERIT_ITEMS } from '../../../src/core/manifest/schema';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-inherit-'));
  dirs.push(dir);
  return dir;
}
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

const USER_SETTINGS = {
  model: 'opus',
  apiKeyHelper: '/home/u/bin/print-key',
  awsAuthRefresh: 'aws sso login',
  awsCredentialExport: '/home/u/bin/aws-creds',
  otelHeadersHelper: '/home/u/bin/otel-headers',
  forceLoginMethod: 'claudeai',
  disableAllHooks: true,
  skipDangerousModePermissionPrompt: false,
  env: { EDITOR: 'vim', ANTHROPIC_API_KEY: 'sk-ant-api03-REAL', ANTHROPIC_BASE_URL: 'https://elsewhere', GITHUB_TOKEN: 'ghp_real', MY_SECRET: 's', OPENAI_KEY: 'k', HTTPS_PROXY: 'http://corp:3128' },
  permissions: { allow: ['Bash(npm test)'], disableBypassPermissionsMode: 'disable' },
  hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }], PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'echo pre' }] }] },
};
const APP_HOOKS = { Stop: [{ hooks: [{ type: 'command', command: '/claude-bottle/bin/attention stop' }] }] };

/** A user's Claude folder with what may be inherited and much that must never be. */
function userFolder(): string {
  const from = tempDir();
  write(path.join(from, 'CLAUDE.md'), '# my rules\n');
  write(path.join(from, 'agents', 'reviewer.md'), 'reviewer agent\n');
  write(path.join(from, 'agents', 'team', 'writer.md'), 'writer agent\n');
  fs.symlinkSync('/etc/passwd', path.join(from, 'agents', 'passwd.md'));
  fs.symlinkSync('/etc', path.join(from, 'agents', 'etc'));
  execFileSync('mkfifo', [path.join(from, 'agents', 'pipe.md')]);
  // Sparse: larger than the cap without taking the disk.
  fs.closeSync(fs.openSync(path.join(from, 'agents', 'huge.md'), 'w'));
  fs.truncateSync(path.join(from, 'agents', 'huge.md'), INHERIT_LIMITS.maxFileBytes + 1);
  write(path.join(from, 'commands', 'ship.md'), 'ship it\n');
  fs.chmodSync(path.join(from, 'commands', 'ship.md'), 0o755);
  write(path.join(from, 'settings.json'), JSON.stringify(USER_SETTINGS));
  write(path.join(from, '.credentials.json'), '{"claudeAiOauth":{"accessToken":"sk-ant-oat01-REAL"}}');
  write(path.join(from, '.claude.json'), '{"oauthAccount":{"emailAddress":"me@example.com"}}');
  write(path.join(from, 'history.jsonl'), '{"display":"my secret prompt"}\n');
  write(path.join(from, 'projects', '-home-u-other', 'session.jsonl'), '{"other":"project"}\n');
  write(path.join(from, 'todos', 'todo.json'), '[]');
  write(path.join(from, 'statsig', 'cache'), 'x');
  return from;
}

/** The bottle's storage as the launch leaves it just before inheriting: seeded, with the app's hooks. */
async function seededStorage(): Promise<string> {
  const to = tempDir();
  await seedClaudeStorage({ dir: to, workdir: '/workspace', theme: 'dark' });
  const settings = readJson(path.join(to, 'settings.json'));
  fs.writeFileSync(path.join(to, 'settings.json'), JSON.stringify({ ...settings, hooks: APP_HOOKS }));
  return to;
}

/** Every path under `dir`, relative, links included (never followed). */
function listAll(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe("inheriting the user's own Claude setup", () => {
  it('copies CLAUDE.md, agents/ and commands/ as regular files only: no link followed, no FIFO opened, no huge file, no credential', async () => {
    const from = userFolder();
    const to = await seededStorage();
    const report = await inheritClaudeSetup({ from, to, items: ['CLAUDE.md', 'agents', 'commands'] });

    expect(listAll(to)).toEqual(['.claude.json', 'CLAUDE.md', 'agents', 'agents/reviewer.md', 'agents/team', 'agents/team/writer.md', 'commands', 'commands/ship.md', 'settings.json']);
    expect(fs.readFileSync(path.join(to, 'CLAUDE.md'), 'utf8')).toBe('# my rules\n');
    expect(fs.readFileSync(path.join(to, 'agents', 'team', 'writer.md'), 'utf8')).toBe('writer agent\n');
    // An executable stays executable (a skill's script), for the bottle's user only.
    expect(fs.statSync(path.join(to, 'commands', 'ship.md')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(to, 'CLAUDE.md')).mode & 0o777).toBe(0o600);
    expect(report.copied.sort()).toEqual(['CLAUDE.md', 'agents/reviewer.md', 'agents/team/writer.md', 'commands/ship.md']);
    expect(Object.fromEntries(report.skipped.map((entry) => [entry.path, entry.why]))).toEqual({
      'agents/etc': 'is a symbolic link',
      'agents/huge.md': expect.stringContaining('is larger than 4 MiB'),
      'agents/passwd.md': 'is a symbolic link',
      'agents/pipe.md': 'is a FIFO',
    });
    // The seeded .claude.json is the bottle's, not the user's.
    expect(fs.readFileSync(path.join(to, '.claude.json'), 'utf8')).not.toContain('me@example.com');
    expect(fs.readdirSync(to).filter((name) => name.includes('claude-bottle'))).toEqual([]);
  });

  it("merges settings.json without credentials, login helpers or anything that undoes the app's settings; the app's hooks win", async () => {
    const from = userFolder();
    const to = await seededStorage();
    await inheritClaudeSetup({ from, to, items: ['settings.json'] });
    const settings = readJson(path.join(to, 'settings.json'));
    expect(settings).toEqual({
      skipDangerousModePermissionPrompt: true,
      model: 'opus',
      env: { EDITOR: 'vim' },
      permissions: { allow: ['Bash(npm test)'] },
      hooks: { Stop: APP_HOOKS.Stop, PreToolUse: USER_SETTINGS.hooks.PreToolUse },
    });
    expect(JSON.stringify(settings)).not.toMatch(/REAL|ghp_|apiKeyHelper|aws|otel|corp|elsewhere/);
  });

  it('keeps what Claude changed in the bottle at a resume, overwriting only the inherited files and keys', async () => {
    const from = userFolder();
    const to = await seededStorage();
    await inheritClaudeSetup({ from, to, items: ['CLAUDE.md', 'agents', 'settings.json'] });
    // Claude, in the bottle: its own agent, its own settings, an edit of the inherited CLAUDE.md.
    write(path.join(to, 'agents', 'mine.md'), "Claude's own\n");
    write(path.join(to, 'CLAUDE.md'), 'edited in the bottle\n');
    fs.writeFileSync(path.join(to, 'settings.json'), JSON.stringify({ ...readJson(path.join(to, 'settings.json')), outputStyle: 'Explanatory', model: 'sonnet' }));
    // The user, on the host, meanwhile.
    write(path.join(from, 'CLAUDE.md'), '# my rules, v2\n');

    await seedClaudeStorage({ dir: to, workdir: '/workspace' });
    await inheritClaudeSetup({ from, to, items: ['CLAUDE.md', 'agents', 'settings.json'] });
    expect(fs.readFileSync(path.join(to, 'CLAUDE.md'), 'utf8')).toBe('# my rules, v2\n');
    expect(fs.readFileSync(path.join(to, 'agents', 'mine.md'), 'utf8')).toBe("Claude's own\n");
    expect(readJson(path.join(to, 'settings.json'))).toMatchObject({ outputStyle: 'Explanatory', model: 'opus', skipDangerousModePermissionPrompt: true });
  });

  it('replaces links the bottle left in its storage instead of writing through them', async () => {
    const from = userFolder();
    const to = await seededStorage();
    const outside = tempDir();
    write(path.join(outside, 'host.txt'), 'untouched');
    fs.symlinkSync(outside, path.join(to, 'agents'));
    fs.symlinkSync(path.join(outside, 'host.txt'), path.join(to, 'CLAUDE.md'));
    fs.mkdirSync(path.join(to, 'commands'));
    fs.symlinkSync(outside, path.join(to, 'commands', 'ship.md'));
    await inheritClaudeSetup({ from, to, items: ['CLAUDE.md', 'agents', 'commands'] });
    expect(listAll(outside)).toEqual(['host.txt']);
    expect(fs.readFileSync(path.join(outside, 'host.txt'), 'utf8')).toBe('untouched');
    expect(fs.lstatSync(path.join(to, 'agents')).isDirectory()).toBe(true);
    expect(fs.lstatSync(path.join(to, 'CLAUDE.md')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(to, 'commands', 'ship.md'), 'utf8')).toBe('ship it\n');
  });

  it('owns what it writes like the rest of the storage when the app runs as root', async () => {
    if (process.getuid?.() !== 0) return;
    const from = userFolder();
    const to = await seededStorage();
    await inheritClaudeSetup({ from, to, items: ['CLAUDE.md', 'agents', 'settings.json'], owner: { uid: 4321, gid: 4322 } });
    for (const name of ['CLAUDE.md', 'agents', 'agents/team', 'agents/team/writer.md', 'settings.json']) {
      expect(fs.lstatSync(path.join(to, name))).toMatchObject({ uid: 4321, gid: 4322 });
    }
  });

  it('reports missing parts and copies nothing when the folder is not there', async () => {
    const to = await seededStorage();
    const before = listAll(to);
    const report = await inheritClaudeSetup({ from: path.join(tempDir(), 'no-such'), to, items: [...CLAUDE_INHERIT_ITEMS] });
    expect(report).toEqual({ copied: [], skipped: [], missing: [...CLAUDE_INHERIT_ITEMS] });
    expect(listAll(to)).toEqual(before);
  });

  it('refuses, copying nothing, parts holding more files than the cap', async () => {
    const from = tempDir();
    for (let index = 0; index <= INHERIT_LIMITS.maxFiles; index += 1) write(path.join(from, 'skills', `s${Math.floor(index / 100)}`, `f${index}.md`), 'x');
    const to = await seededStorage();
    const before = listAll(to);
    const error = await inheritClaudeSetup({ from, to, items: ['skills'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BottleError);
    expect((error as BottleError).message).toContain(`more than ${INHERIT_LIMITS.maxFiles} files`);
    expect((error as BottleError).hint).toContain('remove "skills"');
    expect(listAll(to)).toEqual(before);
  });

  it('refuses a folder of more links than it would list, without listing them all', () => {
    const from = tempDir();
    fs.mkdirSync(path.join(from, 'commands'));
    for (let index = 0; index <= INHERIT_LIMITS.maxFiles * 4; index += 1) fs.symlinkSync('/etc/passwd', path.join(from, 'commands', `l${index}`));
    expect(() => surveyClaudeSetup(from, ['commands'])).toThrow(/more than 8000 entries/);
  });

  it('surveys without opening anything: counts, missing parts and what will be skipped', () => {
    const from = userFolder();
    const survey = surveyClaudeSetup(from, ['CLAUDE.md', 'agents', 'skills', 'settings.json']);
    expect(survey.parts).toEqual([
      { item: 'CLAUDE.md', state: 'found', files: 1, bytes: 11, skipped: [] },
      {
        item: 'agents',
        state: 'found',
        files: 2,
        bytes: 28,
        skipped: expect.arrayContaining([
          { path: 'agents/passwd.md', why: 'is a symbolic link; not followed' },
          { path: 'agents/pipe.md', why: 'is a FIFO, not a regular file' },
        ]),
      },
      { item: 'skills', state: 'missing' },
      { item: 'settings.json', state: 'found', files: 1, bytes: expect.any(Number), skipped: [] },
    ]);
  });

  it("finds the user's folder as Claude Code does", () => {
    expect(userClaudeFolder({ CLAUDE_CONFIG_DIR: '/elsewhere/claude' }, '/home/u')).toBe('/elsewhere/claude');
    expect(userClaudeFolder({}, '/home/u')).toBe('/home/u/.claude');
  });

  it('never lets a settings key reach a prototype', () => {
    const merged = mergeInheritedSettings({}, JSON.parse('{"__proto__": {"polluted": true}, "env": {"__proto__": "x", "A": "b"}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(merged).toEqual({ env: { A: 'b' } });
  });
});
