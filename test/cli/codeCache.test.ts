import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultStateRoot } from '../../src/core/state/stateRoot';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';

// The bundled CLI runs from a V8 code cache under the state root (bin/runBundle.js). The cache is
// bytecode: it must be kept where it belongs, and anything else found there must change nothing.

const BIN = fileURLToPath(new URL('../../bin/claude-bottle.js', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../out/cli/claude-bottle.cjs', import.meta.url));
const { stateRoot } = createRequire(import.meta.url)('../../bin/runBundle.js') as { stateRoot: (env: NodeJS.ProcessEnv) => string };

let project: TestProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

function ls(p: TestProject): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, 'ls'], { cwd: p.root, env: p.env, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function cacheFiles(p: TestProject): string[] {
  const dir = join(p.home, 'cache', 'cli-code');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

describe('the CLI code cache', () => {
  it('finds the state root as the core does', () => {
    // env-paths reads XDG_DATA_HOME from process.env, as the loader is given it.
    const saved = { XDG_DATA_HOME: process.env.XDG_DATA_HOME, CLAUDE_BOTTLE_HOME: process.env.CLAUDE_BOTTLE_HOME };
    try {
      for (const [xdg, override] of [[undefined, undefined], ['/tmp/xdg-data', undefined], [undefined, '/srv/bottles'], [undefined, '~/bottles']]) {
        for (const [name, value] of [['XDG_DATA_HOME', xdg], ['CLAUDE_BOTTLE_HOME', override]] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
        expect(stateRoot(process.env)).toBe(defaultStateRoot(process.env));
      }
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('is written once per command under the state root, for this user alone, and then used as it is', () => {
    expect(fs.existsSync(BUNDLE), 'out/cli/claude-bottle.cjs is missing: run `npm run build` first').toBe(true);
    project = makeProject(testAgentManifest());
    const first = ls(project);
    expect(first.status).toBe(0);
    const [name] = cacheFiles(project);
    expect(name).toMatch(/^[0-9a-f]{64}-ls\.v8$/);
    const file = join(project.home, 'cache', 'cli-code', name as string);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const written = fs.statSync(file).mtimeMs;
    const second = ls(project);
    expect(second).toEqual(first);
    // Accepted by V8: not made again.
    expect(fs.statSync(file).mtimeMs).toBe(written);
  });

  it('changes nothing when what is found there is garbage, open to others, or a link', () => {
    project = makeProject(testAgentManifest());
    const expected = ls(project);
    expect(expected.status).toBe(0);
    const [name] = cacheFiles(project);
    const file = join(project.home, 'cache', 'cli-code', name as string);

    // Garbage of the same name: V8 rejects it, the command runs as ever, and a good cache replaces it.
    fs.writeFileSync(file, Buffer.alloc(4096, 0x5a), { mode: 0o600 });
    expect(ls(project)).toEqual(expected);
    expect(fs.readFileSync(file).equals(Buffer.alloc(4096, 0x5a))).toBe(false);

    // Writable by others: not read (it is replaced by one of this process's own).
    fs.chmodSync(file, 0o666);
    expect(ls(project)).toEqual(expected);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    // A link: never followed, neither to read nor to write; the file it points to stays as it was.
    const elsewhere = join(project.home, 'elsewhere');
    fs.writeFileSync(elsewhere, 'not a cache');
    fs.rmSync(file);
    fs.symlinkSync(elsewhere, file);
    expect(ls(project)).toEqual(expected);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('not a cache');
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false);
  });

  it('is not written through a cache folder that is a link', () => {
    project = makeProject(testAgentManifest());
    const target = fs.mkdtempSync(join(os.tmpdir(), 'cb-cache-target-'));
    try {
      fs.mkdirSync(join(project.home, 'cache'), { recursive: true });
      fs.symlinkSync(target, join(project.home, 'cache', 'cli-code'));
      expect(ls(project).status).toBe(0);
      expect(fs.readdirSync(target)).toEqual([]);
    } finally {
      fs.rmSync(target, { recursive: true, force: true });
    }
  });
});
