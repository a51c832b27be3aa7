import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as pty from 'node-pty';
import { BottleService } from '../src/app/bottleService';
import { createDispatcher, type Dispatch } from '../src/app/dispatch';
import { createCoreContext } from '../src/core/context';
import { launchPrepared, makeAheadOfConfirm, prepareStart } from '../src/core/launcher';
import { environmentSecrets } from '../src/core/plan/plan';
import { ensureBuiltinBaseImage } from '../src/core/builtin/baseImage';
import { ensureEgressImage } from '../src/core/network/egressImage';
import { benchCliLaunch } from './cliLaunch';
import { benchProxy } from './proxy';
import { benchScreenMirror } from './screenMirror';
import { median, removeLabelled, waitForText } from './support';
import { benchTerminalThroughput } from './terminalThroughput';
import { benchWindowLaunch } from './window';

// `npm run bench`: the performance targets (README, Performance), as ratios against bare Docker measured in the same
// run on the same image, so that a slow machine moves both sides and the ratio stays meaningful.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const IMAGE = 'claude-bottle-test:latest';
const FIRST_OUTPUT = 'Welcome to Claude Code';
/** Time between keystrokes: fast human typing is ~10 keys a second; 30 ms is well above that rate. */
const TYPING_GAP_MS = 30;

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

/**
 * Bare Docker doing what an allow-list bottle needs, as a shell script would, with nothing
 * checked: an internal network; a sidecar on the default bridge and on it, whose Node listens; the
 * bottle on it (started alongside the sidecar); then `docker exec -it … claude`. Docker's own
 * floor for that shape, against which the allow-list launch's ratio to `"none"` can be read.
 */
