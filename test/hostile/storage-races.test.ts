import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { readRegularFile, walkNoFollow } from '../../src/core/fs/safeFiles';
import type { BottleRecord } from '../../src/core/state/bottleRecord';
import { StateStore } from '../../src/core/state/stateStore';
import { hasConversation, takeSnapshot } from '../../src/core/state/transcripts';

// A bottle's processes keep running while the host reads its Claude storage, so the host must not
// be tricked by what changes under it: a folder swapped for a link between the moment it is seen
// and the moment it is listed, a FIFO the host would open (waking a writer that waits for a
// reader), a file swapped for another. See docs/security.md ("Files a bottle can write").

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cb-races-'));
  dirs.push(dir);
  return dir;
}

const SLUG = 'tester-20261204T000000-face';

function record(): BottleRecord {
  return { version: 1, slug: SLUG, agent: 'tester', projectRoot: '/p', manifestFile: '/p/claude-bottle.json', containerName: 'x', createdAt: '', updatedAt: '', status: 'preserved', options: { copyProject: false, remoteControl: false }, grantedCapabilities: [], sessions: 1 };
}

/** As a process in the bottle would: swaps `<root>/a` between a real folder and a link to `victim`, as fast as it can. */
function swapForever(root: string, victim: string): Worker {
  fs.mkdirSync(join(root, 'real'));
  fs.writeFileSync(join(root, 'real', 'ok.jsonl'), '{"ok":true}\n');
  fs.symlinkSync(victim, join(root, 'link'));
  const script = `
    const fs = require('node:fs');
    const { workerData: root } = require('node:worker_threads');
    const at = (name) => root + '/' + name;
    for (;;) {
      try { fs.renameSync(at('real'), at('a')); fs.renameSync(at('a'), at('real')); } catch {}
      try { fs.renameSync(at('link'), at('a')); fs.renameSync(at('a'), at('link')); } catch {}
    }`;
  return new Worker(script, { eval: true, workerData: root });
}

describe('a walk of the bottle-written storage, while the bottle changes it', () => {
  it('never lists what lies behind a folder swapped for a link between its lstat and its listing', async () => {
    const base = tempDir();
    const root = join(base, 'projects');
    const victim = join(base, 'host-secrets');
    fs.mkdirSync(root);
    fs.mkdirSync(victim);
    fs.writeFileSync(join(victim, 'secret.jsonl'), 'the host secret\n');
    const worker = swapForever(root, victim);
    try {
      let walks = 0;
      let leaked = 0;
      let sawTheFolder = 0;
      const started = Date.now();
      while (Date.now() - started < 3_000) {
        const walk = await walkNoFollow(root);
        walks += 1;
        if (walk.entries.some((entry) => entry.path.endsWith('secret.jsonl'))) leaked += 1;
        if (walk.entries.some((entry) => entry.relative === join('a', 'ok.jsonl'))) sawTheFolder += 1;
      }
      expect(walks).toBeGreaterThan(100);
      expect(sawTheFolder, 'the swap really happened under the walk').toBeGreaterThan(0);
      expect(leaked).toBe(0);
    } finally {
      await worker.terminate();
    }
  });

  it('the transcript snapshot copies no file from behind the link, however the race falls', async () => {
    const base = tempDir();
    const store = new StateStore(join(base, 'home'));
    await store.create(record());
    const projects = join(store.claudeDir(SLUG), 'projects');
    fs.mkdirSync(projects);
    const victim = join(base, 'host-secrets');
    fs.mkdirSync(victim);
    fs.writeFileSync(join(victim, 'ok.jsonl'), 'the host secret\n'); // the same name as the real one
    const worker = swapForever(projects, victim);
    try {
      const started = Date.now();
      for (let at = 0; Date.now() - started < 3_000; at += 1) {
        const snapshot = await takeSnapshot(store, SLUG, new Date(Date.UTC(2026, 0, 1, 0, 0, 0, at)));
        if (!snapshot) continue;
        for (const file of fs.readdirSync(snapshot.dir, { recursive: true }).map(String)) {
          const full = join(snapshot.dir, file);
          if (fs.statSync(full).isFile()) expect(fs.readFileSync(full, 'utf8'), file).not.toContain('the host secret');
        }
      }
    } finally {
      await worker.terminate();
    }
  });
});

describe('a FIFO in the storage', () => {
  it('is never opened: a writer waiting in the bottle for a reader goes on waiting', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'trap.jsonl');
    execFileSync('mkfifo', [fifo]);
    // The writer's open blocks until someone opens the FIFO for reading.
    const writer = spawn('sh', ['-c', `echo caught > ${fifo}`], { stdio: 'ignore' });
    children.push(writer);
    let exited = false;
    writer.on('exit', () => (exited = true));

    await expect(readRegularFile(fifo, { maxBytes: 1024 })).rejects.toThrow(`${fifo} is a FIFO, not a regular file`);
    const walk = await walkNoFollow(dir);
    expect(walk.skipped).toEqual([{ path: fifo, why: 'is a FIFO' }]);
    await new Promise((settle) => setTimeout(settle, 300));
    expect(exited, 'the FIFO was opened for reading').toBe(false);
  });

  it('hasConversation answers at once and does not count it', async () => {
    const store = new StateStore(tempDir());
    await store.create(record());
    const projects = join(store.claudeDir(SLUG), 'projects', '-workspace');
    fs.mkdirSync(projects, { recursive: true });
    execFileSync('mkfifo', [join(projects, 'x.jsonl')]);
    fs.symlinkSync('/etc/hostname', join(projects, 'y.jsonl'));
    const started = Date.now();
    expect(await hasConversation(store, SLUG)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('a file swapped after it was listed', () => {
  it('is not read: the file opened must be the one the walk saw', async () => {
    const base = tempDir();
    const root = join(base, 'projects');
    fs.mkdirSync(join(root, 'a'), { recursive: true });
    fs.writeFileSync(join(root, 'a', 'x.jsonl'), 'mine\n');
    const victim = join(base, 'host');
    fs.mkdirSync(victim);
    fs.writeFileSync(join(victim, 'x.jsonl'), 'the host secret\n');
    const [listed] = (await walkNoFollow(root)).entries.filter((entry) => entry.kind === 'file');
    // The folder on the way to it becomes a link: O_NOFOLLOW guards only the last component.
    fs.renameSync(join(root, 'a'), join(root, 'gone'));
    fs.symlinkSync(victim, join(root, 'a'));
    await expect(readRegularFile(listed!.path, { maxBytes: 1024, expect: listed! })).rejects.toThrow('changed since it was listed');
  });
});
