import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { type CDPSession, chromium, type Page } from 'playwright';
import { BottleService } from '../src/app/bottleService';
import { createCoreContext } from '../src/core/context';
import { environmentSecrets } from '../src/core/plan/plan';
import { BASE_TERMINAL_OPTIONS } from '../src/renderer/src/terminal/constants';
import { findRendererDir, startServer } from '../src/server/server';
import { median, removeLabelled } from './support';

// Terminal throughput in the browser window (docs/terminal.md): a bottle prints N bytes (the test
// image's `print N`) and the window's xterm parses them, against the same bytes written straight
// into a fresh xterm of the same size, options and renderer in the same page, with the write-callback flow
// control xterm.js's guide recommends. Both are timed from the first chunk parsed to the end
// marker parsed, interleaved, median of the rounds; the page's JS heap (CDP) and this process's
// RSS (it is the server) are sampled meanwhile. Needs `npm run build` and /usr/bin/chromium.
//
// On its own: `node --import tsx bench/terminalThroughput.ts`; BENCH_THROUGHPUT_BYTES (200 MB) and
// BENCH_THROUGHPUT_ROUNDS (5) shorten a quick run.

const CHROMIUM = process.env.CLAUDE_BOTTLE_CHROMIUM ?? '/usr/bin/chromium';
/** 200 MB, as the target says; a smaller size for quick runs through BENCH_THROUGHPUT_BYTES. */
const DEFAULT_BYTES = 200_000_000;
/** The fake Claude's `print` line (scripts/test-image/fake-claude.sh); the tty turns its `\n` into `\r\n`. */
const PRINT_LINE = '\x1b[1;32m+\x1b[0m const answer = compute(42); \x1b[2m// the quick brown fox jumps over the lazy dog\x1b[0m';
/** The baseline's flow control, as xterm.js's guide has it: stop writing above HIGH unparsed characters, go on below LOW. */
const BASELINE_FLOW = { chunkChars: 64 * 1024, high: 100_000, low: 10_000 };
const SAMPLE_MS = 250;
const ROUND_TIMEOUT_MS = 10 * 60_000;

/** What the window exposes for tests and benches (src/renderer/src/terminal/registry.ts). */
interface TerminalProbe {
  waitFor(text: string, timeoutMs: number): Promise<boolean>;
  onParsed(listener: (data: string) => void): () => void;
  renderer(): 'webgl' | 'dom';
  size(): { cols: number; rows: number };
}

/** One side's time from the first chunk parsed to the end marker parsed. */
interface Timed {
  ms: number;
  chars: number;
  renderer: string;
}

// The page's side, injected as plain JavaScript (functions tsx compiled could carry helpers the page
// lacks). `watch` arms a listener on the app terminal before the bench sends the command; `baseline`
// writes into a fresh xterm (the UMD builds of the same xterm packages the window bundles) laid
// over the app's terminal, same pixel size, cols and rows.
const PAGE_SCRIPT = `
window.__throughput = {
  watch(slug, marker) {
    const probe = window.__bottleTerminals[slug];
    let first = 0, chars = 0, tail = '';
    this.result = new Promise((resolve) => {
      const off = probe.onParsed((data) => {
        if (!first) first = performance.now();
        chars += data.length;
        const seen = tail + data.slice(0, marker.length);
        if (seen.includes(marker) || data.includes(marker)) {
          off();
          resolve({ ms: performance.now() - first, chars, renderer: probe.renderer() });
        }
        tail = data.slice(-marker.length);
      });
    });
  },
  async baseline(options) {
    const { line, totalChars, marker, chunkChars, high, low, terminalOptions, useWebgl } = options;
    const target = document.querySelector('.terminal-pane .xterm') || document.body;
    const rect = target.getBoundingClientRect();
    const host = document.createElement('div');
    host.style.cssText = 'position:fixed;z-index:9999;background:#000;left:' + rect.left + 'px;top:' + rect.top + 'px;width:' + rect.width + 'px;height:' + rect.height + 'px';
    document.body.append(host);
    const term = new Terminal(terminalOptions);
    term.loadAddon(new Unicode11Addon.Unicode11Addon());
    term.unicode.activeVersion = '11';
    term.open(host);
    let renderer = 'dom';
    if (useWebgl) {
      try { term.loadAddon(new WebglAddon.WebglAddon()); renderer = 'webgl'; } catch { renderer = 'dom'; }
    }
    const unit = line + '\\r\\n';
    const chunk = unit.repeat(Math.max(1, Math.floor(chunkChars / unit.length)));
    const endText = '\\x1b[0m\\r\\n' + marker + '\\r\\n';
    let written = 0, pending = 0, first = 0, done;
    const finished = new Promise((resolve) => { done = resolve; });
    const pump = () => {
      while (pending < high && written < totalChars) {
        const last = totalChars - written <= chunk.length;
        const piece = last ? chunk.slice(0, totalChars - written) + endText : chunk;
        written += last ? totalChars - written : chunk.length;
        pending += piece.length;
        term.write(piece, () => {
          if (!first) first = performance.now();
          pending -= piece.length;
          if (last) done(performance.now());
          else if (pending < low) pump();
        });
      }
    };
    pump();
    const end = await finished;
    term.dispose();
    host.remove();
    return { ms: end - first, chars: totalChars + endText.length, renderer };
  },
};
`;

