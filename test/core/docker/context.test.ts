import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-fs';
import { afterAll, describe, expect, it } from 'vitest';
import { hashContext, packContext } from '../../../src/core/docker';
import { makeTree, writeTree } from './fixtures';

const folders: string[] = [];

afterAll(() => {
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

function tree(files: Record<string, string | null>): string {
  const dir = makeTree(files);
  folders.push(dir);
  return dir;
}

const BASE = {
  '.dockerignore': 'node_modules\n*.log\n!keep.log\ncache/\n!cache/wanted\n',
  'src/a.ts': 'a',
  'src/b.ts': 'b',
  'keep.log': 'kept',
  'x.log': 'ignored',
  'node_modules/m/index.js': 'ignored',
  'cache/junk': 'ignored',
  'cache/wanted': 'kept by an exception',
  'empty': null,
};

/** Every entry of the archive `packContext` makes, as `type path`. */
async function packedEntries(dir: string, options: Parameters<typeof packContext>[1] = {}): Promise<string[]> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-unpacked-'));
  folders.push(out);
  await pipeline(packContext(dir, options).tar, extract(out));
  const entries = fs.readdirSync(out, { recursive: true, withFileTypes: true });
  return entries
    .map((entry) => {
      const rel = path.relative(out, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      return `${entry.isDirectory() ? 'd' : entry.isSymbolicLink() ? 'l' : 'f'} ${rel}`;
    })
    .sort();
}

describe('a build context', () => {
  it('holds what .dockerignore lets through, exceptions and empty folders included', async () => {
    const dir = tree(BASE);
    expect(await packedEntries(dir)).toEqual([
      'd cache',
      'd empty',
      'd src',
      'f .dockerignore',
      'f cache/wanted',
      'f keep.log',
      'f src/a.ts',
      'f src/b.ts',
    ]);
  });

  it('adds extra files and can sit under a prefix', async () => {
    const dir = tree({ 'a.txt': 'a', 'Dockerfile': 'from the project' });
    expect(await packedEntries(dir, { extraFiles: { Dockerfile: 'generated' } })).toEqual(['f Dockerfile', 'f a.txt']);
    expect(await packedEntries(dir, { prefix: 'project/app', extraFiles: { 'Dockerfile.gen': 'generated' } })).toEqual([
      'd project',
      'd project/app',
      'f Dockerfile.gen',
      'f project/app/Dockerfile',
      'f project/app/a.txt',
    ]);
  });
});

describe('the hash of a build context', () => {
  it('is the same for the same files, wherever and whenever they were written', async () => {
    const one = tree(BASE);
    const two = tree(BASE);
    fs.utimesSync(path.join(two, 'src/a.ts'), new Date(0), new Date(0));
    expect(await hashContext(one)).toBe(await hashContext(two));
    expect(await hashContext(one)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with any change to a file that is sent', async () => {
    const dir = tree(BASE);
    const seen = new Set([await hashContext(dir)]);
    const expectNew = async (): Promise<void> => {
      const hash = await hashContext(dir);
      expect(seen.has(hash)).toBe(false);
      seen.add(hash);
    };
    writeTree(dir, { 'src/a.ts': 'a changed' });
    await expectNew();
    writeTree(dir, { 'src/c.ts': 'new file' });
    await expectNew();
    fs.rmSync(path.join(dir, 'src/b.ts'));
    await expectNew();
    fs.renameSync(path.join(dir, 'src/c.ts'), path.join(dir, 'src/d.ts'));
    await expectNew();
    fs.chmodSync(path.join(dir, 'src/d.ts'), 0o755);
    await expectNew();
    fs.symlinkSync('src/a.ts', path.join(dir, 'link'));
    await expectNew();
    fs.rmSync(path.join(dir, 'link'));
    fs.symlinkSync('src/d.ts', path.join(dir, 'link'));
    await expectNew();
    writeTree(dir, { 'cache/wanted': 'changed' });
    await expectNew();
    writeTree(dir, { '.dockerignore': `${BASE['.dockerignore']}src/d.ts\n` });
    await expectNew();
    writeTree(dir, { 'another-empty': null });
    await expectNew();
  });

  it('does not change when only ignored files change', async () => {
    const dir = tree(BASE);
    const before = await hashContext(dir);
    writeTree(dir, { 'x.log': 'other', 'y.log': 'new', 'node_modules/m/index.js': 'other', 'cache/junk': 'other' });
    fs.chmodSync(path.join(dir, 'src/a.ts'), 0o600); // permission bits other than x do not count
    expect(await hashContext(dir)).toBe(before);
  });

  it('counts extra files, which replace project files of the same name', async () => {
    const dir = tree({ 'a.txt': 'a', 'Dockerfile': 'project' });
    const plain = await hashContext(dir);
    const generated = await hashContext(dir, { extra: { Dockerfile: 'generated' } });
    expect(generated).not.toBe(plain);
    writeTree(dir, { 'Dockerfile': 'project, edited' });
    expect(await hashContext(dir, { extra: { Dockerfile: 'generated' } })).toBe(generated);
  });

  it('reads files as streams, so a large file does not need to fit in memory at once', async () => {
    const dir = tree({});
    const big = path.join(dir, 'big.bin');
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const fd = fs.openSync(big, 'w');
    for (let i = 0; i < 64; i += 1) fs.writeSync(fd, chunk);
    fs.closeSync(fd);
    const before = process.memoryUsage().arrayBuffers;
    await hashContext(dir);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });
});
