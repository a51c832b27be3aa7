import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BottleService } from '../../src/app/bottleService';
import { createCoreContext } from '../../src/core/context';
import { ManifestError } from '../../src/core/errors';
import { loadManifest } from '../../src/core/manifest/load';
import { environmentSecrets } from '../../src/core/plan/plan';
import { type RunningServer, startServer } from '../../src/server/server';

// Bad input at scale (docs/security.md): hundreds of generated broken manifests, each a clear
// located error and never a crash; a thousand malformed messages on the window's transport, each
// answered with an error, and the same connection still working afterwards. Seeded: a failure
// names its case and reproduces.

/** mulberry32: small, seeded, good enough to pick mutations. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GOOD = {
  version: 1,
  defaults: { network: { allow: [] }, resources: { memory: '1g', pids: 256 } },
  agents: {
    reviewer: {
      description: 'reviews',
      image: 'claude-bottle-test:latest',
      workdir: '/workspace',
      project: 'mount-ro',
      mounts: [{ source: '.', target: '/data', readonly: true }],
      env: { TZ: 'UTC' },
      secrets: ['API_TOKEN'],
      network: { allow: ['github.com'] },
      resources: { memory: '2g', cpus: 1, pids: 128 },
      capabilities: { push: { description: 'push', secrets: ['GITHUB_TOKEN'], network: { allow: ['github.com'] } } },
      claude: { args: ['--model', 'opus'], inherit: ['CLAUDE.md'] },
    },
  },
};

/** Every key path of the good manifest, with its value. */
function paths(value: unknown, prefix: (string | number)[] = []): { path: (string | number)[]; value: unknown }[] {
  const out = [{ path: prefix, value }];
  if (Array.isArray(value)) value.forEach((item, index) => out.push(...paths(item, [...prefix, index])));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) out.push(...paths(item, [...prefix, key]));
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = value;
  return copy;
}

const HOSTILE = ['\u001b[2J\u001b]0;owned\u0007', '\u202eevil', '../../../../etc/passwd', 'x'.repeat(100_000), '\u0000nul', '$(rm -rf /)'];

/** A value of the wrong kind for `value`, or one out of range. */
function wrongFor(value: unknown, pick: () => number): unknown {
  const choices: unknown[] =
    typeof value === 'string'
      ? [42, true, null, [], {}, HOSTILE[Math.floor(pick() * HOSTILE.length)]]
      : typeof value === 'number'
        ? ['12', -1, 1e300, Number.MAX_SAFE_INTEGER * 4, null]
        : typeof value === 'boolean'
          ? ['true', 1, null]
          : Array.isArray(value)
            ? ['list', 7, {}, [null], [[]]]
            : ['object', 3, [], null];
  return choices[Math.floor(pick() * choices.length)];
}

interface Case {
  name: string;
  text: string | Buffer;
}