/** Characters the tty delivers for the first `bytes` of `print`: each `\n` becomes `\r\n`. */
function deliveredChars(bytes: number): number {
  return bytes + Math.floor(bytes / (PRINT_LINE.length + 1));
}

/** Peaks of the page's JS heap and this process's RSS while a phase runs. */
class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private phase: 'pipeline' | 'baseline' | undefined;
  readonly peaks = { pipeline: { heap: 0, rss: 0 }, baseline: { heap: 0, rss: 0 } };

  constructor(private readonly cdp: CDPSession) {}

  start(phase: 'pipeline' | 'baseline'): void {
    this.phase = phase;
    this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sample();
    this.phase = undefined;
  }

  async heap(): Promise<number> {
    const { metrics } = (await this.cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    return metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0;
  }

  private async sample(): Promise<void> {
    const phase = this.phase;
    if (!phase) return;
    const heap = await this.heap().catch(() => 0);
    const peak = this.peaks[phase];
    peak.heap = Math.max(peak.heap, heap);
    peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
  }
}

async function runPipeline(page: Page, service: BottleService, slug: string, bytes: number): Promise<Timed> {
  const marker = `printed ${bytes} bytes`;
  // The command is typed first and Enter sent once its echo is parsed, so the timing starts with the output.
  await page.evaluate(([s]) => (globalThis as unknown as { __throughput: { watch(s: string, m: string): void } }).__throughput.watch(s, 'print '), [slug] as const);
  await service.handle('terminal.input', { slug, data: `print ${bytes}` });
  await page.evaluate(() => (globalThis as unknown as { __throughput: { result: Promise<unknown> } }).__throughput.result);
  await page.evaluate(([s, m]) => (globalThis as unknown as { __throughput: { watch(s: string, m: string): void } }).__throughput.watch(s, m), [slug, marker] as const);
  await service.handle('terminal.input', { slug, data: '\r' });
  return page.evaluate(() => (globalThis as unknown as { __throughput: { result: Promise<Timed> } }).__throughput.result);
}

/**
 * The ceiling Docker itself sets: the same `print` output read straight from a container's TTY
 * attach by this process, no app and no browser. The window cannot draw faster than this arrives.
 */
