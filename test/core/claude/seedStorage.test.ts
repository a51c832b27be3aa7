import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ATTENTION_HOOKS, NOTIFY_COMMAND, seedClaudeStorage } from '../../../src/core/claude/seedStorage';
import { describeCredential, findClaudeCredential, placeholderCredential } from '../../../src/core/claude/credentials';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-seed-'));
  dirs.push(dir);
  return dir;
}
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

describe("seeding a bottle's Claude storage", () => {
  it('writes the minimum that lands Claude on its ready prompt', async () => {
    const dir = tempDir();
    const key = placeholderCredential('api-key', 'tester-20261204T010203-abcd');
    await seedClaudeStorage({ dir, workdir: '/workspace', apiKeyInBottle: key, theme: 'dark' });
    expect(readJson(path.join(dir, '.claude.json'))).toEqual({
      hasCompletedOnboarding: true,
      theme: 'dark',
      projects: { '/workspace': { hasTrustDialogAccepted: true } },
      customApiKeyResponses: { approved: [key.slice(-20)], rejected: [] },
    });
    const settings = readJson(path.join(dir, 'settings.json'));
    expect(settings.skipDangerousModePermissionPrompt).toBe(true);
    // Each attention hook runs the helper that reports to the app (docs/control-channel.md).
    for (const event of ATTENTION_HOOKS) expect((settings.hooks as Record<string, unknown>)[event], event).toEqual([{ hooks: [{ type: 'command', command: NOTIFY_COMMAND, timeout: 5 }] }]);
  });

  it("merges into what Claude wrote, keeping its own keys and the user's theme", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.claude.json'), JSON.stringify({ theme: 'light', numStartups: 7, projects: { '/workspace': { allowedTools: ['x'] } } }));
    fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ model: 'opus' }));
    await seedClaudeStorage({ dir, workdir: '/workspace', theme: 'dark' });
    expect(readJson(path.join(dir, '.claude.json'))).toMatchObject({ theme: 'light', numStartups: 7, projects: { '/workspace': { allowedTools: ['x'], hasTrustDialogAccepted: true } } });
    expect(readJson(path.join(dir, 'settings.json'))).toMatchObject({ model: 'opus', skipDangerousModePermissionPrompt: true });
  });

  it("adds its hooks once beside the user's own, however often it seeds", async () => {
    const dir = tempDir();
    const mine = { matcher: '', hooks: [{ type: 'command', command: 'echo mine' }] };
    fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ hooks: { Stop: [mine], PreToolUse: [mine] } }));
    await seedClaudeStorage({ dir, workdir: '/workspace' });
    await seedClaudeStorage({ dir, workdir: '/workspace' });
    const hooks = readJson(path.join(dir, 'settings.json')).hooks as Record<string, unknown>;
    expect(hooks.Stop).toEqual([mine, { hooks: [{ type: 'command', command: NOTIFY_COMMAND, timeout: 5 }] }]);
    expect(hooks.PreToolUse).toEqual([mine]);
  });

  it('replaces a link or a FIFO the bottle left there, never writing through it or waiting on it', async () => {
    const dir = tempDir();
    const outside = path.join(tempDir(), 'host-file.json');
    fs.writeFileSync(outside, '{"host":"untouched"}');
    fs.symlinkSync(outside, path.join(dir, '.claude.json'));
    execFileSync('mkfifo', [path.join(dir, 'settings.json')]);
    await seedClaudeStorage({ dir, workdir: '/workspace' });
    expect(fs.readFileSync(outside, 'utf8')).toBe('{"host":"untouched"}');
    expect(fs.lstatSync(path.join(dir, '.claude.json')).isFile()).toBe(true);
    expect(fs.lstatSync(path.join(dir, 'settings.json')).isFile()).toBe(true);
    expect(fs.readdirSync(dir).filter((name) => name.includes('claude-bottle'))).toEqual([]);
  });
});

describe("the user's Anthropic credential", () => {
  const source = (values: Record<string, string>) => ({ get: (name: string) => values[name], whereIs: (name: string) => (values[name] ? 'environment' : undefined) });

  it('prefers an API key, else an OAuth token, and is named by kind and last 4 characters only', () => {
    expect(findClaudeCredential(source({ CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-xyz9', ANTHROPIC_API_KEY: 'sk-ant-api03-abc1' }))).toMatchObject({ kind: 'api-key', value: 'sk-ant-api03-abc1' });
    const oauth = findClaudeCredential(source({ CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-secretpart-xyz9' }));
    expect(oauth).toMatchObject({ kind: 'oauth' });
    expect(describeCredential(oauth!)).toBe('subscription token …xyz9 (environment)');
    expect(findClaudeCredential(source({}))).toBeUndefined();
  });

  it('gives each bottle a stable placeholder of the same kind', () => {
    expect(placeholderCredential('api-key', 'a-20260101T000000-0000')).toMatch(/^sk-ant-api03-claude-bottle-placeholder-[0-9a-f]{32}$/);
    expect(placeholderCredential('oauth', 'a-20260101T000000-0000')).toMatch(/^sk-ant-oat01-/);
    expect(placeholderCredential('api-key', 'a-20260101T000000-0000')).toBe(placeholderCredential('api-key', 'a-20260101T000000-0000'));
  });
});
