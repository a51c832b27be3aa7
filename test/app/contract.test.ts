import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, EVENT_NAMES, LIMITS, createBottleApi, validateCommand } from '../../src/shared/contract';

const SLUG = 'tester-20260101T000000-abcd';

describe('the contract rejects bad messages with errors that say what and where', () => {
  it('an unknown command is named in the error', () => {
    const result = validateCommand('bottles.explode', {});
    expect(result).toEqual({ ok: false, message: 'unknown command "bottles.explode"' });
    expect(validateCommand(42, {})).toMatchObject({ ok: false, message: 'unknown command number' });
    // Inherited properties are not commands.
    expect(validateCommand('toString', {})).toMatchObject({ ok: false });
    expect(validateCommand('__proto__', {})).toMatchObject({ ok: false });
  });

  it('a wrong type names the command and the argument', () => {
    const result = validateCommand('bottles.prepare', { projectDir: '/p', agent: 7, copyProject: false, remoteControl: false });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^bottles\.prepare: args\.agent: .*string/);
  });

  it('a missing argument is named', () => {
    const result = validateCommand('terminal.ack', { slug: SLUG });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('args.chars');
  });

  it('an oversize string is refused with its limit', () => {
    const result = validateCommand('terminal.input', { slug: SLUG, data: 'x'.repeat(LIMITS.maxInputChars + 1) });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/terminal\.input: args\.data: must be at most 65536 characters/);
    const path = validateCommand('projects.open', { dir: `/${'a'.repeat(LIMITS.maxPathChars)}` });
    expect(path.ok).toBe(false);
  });

  it('numbers are integers within range', () => {
    expect(validateCommand('terminal.resize', { slug: SLUG, cols: 80.5, rows: 24 }).ok).toBe(false);
    expect(validateCommand('terminal.resize', { slug: SLUG, cols: 0, rows: 24 }).ok).toBe(false);
    expect(validateCommand('terminal.resize', { slug: SLUG, cols: 100_000, rows: 24 }).ok).toBe(false);
    expect(validateCommand('terminal.ack', { slug: SLUG, chars: -5 }).ok).toBe(false);
    expect(validateCommand('terminal.ack', { slug: SLUG, chars: Number.NaN }).ok).toBe(false);
    expect(validateCommand('terminal.resize', { slug: SLUG, cols: 120, rows: 40 }).ok).toBe(true);
  });

  it('unknown keys and slugs that could climb out of the state folder are refused', () => {
    expect(validateCommand('bottles.cancel', { slug: SLUG, extra: true }).ok).toBe(false);
    expect(validateCommand('bottles.discard', { slug: '../../etc' }).ok).toBe(false);
    expect(validateCommand('bottles.discard', { slug: 'UPPER' }).ok).toBe(false);
    expect(validateCommand('projects.open', { dir: '/tmp/\0x' }).ok).toBe(false);
  });

  it('commands without arguments accept none', () => {
    expect(validateCommand('bottles.list', undefined)).toEqual({ ok: true, value: { command: 'bottles.list', args: {} } });
    expect(validateCommand('app.info', {}).ok).toBe(true);
    expect(validateCommand('app.info', { sneaky: 1 }).ok).toBe(false);
  });
});

describe('the API type is built from the contract', () => {
  it('every command becomes a named function that goes through the transport', async () => {
    const calls: [string, unknown][] = [];
    const api = createBottleApi(
      async (command, args) => {
        calls.push([command, args]);
        return { ok: true, data: {} };
      },
      () => () => {},
    );
    await api.bottles.list();
    await api.terminal.input({ slug: SLUG, data: 'hi' });
    expect(calls).toEqual([
      ['bottles.list', {}],
      ['terminal.input', { slug: SLUG, data: 'hi' }],
    ]);
    for (const command of COMMAND_NAMES) {
      const [namespace, method] = command.split('.') as [string, string];
      expect(typeof (api as unknown as Record<string, Record<string, unknown>>)[namespace]?.[method]).toBe('function');
    }
  });

  it('events are listed once and subscriptions return their unsubscribe', () => {
    expect(EVENT_NAMES).toEqual(expect.arrayContaining(['bottle.status', 'terminal.data', 'bottles.changed']));
    let subscribed = 0;
    const api = createBottleApi(
      async () => ({ ok: true, data: {} }),
      () => {
        subscribed += 1;
        return () => (subscribed -= 1);
      },
    );
    const off = api.on('terminal.data', () => {});
    expect(subscribed).toBe(1);
    off();
    expect(subscribed).toBe(0);
  });
});
