import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The sidecar's entry point, run from its bundle as the sidecar runs it (the global setup builds
// it): its configuration arrives as one JSON line on standard input; a bad one is refused with
// the key it is about, and a good one makes it listen.

const BUNDLE = fileURLToPath(new URL('../../out/proxy/egress-proxy.cjs', import.meta.url));

function runProxy(input: string | undefined): Promise<{ code: number | null; stderr: string; kill(): void; listening: Promise<string> }> {
  const child = spawn(process.execPath, [BUNDLE], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  const listening = new Promise<string>((resolve) =>
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on')) resolve(stderr);
    }),
  );
  if (input === undefined) child.stdin.end();
  else child.stdin.write(input);
  return new Promise((resolve) => {
    let settled = false;
    const done = (code: number | null): void => {
      if (settled) return;
      settled = true;
      resolve({ code, stderr, kill: () => child.kill(), listening });
    };
    child.on('exit', (code) => done(code));
    void listening.then(() => done(null));
  });
}

describe('the egress proxy, started', () => {
  it('listens once a valid configuration arrives', async () => {
    const run = await runProxy(`${JSON.stringify({ listen: { host: '127.0.0.1', port: 38_000 + Math.floor(Math.random() * 1000) }, allow: ['example.com'], anthropic: { upstream: 'https://api.anthropic.com' } })}\n`);
    expect(run.code).toBeNull();
    expect(await run.listening).toMatch(/egress-proxy: listening on 127\.0\.0\.1:\d+/);
    run.kill();
  });

  it.each([
    ['a port out of range', { listen: { host: '127.0.0.1', port: 0 }, allow: [] }, /"listen",\s*"port"/],
    ['an unknown key', { listen: { host: '127.0.0.1', port: 3128 }, allow: [], extra: true }, /unrecognized_keys[\s\S]*"extra"/],
    ['an upstream that is not a URL', { listen: { host: '127.0.0.1', port: 3128 }, allow: [], anthropic: { upstream: 'nowhere' } }, /"anthropic",\s*"upstream"/],
    ['an empty credential', { listen: { host: '127.0.0.1', port: 3128 }, allow: [], anthropic: { upstream: 'https://api.anthropic.com', credential: { kind: 'api-key', value: '' } } }, /"credential",\s*"value"/],
  ])('refuses %s, naming the key, and exits 2', async (_what, config, where) => {
    const run = await runProxy(`${JSON.stringify(config)}\n`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('egress-proxy: bad configuration');
    expect(run.stderr).toMatch(where);
  });

  it('exits 2 when its standard input closes before a configuration arrives (its owner died)', async () => {
    const run = await runProxy(undefined);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('standard input closed before the configuration arrived');
  });
});
