import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManifestError, toErrorInfo } from '../../../src/core/errors';
import { findManifest, loadManifest } from '../../../src/core/manifest';

// The project is found as git finds .git: walk up from the chosen folder, first hit wins.

const MANIFEST = '{ "version": 1, "agents": { "a": { "image": "x" } } }';

describe('finding claude-bottle.json', () => {
  let base: string;
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  function tree(): { top: string; middle: string; deep: string } {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-discover-'));
    const top = path.join(base, 'top');
    const middle = path.join(top, 'middle');
    const deep = path.join(middle, 'a', 'b', 'c');
    fs.mkdirSync(deep, { recursive: true });
    return { top, middle, deep };
  }

  it('walks up from a nested folder to the manifest above it', () => {
    const { top, deep } = tree();
    fs.writeFileSync(path.join(top, 'claude-bottle.json'), MANIFEST);
    expect(findManifest(deep)).toBe(path.join(top, 'claude-bottle.json'));
  });

  it('stops at the nearest manifest when there are several above', () => {
    const { top, middle, deep } = tree();
    fs.writeFileSync(path.join(top, 'claude-bottle.json'), MANIFEST);
    fs.writeFileSync(path.join(middle, 'claude-bottle.json'), MANIFEST);
    expect(findManifest(deep)).toBe(path.join(middle, 'claude-bottle.json'));
    expect(findManifest(top)).toBe(path.join(top, 'claude-bottle.json'));
  });

  it('accepts a relative start folder and returns an absolute path', () => {
    const { top, deep } = tree();
    fs.writeFileSync(path.join(top, 'claude-bottle.json'), MANIFEST);
    expect(findManifest(path.relative(process.cwd(), deep))).toBe(path.join(top, 'claude-bottle.json'));
  });

  it('ignores a folder named claude-bottle.json', () => {
    const { top, middle, deep } = tree();
    fs.writeFileSync(path.join(top, 'claude-bottle.json'), MANIFEST);
    fs.mkdirSync(path.join(middle, 'claude-bottle.json'));
    expect(findManifest(deep)).toBe(path.join(top, 'claude-bottle.json'));
  });

  it('loads the found manifest, whose folder is the project root', async () => {
    const { middle, deep } = tree();
    fs.writeFileSync(path.join(middle, 'claude-bottle.json'), MANIFEST);
    const loaded = await loadManifest(deep);
    expect(loaded.file).toBe(path.join(middle, 'claude-bottle.json'));
    expect(loaded.projectRoot).toBe(middle);
  });

  it.skipIf(findManifest(os.tmpdir()) !== undefined)('says where it looked and how to create one when there is none', async () => {
    const { deep } = tree();
    let error: unknown;
    try {
      await loadManifest(deep);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestError);
    const manifestError = error as ManifestError;
    expect(manifestError.issues).toEqual([
      { file: deep, line: 0, column: 0, keyPath: '', message: `no claude-bottle.json in ${deep} or any folder above it` },
    ]);
    expect(manifestError.hint).toContain('claude-bottle init');
    expect(toErrorInfo(error)).toMatchObject({ kind: 'manifest', hint: manifestError.hint });
  });

  it('refuses a path that does not exist', async () => {
    const { top } = tree();
    const missing = path.join(top, 'nope');
    await expect(loadManifest(missing)).rejects.toThrow(`no such file or folder: ${missing}`);
  });
});
