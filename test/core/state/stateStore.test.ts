import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BottleRecord } from '../../../src/core/state/bottleRecord';
import { defaultStateRoot } from '../../../src/core/state/stateRoot';
import { StateStore } from '../../../src/core/state/stateStore';
import { hasConversation, snapshotTranscript } from '../../../src/core/state/transcripts';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

function newStore(): StateStore {
  const root = fs.mkdtempSync(join(os.tmpdir(), 'cb-state-'));
  roots.push(root);
  return new StateStore(root);
}

function record(slug: string): BottleRecord {
  return {
    version: 1,
    slug,
    agent: 'reviewer',
    projectRoot: '/p',
    manifestFile: '/p/claude-bottle.json',
    containerName: `claude-bottle-${slug}`,
    createdAt: '2026-11-30T00:00:00.000Z',
    updatedAt: '2026-11-30T00:00:00.000Z',
    status: 'prepared',
    options: { copyProject: false, remoteControl: false },
    grantedCapabilities: [],
    sessions: 0,
  };
}

describe('the state store', () => {
  it('CLAUDE_BOTTLE_HOME wins over the platform folder', () => {
    expect(defaultStateRoot({ CLAUDE_BOTTLE_HOME: '/tmp/cb-home' })).toBe('/tmp/cb-home');
    expect(defaultStateRoot({})).toMatch(/claude-bottle/);
  });

  it('keeps each bottle in a private folder with bottle.json written atomically', async () => {
    const store = newStore();
    await store.create(record('reviewer-20261130T000000-abcd'));
    const dir = store.bottleDir('reviewer-20261130T000000-abcd');
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(dir).sort()).toEqual(['bottle.json', 'claude']);
    const updated = await store.update('reviewer-20261130T000000-abcd', (current) => ({ ...current, status: 'running' }));
    expect(updated.status).toBe('running');
    expect((await store.read('reviewer-20261130T000000-abcd')).status).toBe('running');
    expect(fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a corrupt state folder is reported and skipped, not fatal', async () => {
    const store = newStore();
    await store.create(record('good-20261130T000000-0001'));
    await store.create(record('bad-20261130T000000-0002'));
    await store.create(record('half-20261130T000000-0003'));
    fs.writeFileSync(join(store.bottleDir('bad-20261130T000000-0002'), 'bottle.json'), '{"version": 1, "slug": ');
    fs.writeFileSync(join(store.bottleDir('half-20261130T000000-0003'), 'bottle.json'), '{"version": 1, "slug": "half-20261130T000000-0003"}');
    const listing = await store.list();
    expect(listing.records.map((entry) => entry.slug)).toEqual(['good-20261130T000000-0001']);
    expect(listing.corrupt.map((entry) => entry.slug)).toEqual(['bad-20261130T000000-0002', 'half-20261130T000000-0003']);
    expect(listing.corrupt[0]?.problem).toContain('not valid JSON');
    expect(listing.corrupt[1]?.problem).toContain('is corrupt');
  });

  it('refuses slugs that could climb out of the state root', () => {
    const store = newStore();
    expect(() => store.bottleDir('../../etc')).toThrow(/not a bottle slug/);
    expect(() => store.bottleDir('a-20261130T000000-abcd/../../x')).toThrow(/not a bottle slug/);
  });

  it('snapshots conversation files into a dated transcripts folder', async () => {
    const store = newStore();
    const slug = 'reviewer-20261130T000000-abcd';
    await store.create(record(slug));
    expect(await hasConversation(store, slug)).toBe(false);
    expect(await snapshotTranscript(store, slug)).toBeUndefined();
    const sessionDir = join(store.claudeDir(slug), 'projects', '-workspace');
    fs.mkdirSync(sessionDir, { recursive: true });
    fs.writeFileSync(join(sessionDir, 'abc.jsonl'), '{"type":"user","message":"hi"}\n');
    expect(await hasConversation(store, slug)).toBe(true);
    const snapshot = await snapshotTranscript(store, slug, new Date('2026-11-30T01:02:03Z'));
    expect(snapshot).toContain('transcripts/2026-11-30T01-02-03-000Z');
    expect(fs.readFileSync(join(snapshot as string, '-workspace', 'abc.jsonl'), 'utf8')).toContain('"hi"');
  });
});
