import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EGRESS_LOG, EgressLogFile, EgressLogFollower } from '../../../src/core/network/egressLogFile';
import type { EgressLogEntry } from '../../../src/proxy/egressLog';

// `logs --follow` reads what the egress log gains by byte offset: past the tail it printed, across
// a rotation, and a line still being written only once it is whole.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function entry(n: number): EgressLogEntry {
  return { time: '2026-12-04T01:02:03.000Z', method: 'CONNECT', host: `host-${n}.example`, port: 443, verdict: 'refused', reason: 'not on the allow-list', bytesUp: 0, bytesDown: 0 };
}

/** A state folder whose log already holds entries 0..count-1, written at once. */
function folderWithLog(count: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-egress-follow-'));
  dirs.push(dir);
  const lines = Array.from({ length: count }, (_, n) => `${JSON.stringify(entry(n))}\n`).join('');
  fs.writeFileSync(path.join(dir, EGRESS_LOG.file), lines, { mode: 0o600 });
  return dir;
}

const hosts = (entries: EgressLogEntry[]): string[] => entries.map((e) => e.host);

describe('following the egress log', () => {
  it('goes on where the tail ends, even when the log is longer than the tail', async () => {
    // Longer than what the tail reads: the old follower compared whole tails and printed them again.
    const dir = folderWithLog(Math.ceil((EGRESS_LOG.maxReadBytes * 1.5) / JSON.stringify(entry(0)).length));
    const { entries, follower } = await EgressLogFollower.afterTail(dir);
    expect(entries.length).toBeGreaterThan(100);
    const log = new EgressLogFile(dir);
    await log.append(entry(-1));
    expect(hosts(await follower.readNew())).toEqual(['host--1.example']);
    expect(await follower.readNew()).toEqual([]);
    await log.append(entry(-2));
    await log.append(entry(-3));
    expect(hosts(await follower.readNew())).toEqual(['host--2.example', 'host--3.example']);
  });

  it('reads across a rotation: the rest of the old file, then the new one', async () => {
    const dir = folderWithLog(Math.floor(EGRESS_LOG.maxBytes / JSON.stringify(entry(0)).length) - 3);
    const { follower } = await EgressLogFollower.afterTail(dir);
    const log = new EgressLogFile(dir);
    const added = Array.from({ length: 10 }, (_, n) => entry(100_000 + n));
    for (const one of added) await log.append(one);
    expect(fs.existsSync(path.join(dir, EGRESS_LOG.rotated))).toBe(true);
    expect(hosts(await follower.readNew())).toEqual(hosts(added));
  });

  it('waits for a line being written to be whole', async () => {
    const dir = folderWithLog(1);
    const { follower } = await EgressLogFollower.afterTail(dir);
    const line = `${JSON.stringify(entry(7))}\n`;
    fs.appendFileSync(path.join(dir, EGRESS_LOG.file), line.slice(0, 20));
    expect(await follower.readNew()).toEqual([]);
    fs.appendFileSync(path.join(dir, EGRESS_LOG.file), line.slice(20));
    expect(hosts(await follower.readNew())).toEqual(['host-7.example']);
  });
});