function generateCases(count: number, seed: number): Case[] {
  const pick = random(seed);
  const all = paths(GOOD).filter((entry) => entry.path.length > 0);
  const cases: Case[] = [];
  // Every key gets a wrong value, and an unknown key beside it.
  for (const { path, value } of all) {
    // Values that are free text may be any string: only a wrong type is certainly wrong there.
    const wrong = wrongFor(value, pick);
    if (typeof value === 'string' && typeof wrong === 'string') continue;
    cases.push({ name: `wrong ${path.join('.')} = ${JSON.stringify(wrong)?.slice(0, 40)}`, text: JSON.stringify(setAt(GOOD, path, wrong)) });
    if (value && typeof value === 'object' && !Array.isArray(value) && !['env', 'agents', 'capabilities'].includes(String(path.at(-1)))) {
      cases.push({ name: `unknown key under ${path.join('.')}`, text: JSON.stringify(setAt(GOOD, [...path, 'surprise'], 1)) });
    }
  }
  const extra: (() => Case)[] = [
    () => ({ name: 'deep nesting', text: `{"version":1,"agents":{"a":{"env":${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}}}}` }),
    () => ({ name: 'invalid UTF-8', text: Buffer.concat([Buffer.from('{"version":1,"agents":{"a'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('":{"image":"x"}}}')]) }),
    () => ({ name: 'prototype key', text: '{"version":1,"agents":{"__proto__":{"image":"x"}}}' }),
    () => ({ name: 'constructor agent secrets', text: '{"version":1,"agents":{"a":{"image":"x","env":{"constructor":"x"},"secrets":["__proto__"]}}}' }),
    () => ({ name: 'duplicate agents key', text: '{"version":1,"agents":{"a":{"image":"x"},"a":{"image":"y"}}}' }),
    () => ({ name: 'truncated', text: JSON.stringify(GOOD).slice(0, Math.floor(pick() * 300) + 1) }),
    () => ({ name: 'huge file', text: `{"version":1,"agents":{"a":{"image":"x","description":"${'d'.repeat(9 * 1024 * 1024)}"}}}` }),
    () => ({ name: 'empty', text: '' }),
    () => ({ name: 'an array', text: '[1,2,3]' }),
    () => ({ name: 'bad agent name', text: `{"version":1,"agents":{"${HOSTILE[Math.floor(pick() * HOSTILE.length)]?.slice(0, 80)}":{"image":"x"}}}` }),
    () => ({ name: 'version 2', text: '{"version":2,"agents":{}}' }),
  ];
  while (cases.length < count) {
    const make = extra[Math.floor(pick() * extra.length)] as () => Case;
    cases.push(make());
  }
  return cases;
}

describe('200 and more generated bad manifests', () => {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cb-bad-manifests-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the good one loads (so each case fails for its own mutation)', async () => {
    fs.mkdirSync(join(dir, 'good'));
    fs.writeFileSync(join(dir, 'good', 'claude-bottle.json'), JSON.stringify(GOOD));
    await expect(loadManifest(join(dir, 'good'))).resolves.toBeDefined();
  });

  it('each is refused with a located error, and none crashes', async () => {
    const cases = generateCases(220, 20261204);
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const failures: string[] = [];
    for (const [index, testCase] of cases.entries()) {
      const folder = join(dir, `case-${index}`);
      fs.mkdirSync(folder);
      fs.writeFileSync(join(folder, 'claude-bottle.json'), testCase.text);
      try {
        await loadManifest(folder);
        failures.push(`case ${index} (${testCase.name}): loaded`);
      } catch (error) {
        if (!(error instanceof ManifestError)) failures.push(`case ${index} (${testCase.name}): ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`);
        else if (!error.message.includes('claude-bottle.json')) failures.push(`case ${index} (${testCase.name}): the error names no file: ${error.message.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('a thousand malformed messages on the window transport', () => {
  let server: RunningServer;
  let home: string;
  beforeAll(async () => {
    home = fs.mkdtempSync(join(os.tmpdir(), 'cb-bad-messages-'));
    const service = new BottleService({ ctx: createCoreContext({ stateRoot: home, secrets: environmentSecrets({}) }), transport: 'browser', version: '0.0.0-test' });
    server = await startServer({ service, rendererDir: home });
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  function open(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { headers: { Origin: `http://127.0.0.1:${server.port}` } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }

  function generateMessages(count: number, seed: number): (string | Buffer)[] {
    const pick = random(seed);
    const commands = ['bottles.list', 'terminal.input', 'terminal.resize', 'bottles.stop', 'projects.open', 'bottles.answerRequest', 'app.prune', 'no.such', '__proto__', 'constructor'];
    const values: unknown[] = [null, 1, -1, 1e308, 'x', '\u0000', '\u001b[2J', [], {}, { __proto__: { polluted: true } }, 'a'.repeat(70_000), true];
    const makers: (() => string | Buffer)[] = [
      () => JSON.stringify({ id: Math.floor(pick() * 1000), command: commands[Math.floor(pick() * commands.length)], args: values[Math.floor(pick() * values.length)] }),
      () => JSON.stringify({ id: Math.floor(pick() * 1000), command: 'terminal.input', args: { slug: 'nobody-20260101T000000-0000', data: 'hi' } }),
      () => JSON.stringify({ id: Math.floor(pick() * 1000), command: 'terminal.resize', args: { slug: 'nobody-20260101T000000-0000', cols: values[Math.floor(pick() * values.length)], rows: 10 } }),
      () => JSON.stringify({ id: 'not a number', command: 'bottles.list', args: {} }),
      () => JSON.stringify(values[Math.floor(pick() * values.length)]),
      () => '{"id":1,"command":"bottles.list","args":{}'.slice(0, Math.floor(pick() * 40)),
      () => Buffer.from([0xff, 0xfe, 0x00, 0x01]),
      () => Buffer.concat([Buffer.from('{"id":2,"command":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","args":{}}')]),
      () => JSON.stringify({ id: 3, command: 'bottles.stop', args: { slug: '../../etc', keep: 'yes' } }),
      () => JSON.stringify({ id: 4, command: 'projects.open', args: { dir: '\u0000' } }),
    ];
    return Array.from({ length: count }, () => (makers[Math.floor(pick() * makers.length)] as () => string | Buffer)());
  }

  it('answers each with an error, and the same connection still works afterwards', async () => {
    const ws = await open();
    const answers: { id: unknown; result: { ok: boolean; error?: { message: string } } }[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: unknown; result?: { ok: boolean } };
      if ('result' in message) answers.push(message as (typeof answers)[number]);
    });
    const messages = generateMessages(1000, 7);
    for (const message of messages) ws.send(message, { binary: Buffer.isBuffer(message) && message[0] === 0xff });
    await expect.poll(() => answers.length, { timeout: 30_000 }).toBe(messages.length);
    const accepted = answers.filter((answer) => answer.result.ok);
    // Only well-formed, valid commands may succeed: bottles.list and app.prune without arguments.
    for (const answer of answers.filter((candidate) => !candidate.result.ok)) expect(answer.result.error?.message.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThan(messages.length / 5);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const before = answers.length;
    ws.send(JSON.stringify({ id: 999_999, command: 'bottles.list', args: {} }));
    await expect.poll(() => answers.length).toBe(before + 1);
    expect(answers.at(-1)).toMatchObject({ id: 999_999, result: { ok: true } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    ws.close();
  }, 60_000);

  it('a frame larger than the limit closes that connection only: a new one works', async () => {
    const ws = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(2 * 1024 * 1024));
    expect(await closed).toBe(1009);
    const again = await open();
    const answered = new Promise<unknown>((resolve) => again.once('message', (data) => resolve(JSON.parse(String(data)))));
    again.send(JSON.stringify({ id: 1, command: 'bottles.list', args: {} }));
    expect(await answered).toMatchObject({ id: 1, result: { ok: true } });
    again.close();
  });
});
