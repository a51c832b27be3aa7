import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBottleChannel } from '../../src/core/channel/bottleChannel';
import { answerRequest, ControlChannel, createChannelFolders, readPending } from '../../src/core/channel/controlChannel';
import { CHANNEL_LIMITS, channelFolders } from '../../src/core/channel/layout';
import type { CapabilityRequest, HookEvent } from '../../src/core/channel/messages';

// Whatever a bottle writes into its control channel is hostile input to the host: these are the
// files a hostile bottle would drop there (docs/control-channel.md, docs/security.md).

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function bottleDir(): Promise<string> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cb-channel-'));
  made.push(dir);
  await createChannelFolders(channelFolders(dir));
  return dir;
}

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');
const requestFile = (id: string, capability = 'push', reason = 'because'): string => JSON.stringify({ v: 1, id, capabilityHex: hex(capability), reasonHex: hex(reason), timeoutSeconds: 600 });

async function scanned(dir: string): Promise<{ requests: CapabilityRequest[]; hooks: HookEvent[]; rejected: string[] }> {
  const seen = { requests: [] as CapabilityRequest[], hooks: [] as HookEvent[], rejected: [] as string[] };
  const channel = new ControlChannel(channelFolders(dir), { onRequest: (r) => seen.requests.push(r), onHook: (h) => seen.hooks.push(h), onRejected: (why) => seen.rejected.push(why) });
  await channel.poke();
  channel.dispose();
  return seen;
}

describe('the control channel, read as hostile', () => {
  it('never follows a link: a request that is a link to a host file is removed, the file untouched and unread', async () => {
    const dir = await bottleDir();
    const secret = join(dir, 'host-secret.json');
    fs.writeFileSync(secret, requestFile('stolen'));
    fs.symlinkSync(secret, join(channelFolders(dir).channel, 'request-link.json'));
    const seen = await scanned(dir);
    expect(seen.requests).toEqual([]);
    expect(seen.rejected.join()).toMatch(/request-link\.json/);
    expect(fs.existsSync(join(channelFolders(dir).channel, 'request-link.json'))).toBe(false);
    expect(fs.readFileSync(secret, 'utf8')).toBe(requestFile('stolen'));
  });

  it('never opens a FIFO (a writer waiting for a reader goes on waiting), and does not hang on it', async () => {
    const dir = await bottleDir();
    execFileSync('mkfifo', [join(channelFolders(dir).channel, 'request-fifo.json')]);
    const started = Date.now();
    const seen = await scanned(dir);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen.requests).toEqual([]);
  });

  it('removes a huge file unread, and malformed or foreign ones, saying why once', async () => {
    const dir = await bottleDir();
    const { channel } = channelFolders(dir);
    fs.writeFileSync(join(channel, 'request-huge.json'), 'x'.repeat(CHANNEL_LIMITS.maxFileBytes + 1));
    fs.writeFileSync(join(channel, 'request-junk.json'), '{ not json');
    fs.writeFileSync(join(channel, 'request-shape.json'), JSON.stringify({ v: 1, id: '../../etc', capabilityHex: 'zz', reasonHex: '', timeoutSeconds: -1 }));
    fs.writeFileSync(join(channel, 'whatever.txt'), 'hello');
    fs.writeFileSync(join(channel, 'event-junk.json'), JSON.stringify({ no: 'hook' }));
    const seen = await scanned(dir);
    expect(seen.requests).toEqual([]);
    expect(seen.hooks).toEqual([]);
    expect(seen.rejected.length).toBe(5);
    expect(fs.readdirSync(channel)).toEqual([]);
  });

  it('works through a flood in slices, and keeps no more than a few requests waiting', async () => {
    const dir = await bottleDir();
    const { channel } = channelFolders(dir);
    for (let index = 0; index < 500; index += 1) fs.writeFileSync(join(channel, `request-r${index}.json`), requestFile(`r${index}`));
    const opened = await openBottleChannel(dir);
    try {
      await expect.poll(() => fs.readdirSync(channel).length, { timeout: 15_000 }).toBe(0);
      expect(opened.pending).toHaveLength(CHANNEL_LIMITS.maxPending);
      expect(await readPending(channelFolders(dir))).toHaveLength(CHANNEL_LIMITS.maxPending);
      // The rest were told at once, in their answer files.
      expect(fs.readFileSync(join(channelFolders(dir).answers, 'r499'), 'utf8')).toMatch(/^denied\ntoo many requests|^denied\nbottle-request: too many requests/);
    } finally {
      opened.dispose();
    }
  });

  it('keeps a request made while nobody held the bottle, for the next holder', async () => {
    const dir = await bottleDir();
    fs.writeFileSync(join(channelFolders(dir).channel, 'request-early.json'), requestFile('early', 'push', 'asked while the app was closed'));
    // An earlier holder took another one in and died before answering.
    const first = await scanned(dir);
    expect(first.requests.map((request) => request.id)).toEqual(['early']);
    const later = await openBottleChannel(dir);
    try {
      expect(later.pending.map((request) => [request.id, request.reason])).toEqual([['early', 'asked while the app was closed']]);
      await later.answer('early', 'granted', 'ok');
      expect(later.pending).toEqual([]);
      expect(fs.readFileSync(join(channelFolders(dir).answers, 'early'), 'utf8')).toBe('granted\nok\n');
    } finally {
      later.dispose();
    }
  });

  it('writes answers only under their own names: an id that is a path is refused', async () => {
    const dir = await bottleDir();
    await expect(answerRequest(channelFolders(dir), '../../escape', 'granted', 'x')).rejects.toThrow(/not a request id/);
    expect(fs.existsSync(join(dir, '..', 'escape'))).toBe(false);
  });
});