async function runDockerAttachOnly(docker: Docker, image: string, bytes: number): Promise<Timed> {
  const marker = `printed ${bytes} bytes`;
  const script = `yes "$1" | head -c ${bytes}; printf '\\033[0m\\n'; echo "${marker}"`;
  const container = await docker.createContainer({ Image: image, Entrypoint: ['sh', '-c', script, 'print', PRINT_LINE], Tty: true, OpenStdin: true, AttachStdout: true, HostConfig: { NetworkMode: 'none' } });
  try {
    const stream = (await container.attach({ stream: true, stdout: true, stdin: true, hijack: true })) as unknown as NodeJS.ReadableStream;
    let first = 0;
    let chars = 0;
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        first ||= performance.now();
        chars += chunk.length;
      });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    await container.start();
    await ended;
    return { ms: performance.now() - first, chars, renderer: 'none' };
  } finally {
    await container.remove({ force: true });
  }
}

function runBaseline(page: Page, bytes: number): Promise<Timed> {
  const terminalOptions = BASE_TERMINAL_OPTIONS;
  return page.evaluate(
    async ([options]) => {
      const probes = (globalThis as unknown as { __bottleTerminals: Record<string, TerminalProbe> }).__bottleTerminals;
      const probe = Object.values(probes)[0];
      const size = probe?.size() ?? { cols: 80, rows: 24 };
      const throughput = (globalThis as unknown as { __throughput: { baseline(o: unknown): Promise<Timed> } }).__throughput;
      // The same renderer the window's terminal chose (WebGL only on a hardware GPU, docs/terminal.md).
      return throughput.baseline({ ...options, useWebgl: probe?.renderer() === 'webgl', terminalOptions: { ...options.terminalOptions, cols: size.cols, rows: size.rows } });
    },
    [{ line: PRINT_LINE, totalChars: deliveredChars(bytes), marker: `printed ${bytes} bytes`, ...BASELINE_FLOW, terminalOptions }] as const,
  );
}

