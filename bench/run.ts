import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { createCoreContext } from '../src/core/context';
import { launchPrepared, prepareStart } from '../src/core/launcher';
import { environmentSecrets } from '../src/core/plan/plan';

// `npm run bench`: SPEC section 7's numbers, as ratios against bare Docker measured in the same
// run on the same image, so that a slow machine moves both sides and the ratio stays meaningful.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const IMAGE = 'claude-bottle-test:latest';
const FIRST_OUTPUT = 'Welcome to Claude Code';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function waitForText(subscribe: (listener: (data: string) => void) => void, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms; saw: ${seen.slice(-500)}`)), timeoutMs);
    subscribe((data) => {
      seen += data;
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Bare Docker: `docker run -d` with the same hardening, then `docker exec -it … claude` in a pty. */
async function bareStart(): Promise<{ ms: number; cleanup: () => void; term: pty.IPty }> {
  const name = `claude-bottle-bench-${process.pid}-${Date.now()}`;
  const started = performance.now();
  execFileSync('docker', ['run', '-d', '--name', name, '--init', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--pids-limit', '512', '--memory', '4g', '--cpus', '2', '-u', '1000', '--entrypoint', 'sleep', IMAGE, '2147483647'], { stdio: 'ignore' });
  const term = pty.spawn('docker', ['exec', '-it', '-u', '1000', '-w', '/workspace', '-e', 'CLAUDE_CONFIG_DIR=/tmp/claude', name, 'claude', '--dangerously-skip-permissions'], { name: 'xterm-256color', cols: 120, rows: 40 });
  await waitForText((listener) => term.onData(listener), FIRST_OUTPUT);
  const ms = performance.now() - started;
  return { ms, term, cleanup: () => execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' }) };
}

async function bottleStart(project: string, home: string): Promise<{ ms: number; stop: () => Promise<unknown>; write: (d: string) => void; onData: (l: (d: string) => void) => void }> {
  const ctx = createCoreContext({ stateRoot: home, secrets: environmentSecrets({}) });
  const started = performance.now();
  const prepared = await prepareStart(ctx, { projectDir: project, agent: 'bench' });
  const running = await launchPrepared(ctx, prepared, { cols: 120, rows: 40 });
  await waitForText((listener) => running.session.onData(listener), FIRST_OUTPUT);
  const ms = performance.now() - started;
  return { ms, stop: () => running.stop(), write: (data) => running.session.write(data), onData: (listener) => void running.session.onData(listener) };
}

/** Time from a keystroke to its echo, over `count` keystrokes at the prompt. */
async function echoLatency(write: (data: string) => void, onData: (listener: (data: string) => void) => void, count = 30): Promise<number> {
  let pending: ((data: string) => void) | undefined;
  onData((data) => pending?.(data));
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const key = String.fromCharCode(97 + (index % 26));
    const echoed = new Promise<void>((resolve) => {
      pending = (data) => {
        if (data.includes(key)) resolve();
      };
    });
    const sent = performance.now();
    write(key);
    await echoed;
    samples.push(performance.now() - sent);
  }
  write('\x15'); // Ctrl-U: clear the line again
  return median(samples);
}

async function main(): Promise<void> {
  execFileSync('bash', [join(import.meta.dirname, '../scripts/test-image/build.sh')], { stdio: 'inherit' });
  const base = fs.mkdtempSync(join(os.tmpdir(), 'cb-bench-'));
  const project = join(base, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(join(project, 'claude-bottle.json'), JSON.stringify({ version: 1, agents: { bench: { image: IMAGE } } }));
  const bare: number[] = [];
  const bottle: number[] = [];
  const bareEcho: number[] = [];
  const bottleEcho: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate so that caches warmed by one side help the other equally.
      const b = await bareStart();
      bare.push(b.ms);
      bareEcho.push(await echoLatency((data) => b.term.write(data), (listener) => void b.term.onData(listener)));
      b.term.kill();
      b.cleanup();
      const c = await bottleStart(project, join(base, 'home'));
      bottle.push(c.ms);
      bottleEcho.push(await echoLatency(c.write, c.onData));
      await c.stop();
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  const report = {
    rounds: ROUNDS,
    startToFirstOutput: { bareMs: Math.round(median(bare)), bottleMs: Math.round(median(bottle)), ratio: +(median(bottle) / median(bare)).toFixed(3), target: '≤ 1.15' },
    keystrokeEcho: { bareMs: +median(bareEcho).toFixed(2), bottleMs: +median(bottleEcho).toFixed(2), addedMs: +(median(bottleEcho) - median(bareEcho)).toFixed(2), target: 'a few ms at most' },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