async function bareAllowListStart(sidecarImage: string): Promise<number> {
  const name = `claude-bottle-bench-${process.pid}-${Date.now()}`;
  const docker = (args: string[]) => promisify(execFile)('docker', args);
  const started = performance.now();
  await docker(['network', 'create', '--internal', `${name}-net`]);
  const sidecar = (async () => {
    await docker(['create', '--name', `${name}-egress`, '--init', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--read-only', '--network', 'bridge', sidecarImage, 'node', '-e', "require('node:net').createServer((s) => s.end()).listen(3128)"]);
    await docker(['network', 'connect', `${name}-net`, `${name}-egress`]);
    await docker(['start', `${name}-egress`]);
  })();
  const bottle = docker(['run', '-d', '--name', name, '--init', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--pids-limit', '512', '--memory', '4g', '--cpus', '2', '-u', '1000', '--network', `${name}-net`, '--entrypoint', 'sleep', IMAGE, '2147483647']);
  await Promise.all([sidecar, bottle]);
  const term = pty.spawn('docker', ['exec', '-it', '-u', '1000', '-w', '/workspace', '-e', 'CLAUDE_CONFIG_DIR=/tmp/claude', name, 'claude', '--dangerously-skip-permissions'], { name: 'xterm-256color', cols: 120, rows: 40 });
  await waitForText((listener) => term.onData(listener), FIRST_OUTPUT);
  const ms = performance.now() - started;
  term.kill();
  execFileSync('docker', ['rm', '-f', name, `${name}-egress`], { stdio: 'ignore' });
  execFileSync('docker', ['network', 'rm', `${name}-net`], { stdio: 'ignore' });
  return ms;
}

/** Keystroke echo at the prompt, p50 and p99 over many keys. */
async function echoPercentiles(write: (data: string) => void, onData: (listener: (data: string) => void) => void, count = 100): Promise<{ p50: number; p99: number }> {
  const sorted = (await echoSamples(write, onData, count)).sort((a, b) => a - b);
  return { p50: +(sorted[Math.floor(count * 0.5)] as number).toFixed(2), p99: +(sorted[Math.min(count - 1, Math.floor(count * 0.99))] as number).toFixed(2) };
}

/**
 * A process printing for a long time through the window's path: this process's resident memory
 * before and during, and how fast typing is still answered (a probe key every second: Ctrl-C
 * stops the flood, the key echoes, the flood starts again).
 */
async function longFlood(app: { write: (d: string) => void; onData: (l: (d: string) => void) => void }, seconds: number): Promise<Record<string, unknown>> {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  let pending: ((data: string) => void) | undefined;
  app.onData((data) => pending?.(data));
  const echoes: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    app.write('flood\r');
    await new Promise((resolve) => setTimeout(resolve, 900));
    peak = Math.max(peak, process.memoryUsage().rss);
    const echoed = new Promise<void>((resolve) => {
      pending = (data) => {
        if (data.includes('PROBE')) resolve();
      };
    });
    const sent = performance.now();
    app.write('\x03');
    app.write('PROBE');
    await echoed;
    echoes.push(performance.now() - sent);
    app.write('\x15');
  }
  const sorted = echoes.sort((a, b) => a - b);
  return {
    seconds,
    rssBeforeMiB: Math.round(rssBefore / 1024 / 1024),
    rssPeakGrowthMiB: Math.round((peak - rssBefore) / 1024 / 1024),
    echoDuringFloodP50Ms: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    echoDuringFloodP99Ms: Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0),
    target: 'growth < 50 MiB, echo p99 < 50 ms',
  };
}

/** Twenty bottles started at once: until all show Claude's first output, and this process's memory per bottle. */
async function manyAtOnce(project: string, home: string, count = 20): Promise<Record<string, unknown>> {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const bottles = await Promise.all(Array.from({ length: count }, () => bottleStart(project, home)));
  const allMs = performance.now() - started;
  globalThis.gc?.();
  const rssPerBottleMiB = (process.memoryUsage().rss - rssBefore) / count / 1024 / 1024;
  await Promise.all(bottles.map((bottle) => bottle.stop()));
  return { bottles: count, allShowingMs: Math.round(allMs), slowestSingleMs: Math.round(Math.max(...bottles.map((bottle) => bottle.ms))), hostRssPerBottleMiB: +rssPerBottleMiB.toFixed(1) };
}

/**
 * A launch through the core, timed from before the preflight is computed; or, `fromConfirm`, from
 * Confirm after a person read the preflight (what was made meanwhile is ready).
 */
async function bottleStart(project: string, home: string, options: { copyProject?: boolean; fromConfirm?: boolean } = {}): Promise<{ ms: number; stop: () => Promise<unknown>; write: (d: string) => void; onData: (l: (d: string) => void) => void }> {
  const ctx = createCoreContext({ stateRoot: home, secrets: environmentSecrets({}) });
  let started = performance.now();
  const prepared = await prepareStart(ctx, { projectDir: project, agent: 'bench', ...(options.copyProject ? { options: { copyProject: true } } : {}) });
  if (options.fromConfirm) {
    makeAheadOfConfirm(ctx, prepared);
    await (await prepared.networkAhead)?.holder;
    started = performance.now();
  }
  const running = await launchPrepared(ctx, prepared, { cols: 120, rows: 40 });
  await waitForText((listener) => running.session.onData(listener), FIRST_OUTPUT);
  const ms = performance.now() - started;
  return { ms, stop: () => running.stop(), write: (data) => running.session.write(data), onData: (listener) => void running.session.onData(listener) };
}

/**
 * The window's path: the same BottleService and contract dispatcher Electron and browser mode use,
 * with output batched and acknowledged as the renderer does.
 */
async function appStart(project: string, home: string): Promise<{ ms: number; stop: () => Promise<unknown>; write: (d: string) => void; onData: (l: (d: string) => void) => void; dispose: () => Promise<void> }> {
  const ctx = createCoreContext({ stateRoot: home, secrets: environmentSecrets({}) });
  const service = new BottleService({ ctx, transport: 'browser', version: 'bench' });
  const dispatch: Dispatch = createDispatcher(service);
  const call = async (command: string, args: object): Promise<unknown> => {
    const result = (await dispatch({ command, args })) as { ok: boolean; data?: unknown; error?: { message: string } };
    if (!result.ok) throw new Error(`${command}: ${result.error?.message}`);
    return result.data;
  };
  const listeners: ((data: string) => void)[] = [];
  let slug = '';
  service.onEvent((event, payload) => {
    if (event !== 'terminal.data') return;
    const { slug: from, data } = payload as { slug: string; data: string };
    if (from !== slug) return;
    for (const listener of listeners) listener(data);
    void call('terminal.ack', { slug, chars: data.length });
  });
  const started = performance.now();
  slug = ((await call('bottles.prepare', { projectDir: project, agent: 'bench', copyProject: false, remoteControl: false })) as { slug: string }).slug;
  const firstOutput = waitForText((listener) => listeners.push(listener), FIRST_OUTPUT);
  await call('bottles.confirm', { slug, cols: 120, rows: 40 });
  // As the window does when it opens the new tab: attach, and replay what was already printed.
  const { replay } = (await call('terminal.attach', { slug })) as { replay: string };
  if (replay) for (const listener of listeners) listener(replay);
  await firstOutput;
  const ms = performance.now() - started;
  return {
    ms,
    write: (data) => void call('terminal.input', { slug, data }),
    onData: (listener) => listeners.push(listener),
    stop: () => call('bottles.stop', { slug, keep: false }),
    dispose: () => service.dispose(),
  };
}

/** A process printing forever through the window's path: output rate and the app's memory. */
async function floodThroughApp(app: { write: (d: string) => void; onData: (l: (d: string) => void) => void }, seconds = 5): Promise<{ charsPerSecond: number; heapGrowthMiB: number; echoDuringFloodMs: number }> {
  let chars = 0;
  app.onData((data) => (chars += data.length));
  app.write('flood\r');
  await new Promise((resolve) => setTimeout(resolve, 500));
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const countedFrom = chars;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const rate = (chars - countedFrom) / ((performance.now() - started) / 1000);
  const echoed = new Promise<void>((resolve) => app.onData((data) => data.includes('FLOOD-PROBE') && resolve()));
  const sent = performance.now();
  app.write('\x03');
  app.write('FLOOD-PROBE');
  await echoed;
  const echoMs = performance.now() - sent;
  globalThis.gc?.();
  const heapGrowthMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  app.write('\x15');
  return { charsPerSecond: Math.round(rate), heapGrowthMiB: +heapGrowthMiB.toFixed(1), echoDuringFloodMs: Math.round(echoMs) };
}

/** Time from a keystroke to its echo, median over `count` keystrokes at the prompt. */
async function echoLatency(write: (data: string) => void, onData: (listener: (data: string) => void) => void, count = 30): Promise<number> {
  return median(await echoSamples(write, onData, count));
}

/** Each keystroke's time to its echo, typed at human speed; the line is cleared afterwards. */
async function echoSamples(write: (data: string) => void, onData: (listener: (data: string) => void) => void, count: number): Promise<number[]> {
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
    await new Promise((resolve) => setTimeout(resolve, TYPING_GAP_MS));
  }
  write('\x15'); // Ctrl-U: clear the line again
  return samples;
}

/** The CLI's own start: `--version` and `ps` against Node starting and doing nothing, interleaved. */
function cliColdStart(rounds = 7): Record<string, unknown> {
  const cli = join(import.meta.dirname, '../bin/claude-bottle.js');
  const time = (args: string[], env: NodeJS.ProcessEnv = process.env): number => {
    const started = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore', env });
    return performance.now() - started;
  };
  const bare: number[] = [];
  const version: number[] = [];
  const ps: number[] = [];
  const home = fs.mkdtempSync(join(os.tmpdir(), 'cb-bench-cli-'));
  for (let round = 0; round < rounds; round += 1) {
    bare.push(time(['-e', '']));
    version.push(time([cli, '--version']));
    ps.push(time([cli, 'ps'], { ...process.env, CLAUDE_BOTTLE_HOME: home }));
  }
  fs.rmSync(home, { recursive: true, force: true });
  return {
    nodeMs: Math.round(median(bare)),
    versionMs: Math.round(median(version)),
    versionOverNodeMs: Math.round(median(version) - median(bare)),
    psMs: Math.round(median(ps)),
    target: '--version ≤ 80 ms',
  };
}

async function main(): Promise<void> {
  execFileSync('bash', [join(import.meta.dirname, '../scripts/test-image/build.sh')], { stdio: 'inherit' });
  const base = fs.mkdtempSync(join(os.tmpdir(), 'cb-bench-'));
  const project = join(base, 'project');
  fs.mkdirSync(project);
  // "open" as bare `docker run` has it; the allow-list project measures what the egress sidecar costs.
  fs.writeFileSync(join(project, 'claude-bottle.json'), JSON.stringify({ version: 1, agents: { bench: { image: IMAGE, network: 'open' } } }));
  const noneProject = join(base, 'none');
  const allowProject = join(base, 'allow');
  for (const [dir, network] of [[noneProject, 'none'], [allowProject, { allow: [] }]] as const) {
    fs.mkdirSync(dir);
    fs.writeFileSync(join(dir, 'claude-bottle.json'), JSON.stringify({ version: 1, agents: { bench: { image: IMAGE, network } } }));
  }
  // No registry here: the egress sidecar's image builds FROM the local Debian when there is one.
  process.env.CLAUDE_BOTTLE_BASE_FROM ??= 'claude-bottle-debian:bookworm';
  const report: Record<string, unknown> = { rounds: ROUNDS, machine: machine() };
  try {
    if (wanted('launch')) Object.assign(report, await launchRounds(project, noneProject, allowProject, join(base, 'home')));
    if (wanted('many')) report.twentyAtOnce = await manyAtOnce(noneProject, join(base, 'home'));
    if (wanted('window')) {
      report.startInTheBrowserWindow = await benchWindowLaunch(project, join(base, 'home'), ROUNDS, FIRST_OUTPUT, async () => {
        const started = await bareStart();
        started.term.kill();
        started.cleanup();
        return started.ms;
      });
    }
    // 200 MB a round on each side: its own round count (BENCH_THROUGHPUT_ROUNDS, 5) keeps the run's length sane.
    if (wanted('throughput')) report.terminalThroughputInTheBrowserWindow = await benchTerminalThroughput(noneProject, join(base, 'home'));
    if (wanted('cli')) {
      const { tag: realClaudeImage } = await ensureBuiltinBaseImage(createCoreContext().docker, { baseImage: process.env.CLAUDE_BOTTLE_BASE_FROM });
      report.startThroughTheCli = await benchCliLaunch(
        [
          { name: 'standInImage', manifestImage: IMAGE, image: IMAGE, firstScreen: FIRST_OUTPUT, seedBare: false, quit: 'exit\r' },
          { name: 'realClaudeCode', manifestImage: 'builtin:base', image: realClaudeImage, firstScreen: 'bypass permissions on', seedBare: true, quit: '\x03\x03' },
        ],
        ROUNDS,
      );
    }
  } finally {
    // A failed round must not leave bottles running: remove whatever this run's state root labelled.
    removeLabelled(join(base, 'home'));
    fs.rmSync(base, { recursive: true, force: true });
  }
  if (wanted('proxy')) report.egressProxy = await benchProxy();
  if (wanted('mirror')) report.screenMirror = await benchScreenMirror();
  if (wanted('coldStart')) report.cliColdStart = cliColdStart();
  writeReport(report);
}

/**
 * The launch paths side by side, round after round, so that caches warmed by one side help the
 * others equally: bare Docker, the core, the window's path, copy against mount, `"none"` against
 * an allow-list; then echo and floods on the last round.
 */
async function launchRounds(project: string, noneProject: string, allowProject: string, home: string): Promise<Record<string, unknown>> {
  let echoAtPrompt: { bare: { p50: number; p99: number }; window: { p50: number; p99: number } } | undefined;
  let flood60: Record<string, unknown> | undefined;
  let flood: Awaited<ReturnType<typeof floodThroughApp>> | undefined;
  let firstCopyBuildMs: number | undefined;
  const copied: number[] = [];
  const mounted: number[] = [];
  const withNone: number[] = [];
  const withAllow: number[] = [];
  const withNoneFromConfirm: number[] = [];
  const withAllowFromConfirm: number[] = [];
  const bareWithAllowShape: number[] = [];
  const sidecarImage = await ensureEgressImage(createCoreContext().docker);
  const bare: number[] = [];
  const bottle: number[] = [];
  const bareEcho: number[] = [];
  const bottleEcho: number[] = [];
  const app: number[] = [];
  const appEcho: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const b = await bareStart();
    bare.push(b.ms);
    bareEcho.push(await echoLatency((data) => b.term.write(data), (listener) => void b.term.onData(listener)));
    const bareP = round === ROUNDS - 1 ? await echoPercentiles((data) => b.term.write(data), (listener) => void b.term.onData(listener)) : undefined;
    b.term.kill();
    b.cleanup();
    const c = await bottleStart(project, home);
    bottle.push(c.ms);
    bottleEcho.push(await echoLatency(c.write, c.onData));
    await c.stop();
    const w = await appStart(project, home);
    app.push(w.ms);
    appEcho.push(await echoLatency(w.write, w.onData));
    if (round === ROUNDS - 1) {
      const windowP = await echoPercentiles(w.write, w.onData);
      if (bareP) echoAtPrompt = { bare: bareP, window: windowP };
      flood = await floodThroughApp(w);
      flood60 = await longFlood(w, Number(process.env.BENCH_FLOOD_SECONDS ?? 60));
    }
    await w.stop();
    await w.dispose();
    // An unchanged project: its copy is an image already built (the first round builds it).
    const copy = await bottleStart(noneProject, home, { copyProject: true });
    if (round > 0) copied.push(copy.ms);
    else firstCopyBuildMs = copy.ms;
    await copy.stop();
    const none = await bottleStart(noneProject, home);
    withNone.push(none.ms);
    if (round > 0) mounted.push(none.ms);
    await none.stop();
    const allow = await bottleStart(allowProject, home);
    withAllow.push(allow.ms);
    await allow.stop();
    bareWithAllowShape.push(await bareAllowListStart(sidecarImage));
    const noneConfirmed = await bottleStart(noneProject, home, { fromConfirm: true });
    withNoneFromConfirm.push(noneConfirmed.ms);
    await noneConfirmed.stop();
    const allowConfirmed = await bottleStart(allowProject, home, { fromConfirm: true });
    withAllowFromConfirm.push(allowConfirmed.ms);
    await allowConfirmed.stop();
  }
  return {
    startToFirstOutput: { bareMs: Math.round(median(bare)), bottleMs: Math.round(median(bottle)), ratio: +(median(bottle) / median(bare)).toFixed(3), target: '≤ 1.10' },
    startToFirstOutputInTheWindow: { bareMs: Math.round(median(bare)), appMs: Math.round(median(app)), ratio: +(median(app) / median(bare)).toFixed(3), target: '≤ 1.10' },
    keystrokeEcho: { bareMs: +median(bareEcho).toFixed(2), bottleMs: +median(bottleEcho).toFixed(2), addedMs: +(median(bottleEcho) - median(bareEcho)).toFixed(2), target: 'a few ms at most' },
    keystrokeEchoInTheWindow: { bareMs: +median(bareEcho).toFixed(2), appMs: +median(appEcho).toFixed(2), addedMs: +(median(appEcho) - median(bareEcho)).toFixed(2), target: 'a few ms at most' },
    keystrokeEchoPercentiles: echoAtPrompt,
    floodInTheWindow: flood,
    longFloodInTheWindow: flood60,
    copyProjectUnchanged: { mountedMs: Math.round(median(mounted)), copiedMs: Math.round(median(copied)), ratio: +(median(copied) / median(mounted)).toFixed(3), firstBuildMs: firstCopyBuildMs === undefined ? undefined : Math.round(firstCopyBuildMs), target: '≤ 1.05' },
    // Without a pause (--yes): the network is made during the launch.
    launchWithAllowList: { noneMs: Math.round(median(withNone)), allowListMs: Math.round(median(withAllow)), ratio: +(median(withAllow) / median(withNone)).toFixed(3), target: '≤ 1.25' },
    // Docker's own floor for that shape (network, sidecar, bottle; nothing checked), against bare `docker run`.
    bareDockerWithAllowListShape: { bareMs: Math.round(median(bare)), bareWithNetworkAndSidecarMs: Math.round(median(bareWithAllowShape)), ratio: +(median(bareWithAllowShape) / median(bare)).toFixed(3) },
    launchWithAllowListAgainstTheSameShapeInBareDocker: { bareWithNetworkAndSidecarMs: Math.round(median(bareWithAllowShape)), allowListMs: Math.round(median(withAllow)), ratio: +(median(withAllow) / median(bareWithAllowShape)).toFixed(3) },
    // From Confirm, after the preflight was read (its network made meanwhile).
    launchWithAllowListFromConfirm: { noneMs: Math.round(median(withNoneFromConfirm)), allowListMs: Math.round(median(withAllowFromConfirm)), ratio: +(median(withAllowFromConfirm) / median(withNoneFromConfirm)).toFixed(3), target: '≤ 1.25' },
  };
}

