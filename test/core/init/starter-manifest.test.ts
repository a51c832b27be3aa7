import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parse } from 'jsonc-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { registerInitCommand } from '../../../src/cli/commands/init';
import { BottleError } from '../../../src/core/errors';
import {
  agentNameFrom,
  initProject,
  starterManifest,
} from '../../../src/core/init/starterManifest';
import { loadManifest, loadManifestText } from '../../../src/core/manifest/load';
import { AGENT_NAME_PATTERN, manifestSchema } from '../../../src/core/manifest/schema';

const EXAMPLE = fileURLToPath(new URL('../../../examples/hello/', import.meta.url));
const folders: string[] = [];

function tempFolder(name: string): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-init-'));
  folders.push(base);
  const dir = path.join(base, name);
  fs.mkdirSync(dir);
  return dir;
}

afterEach(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

describe('the starter manifest', () => {
  it('parses and validates against the real schema', () => {
    const dir = tempFolder('my-app');
    const file = path.join(dir, 'claude-bottle.json');
    const text = starterManifest({ projectName: 'my-app' });

    const loaded = loadManifestText(file, text);
    expect(manifestSchema.safeParse(parse(text)).success).toBe(true);
    expect(loaded.agents).toHaveLength(1);
    const agent = loaded.agents[0]!;
    expect(agent.name).toBe('my-app');
    expect(agent.image).toEqual({ kind: 'image', ref: 'builtin:base' });
    expect(agent.project).toBe('mount-rw');
    expect(agent.secrets).toEqual([]);
    expect(loaded.manifest.agents['my-app']?.resources).toEqual({ memory: '4g', cpus: 2, pids: 512 });
    // Claude works, nothing else goes out.
    expect(agent.network).toEqual({ mode: 'allow', hosts: [] });
  });

  it('says in a comment what the allow-list lets out, and how to choose "none" or "open"', () => {
    const text = starterManifest({ projectName: 'x' });
    expect(text).toMatch(/\/\/.*Claude's API \(through the egress proxy/);
    expect(text).toMatch(/\/\/.*"none"/);
    expect(text).toContain('"network": { "allow": [] }');
  });

  it('explains every key with a comment', () => {
    const lines = starterManifest({ projectName: 'x' }).split('\n');
    for (const key of ['"image"', '"project"', '"secrets"', '"resources"', '"network"']) {
      const index = lines.findIndex((line) => line.trimStart().startsWith(key));
      expect(index, key).toBeGreaterThan(0);
      expect(lines[index - 1]?.trimStart().startsWith('//'), `comment above ${key}`).toBe(true);
    }
  });

  it('keeps a project name with quotes and backslashes valid JSON', () => {
    const text = starterManifest({ projectName: 'say "hi" \\ there' });
    const loaded = loadManifestText(path.join(tempFolder('quotes'), 'claude-bottle.json'), text);
    expect(loaded.agents[0]?.name).toBe('say-hi-there');
    expect(loaded.agents[0]?.description).toContain('say "hi" \\ there');
  });

  it('is what examples/hello ships, so the quick start opens a manifest init would write', async () => {
    const shipped = fs.readFileSync(path.join(EXAMPLE, 'claude-bottle.json'), 'utf8');
    expect(shipped).toBe(starterManifest({ projectName: 'hello' }));
    expect((await loadManifest(EXAMPLE)).agents.map((agent) => agent.name)).toEqual(['hello']);
  });
});

describe('the agent name taken from the folder name', () => {
  it.each([
    ['my-app', 'my-app'],
    ['My Project', 'my-project'],
    ['Café Crème', 'cafe-creme'],
    ['__private.tool__', 'private.tool'],
    ['api_v2.service', 'api_v2.service'],
    ['  spaced   out  ', 'spaced-out'],
    ['-leading-dash', 'leading-dash'],
    ['日本語', 'claude'],
    ['!!!', 'claude'],
    ['', 'claude'],
  ])('%j becomes %j', (folder, agent) => {
    expect(agentNameFrom(folder)).toBe(agent);
  });

  it('is cut to 63 characters and still matches the schema', () => {
    const name = agentNameFrom(`${'a'.repeat(62)}-b${'c'.repeat(40)}`);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(AGENT_NAME_PATTERN);
    expect(name.endsWith('-')).toBe(false);
  });
});

describe('init', () => {
  it('writes claude-bottle.json named after the folder and returns its path', async () => {
    const dir = tempFolder('Hello World');
    const file = initProject(dir);
    expect(file).toBe(path.join(dir, 'claude-bottle.json'));
    expect((await loadManifest(dir)).agents.map((agent) => agent.name)).toEqual(['hello-world']);
  });

  it('refuses to overwrite an existing claude-bottle.json, leaving it as it was', () => {
    const dir = tempFolder('project');
    const file = path.join(dir, 'claude-bottle.json');
    fs.writeFileSync(file, '{ "version": 1, "agents": {} } // mine\n');

    let error: unknown;
    try {
      initProject(dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BottleError);
    expect((error as BottleError).message).toContain(`${file} already exists`);
    expect((error as BottleError).hint).toContain('--force');
    expect(fs.readFileSync(file, 'utf8')).toBe('{ "version": 1, "agents": {} } // mine\n');
  });

  it('replaces it with force', async () => {
    const dir = tempFolder('project');
    fs.writeFileSync(path.join(dir, 'claude-bottle.json'), 'old');
    initProject(dir, { force: true });
    expect((await loadManifest(dir)).agents[0]?.name).toBe('project');
  });

  it('refuses a folder that does not exist', () => {
    expect(() => initProject(path.join(os.tmpdir(), 'cb-init-missing', 'nowhere'))).toThrow(/is not a folder/);
  });

  it('runs as `claude-bottle init [dir] [--force]`, failing the second time without --force', async () => {
    const dir = tempFolder('cli-project');
    const codes: number[] = [];
    const program = new Command().exitOverride();
    registerInitCommand(program, async (action) => {
      try {
        codes.push(await action());
      } catch (error) {
        codes.push(error instanceof BottleError && error.kind === 'usage' ? 64 : 70);
      }
    });
    const quiet = (): (() => void) => {
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = (() => true) as typeof process.stdout.write;
      return () => (process.stdout.write = write);
    };
    const restore = quiet();
    try {
      await program.parseAsync(['init', dir], { from: 'user' });
      await program.parseAsync(['init', dir], { from: 'user' });
      await program.parseAsync(['init', dir, '--force'], { from: 'user' });
    } finally {
      restore();
    }
    expect(codes).toEqual([0, 64, 0]);
    expect((await loadManifest(dir)).agents[0]?.name).toBe('cli-project');
  });
});