export async function benchTerminalThroughput(
  project: string,
  home: string,
  rounds: number = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 5),
  bytes: number = Number(process.env.BENCH_THROUGHPUT_BYTES ?? DEFAULT_BYTES),
): Promise<Record<string, unknown> | { skipped: string }> {
  if (!fs.existsSync(CHROMIUM)) return { skipped: `no Chromium at ${CHROMIUM}` };
  const rendererDir = findRendererDir();
  if (!rendererDir) return { skipped: 'the window is not built: run `npm run build`' };
  if (!Number.isInteger(bytes) || bytes < 1) throw new Error(`BENCH_THROUGHPUT_BYTES must be a positive integer, not ${bytes}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`BENCH_THROUGHPUT_ROUNDS must be a positive integer, not ${rounds}`);
  const ctx = createCoreContext({ stateRoot: home, secrets: environmentSecrets({}) });
  const service = new BottleService({ ctx, transport: 'browser', version: 'bench' });
  const server = await startServer({ service, rendererDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const pipeline: Timed[] = [];
  const baseline: Timed[] = [];
  const dockerOnly: Timed[] = [];
  let slug = '';
  try {
    // The baseline's xterm is injected as scripts, which the window's CSP would refuse.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByLabel('project folder').fill(project);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('button', { name: 'Start bench' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('tr[data-row="image"]').waitFor();
    slug = /bottle (\S+)$/.exec((await dialog.locator('#preflight-title').textContent()) ?? '')?.[1] ?? '';
    if (!slug) throw new Error('no slug in the preflight title');
    await dialog.getByRole('button', { name: /^Confirm/ }).click();
    await page.waitForFunction((s) => Boolean((globalThis as unknown as { __bottleTerminals?: Record<string, TerminalProbe> }).__bottleTerminals?.[s]), slug, { timeout: 30_000 });
    const prompt = await page.evaluate(([s]) => (globalThis as unknown as { __bottleTerminals: Record<string, TerminalProbe> }).__bottleTerminals[s]?.waitFor('> ', 30_000), [slug] as const);
    if (!prompt) throw new Error(`no prompt in the window for ${slug}`);
    for (const script of ['@xterm/xterm/lib/xterm.js', '@xterm/addon-unicode11/lib/addon-unicode11.js', '@xterm/addon-webgl/lib/addon-webgl.js']) {
      await page.addScriptTag({ path: join(import.meta.dirname, '../node_modules', script) });
    }
    await page.addScriptTag({ content: PAGE_SCRIPT });
    page.setDefaultTimeout(ROUND_TIMEOUT_MS);

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    globalThis.gc?.();
    const sampler = new MemorySampler(cdp);
    const heapBefore = await sampler.heap();
    const rssBefore = process.memoryUsage().rss;
    const image = (await ctx.docker.getContainer(`claude-bottle-${slug}`).inspect()).Config.Image;
    for (let round = 0; round < rounds; round += 1) {
      dockerOnly.push(await runDockerAttachOnly(ctx.docker, image, bytes));
      // Alternate which side goes first, so that neither always runs on a warmer page.
      for (const side of round % 2 === 0 ? (['pipeline', 'baseline'] as const) : (['baseline', 'pipeline'] as const)) {
        sampler.start(side);
        if (side === 'pipeline') pipeline.push(await runPipeline(page, service, slug, bytes));
        else baseline.push(await runBaseline(page, bytes));
        await sampler.stop();
      }
    }
    const rate = (samples: Timed[]): number => bytes / (median(samples.map((sample) => sample.ms)) / 1000);
    const pipelineRate = rate(pipeline);
    const baselineRate = rate(baseline);
    const dockerRate = rate(dockerOnly);
    const mib = (value: number): number => +(value / 1024 / 1024).toFixed(1);
    return {
      rounds,
      bytes,
      renderer: { pipeline: pipeline[0]?.renderer, baseline: baseline[0]?.renderer },
      baselineMBPerSecond: +(baselineRate / 1e6).toFixed(1),
      pipelineMBPerSecond: +(pipelineRate / 1e6).toFixed(1),
      ratio: +(pipelineRate / baselineRate).toFixed(3),
      pipelineCost: `${Math.round((1 - pipelineRate / baselineRate) * 100)}%`,
      // What Docker's TTY attach alone delivers on this machine: the most the window could draw.
      dockerAttachOnlyMBPerSecond: +(dockerRate / 1e6).toFixed(1),
      ofDockerAttachOnly: +(pipelineRate / dockerRate).toFixed(3),
      pageHeapMiB: { before: mib(heapBefore), peakPipeline: mib(sampler.peaks.pipeline.heap), peakBaseline: mib(sampler.peaks.baseline.heap) },
      serverRssMiB: { before: mib(rssBefore), peakPipeline: mib(sampler.peaks.pipeline.rss), peakBaseline: mib(sampler.peaks.baseline.rss) },
      samplesMs: { pipeline: pipeline.map((sample) => Math.round(sample.ms)), baseline: baseline.map((sample) => Math.round(sample.ms)), dockerAttachOnly: dockerOnly.map((sample) => Math.round(sample.ms)) },
      target: 'pipeline costs ≤ 20% (ratio ≥ 0.80)',
    };
  } finally {
    await browser.close();
    await server.close();
    await service.shutdown('stop');
    fs.rmSync(join(home, 'recent-projects.json'), { force: true });
  }
}

// Run on its own: a project with the test image, a state root of its own, the result printed as JSON.
if (process.argv[1] && import.meta.filename === fs.realpathSync(process.argv[1])) {
  const image = process.env.TEST_IMAGE ?? 'claude-bottle-test:latest';
  execFileSync('bash', [join(import.meta.dirname, '../scripts/test-image/build.sh')], { stdio: 'inherit' });
  const base = fs.mkdtempSync(join(os.tmpdir(), 'cb-bench-throughput-'));
  const project = join(base, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(join(project, 'claude-bottle.json'), JSON.stringify({ version: 1, agents: { bench: { image, network: 'none' } } }));
  try {
    const result = await benchTerminalThroughput(project, join(base, 'home'));
    process.stdout.write(`${JSON.stringify({ terminalThroughputInTheWindow: result }, null, 2)}\n`);
  } finally {
    removeLabelled(join(base, 'home'));
    fs.rmSync(base, { recursive: true, force: true });
  }
}
