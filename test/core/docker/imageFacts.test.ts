import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectDocker } from '../../../src/core/docker/client';
import { requireDocker } from '../../helpers/requireDocker';
import { ensureTestImage, TEST_IMAGE } from '../../helpers/testImage';

// What is read of an image's files is kept on disk by image id, so that the next process (each
// `claude-bottle start`) skips the throwaway container; an entry that does not read back is a miss.

/** A fresh copy of the module, as a new process has: nothing remembered in memory. */
async function freshProcess() {
  vi.resetModules();
  return import('../../../src/core/docker/imagePasswd');
}

const folders: string[] = [];
afterEach(() => {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function cacheDir(): string {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cb-image-facts-'));
  folders.push(dir);
  return join(dir, 'cache', 'image-facts');
}

async function imageHex(): Promise<string> {
  const info = await connectDocker().getImage(TEST_IMAGE).inspect();
  return info.Id.replace(/^sha256:/, '');
}

beforeAll(async () => {
  await requireDocker();
  await ensureTestImage();
}, 200_000);

describe('image facts kept on disk', () => {
  it('are written once read, by image id, and a new process answers from them without a container', async () => {
    const dir = cacheDir();
    const first = await freshProcess();
    const docker = connectDocker();
    first.keepImageFactsUnder(docker, dir);
    expect(await first.imageHasClaudeShell(docker, TEST_IMAGE)).toBe(false);
    const entry = join(dir, `${await imageHex()}.json`);
    const kept = JSON.parse(fs.readFileSync(entry, 'utf8'));
    expect(kept).toMatchObject({ hasClaudeShell: false });
    expect(kept.passwd).toMatch(/^root:x:0:0:/m);
    expect(fs.statSync(entry).mode & 0o777).toBe(0o600);

    // Proof that the next process reads the entry and not the image: a changed entry is believed.
    fs.writeFileSync(entry, JSON.stringify({ ...kept, hasClaudeShell: true }));
    const second = await freshProcess();
    const again = connectDocker();
    second.keepImageFactsUnder(again, dir);
    expect(await second.imageHasClaudeShell(again, TEST_IMAGE)).toBe(true);
  });

  it('an entry that is garbage, of the wrong shape or a link is a miss, read again from the image and replaced', async () => {
    const dir = cacheDir();
    fs.mkdirSync(dir, { recursive: true });
    const entry = join(dir, `${await imageHex()}.json`);
    const elsewhere = join(dir, '..', 'elsewhere.json');
    fs.writeFileSync(elsewhere, JSON.stringify({ passwd: '', group: '', hasClaudeShell: true }));
    for (const bad of ['{ not json', JSON.stringify({ passwd: 1, group: '', hasClaudeShell: true }), JSON.stringify({ passwd: '', group: '', hasClaudeShell: true, extra: 1 }), 'link']) {
      fs.rmSync(entry, { force: true });
      if (bad === 'link') fs.symlinkSync(elsewhere, entry);
      else fs.writeFileSync(entry, bad);
      const process = await freshProcess();
      const docker = connectDocker();
      process.keepImageFactsUnder(docker, dir);
      expect(await process.imageHasClaudeShell(docker, TEST_IMAGE), bad).toBe(false);
      expect(fs.lstatSync(entry).isFile()).toBe(true);
      expect(JSON.parse(fs.readFileSync(entry, 'utf8'))).toMatchObject({ hasClaudeShell: false });
    }
    expect(JSON.parse(fs.readFileSync(elsewhere, 'utf8'))).toMatchObject({ hasClaudeShell: true }); // the link's target untouched
  });

  it('a cache folder that cannot be written costs only the container: the answer is the same', async () => {
    const dir = cacheDir();
    fs.mkdirSync(join(dir, '..'), { recursive: true });
    fs.writeFileSync(dir, 'a file where the folder should be');
    const process = await freshProcess();
    const docker = connectDocker();
    process.keepImageFactsUnder(docker, dir);
    expect(await process.imageHasClaudeShell(docker, TEST_IMAGE)).toBe(false);
  });
});
