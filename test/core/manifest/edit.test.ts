import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addAllowedHost } from '../../../src/core/manifest/edit';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function manifest(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-edit-'));
  dirs.push(dir);
  const file = path.join(dir, 'claude-bottle.json');
  fs.writeFileSync(file, text);
  return file;
}

describe("adding a host to an agent's allow-list", () => {
  it('refuses a file nested too deep with its position, not a stack overflow', async () => {
    const file = manifest(`{"version":1,"agents":{"dev":{"image":"x","env":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`);
    await expect(addAllowedHost(file, 'dev', 'github.com')).rejects.toThrow(/claude-bottle\.json:1:\d+: nested deeper than 64 levels/);
  });

  it('keeps comments and layout, and appends to the list', async () => {
    const file = manifest(`{
    // our agents
    "version": 1,
    "agents": {
        "dev": {
            "image": "builtin:base", // the default image
            "network": { "allow": ["github.com"] } // trimmed on purpose
        }
    }
}
`);
    expect(await addAllowedHost(file, 'dev', 'registry.npmjs.org')).toEqual({ hosts: ['github.com', 'registry.npmjs.org'], changed: true });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('// our agents');
    expect(text).toContain('// the default image');
    expect(text).toContain('// trimmed on purpose');
    expect(text).toContain('"network": { "allow": ["github.com", "registry.npmjs.org"] } // trimmed on purpose');
  });

  it('adds to a list written one per line on a line of its own', async () => {
    const file = manifest('{\n  "version": 1,\n  "agents": {\n    "dev": {\n      "image": "x",\n      "network": {\n        "allow": [\n          "a.example", // first\n          "b.example"\n        ]\n      }\n    }\n  }\n}\n');
    await addAllowedHost(file, 'dev', 'c.example');
    expect(fs.readFileSync(file, 'utf8')).toContain('          "a.example", // first\n          "b.example",\n          "c.example"\n        ]');
  });

  it('gives an agent that used the defaults its own list with the default hosts kept', async () => {
    const file = manifest('{ "version": 1, "defaults": { "network": { "allow": ["a.example"] } }, "agents": { "dev": { "image": "x" } } }');
    await addAllowedHost(file, 'dev', 'b.example');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).agents.dev.network).toEqual({ allow: ['a.example', 'b.example'] });
  });

  it('does nothing for a host already listed, and refuses a bad host or a network that is not an allow-list', async () => {
    const file = manifest('{ "version": 1, "agents": { "dev": { "image": "x", "network": { "allow": ["a.example"] } }, "open": { "image": "x", "network": "open" } } }');
    const before = fs.readFileSync(file, 'utf8');
    expect(await addAllowedHost(file, 'dev', 'a.example')).toEqual({ hosts: ['a.example'], changed: false });
    await expect(addAllowedHost(file, 'dev', 'https://evil.example/x')).rejects.toThrow(/allow-list/);
    await expect(addAllowedHost(file, 'open', 'b.example')).rejects.toThrow(/not an allow-list/);
    await expect(addAllowedHost(file, 'nobody', 'b.example')).rejects.toThrow(/no agent/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });
});