/** `BENCH_ONLY=cli,proxy` runs those parts only; all of them by default. */
function wanted(part: 'launch' | 'many' | 'window' | 'throughput' | 'cli' | 'proxy' | 'mirror' | 'coldStart'): boolean {
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()).filter(Boolean);
  return !only || only.length === 0 || only.includes(part);
}

function machine(): Record<string, unknown> {
  const docker = (() => {
    try {
      return execFileSync('docker', ['version', '--format', '{{.Server.Version}}']).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.version, docker, date: new Date().toISOString() };
}

/** The table on stdout, the whole report as JSON in `BENCH_OUT` (default out/bench/results.json). */
function writeReport(report: Record<string, unknown>): void {
  const rows = Object.entries(report).flatMap(([name, value]) => tableRows(name, value));
  process.stdout.write(`${formatTable(['what', 'baseline', 'Claude Bottle', 'ratio', 'target'], rows)}\n`);
  const file = process.env.BENCH_OUT ?? join(import.meta.dirname, '../out/bench/results.json');
  fs.mkdirSync(join(file, '..'), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nthe whole report: ${file}\n`);
}

/** One row per measurement with a baseline (`…Ms` pairs and a ratio); nested groups are walked. */
function tableRows(name: string, value: unknown): string[][] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const entry = value as Record<string, unknown>;
  if (typeof entry.ratio !== 'number') {
    const nested = Object.entries(entry).flatMap(([key, inner]) => tableRows(`${name}.${key}`, inner));
    const numbers = Object.entries(entry).filter(([, v]) => typeof v === 'number');
    return numbers.length === 0 ? nested : [[name, '', numbers.map(([key, v]) => `${key} ${String(v)}`).join(', '), '', String(entry.target ?? '')], ...nested];
  }
  const ms = Object.entries(entry).filter(([key, v]) => key.endsWith('Ms') && typeof v === 'number' && key !== 'firstBuildMs');
  const [baseline, ours] = [ms[0], ms[1]];
  const show = (pair: [string, unknown] | undefined) => (pair ? `${String(pair[1])} ms (${pair[0].replace(/Ms$/, '')})` : '');
  const nested = Object.entries(entry).flatMap(([key, inner]) => tableRows(`${name}.${key}`, inner));
  return [[name, show(baseline), show(ours), `×${entry.ratio}`, String(entry.target ?? '')], ...nested];
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

await main();
