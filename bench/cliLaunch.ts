import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { median, removeLabelled, waitForText } from './support';

// `claude-bottle start --yes` in a pty, as a person types it, to Claude's first screen, against
// bare Docker (`docker run -d` + `docker exec -it` of the same image, same hardening) in the same
// run, interleaved: on the stand-in image and on the real Claude Code of builtin:base.

export interface CliLaunchTarget {
  /** What the row is called in the report. */
  name: string;
  /** What the manifest names (`builtin:base` is resolved by the CLI as users have it). */
  manifestImage: string;
  /** The image bare Docker runs: the same one. */
  image: string;
  /** Text of Claude's first screen, compared as drawn. */
  firstScreen: string;
  /** Seed Claude's storage for the bare run as a bottle's is (onboarding, trust, key): the real Claude needs it to land on its prompt. */
  seedBare: boolean;
  /** How Claude is left when measured: the stand-in exits on `exit`, the real one on two Ctrl-C. */
  quit: string;
}

const CLI = join(import.meta.dirname, '../bin/claude-bottle.js');
const SCREEN_TIMEOUT_MS = 60_000;
/**
 * Claude's settings a bottle's session has (src/core/launcher.ts), so both runs start the same
 * Claude. Neither run has a credential: with one and no network, Claude waits seconds for its remote
 * settings, which would measure the wait and not the launch.
 */
const SAME_AS_A_BOTTLE = ['-e', 'TERM=xterm-256color', '-e', 'COLORTERM=truecolor', '-e', 'DISABLE_AUTOUPDATER=1', '-e', 'DISABLE_INSTALLATION_CHECKS=1'];

export async function benchCliLaunch(targets: CliLaunchTarget[], rounds: number): Promise<Record<string, unknown>> {
  const report: Record<string, unknown> = {};
  for (const target of targets) {
    const base = fs.mkdtempSync(join(os.tmpdir(), 'cb-bench-cli-launch-'));
    const project = join(base, 'project');
    const home = join(base, 'home');
    fs.mkdirSync(project);
    fs.writeFileSync(join(project, 'claude-bottle.json'), JSON.stringify({ version: 1, agents: { bench: { image: target.manifestImage, network: 'none' } } }));
    const bare: number[] = [];
    const cli: number[] = [];
    try {
      await cliStart(target, project, home); // the first start builds or checks images and fills caches: not counted
      for (let round = 0; round < rounds; round += 1) {
        bare.push(await bareStart(target, project, base));
        cli.push(await cliStart(target, project, home));
      }
    } finally {
      removeLabelled(home);
      fs.rmSync(base, { recursive: true, force: true });
    }
    report[target.name] = { bareMs: Math.round(median(bare)), cliMs: Math.round(median(cli)), ratio: +(median(cli) / median(bare)).toFixed(3), target: '≤ 1.10' };
  }
  return report;
}

async function cliStart(target: CliLaunchTarget, project: string, home: string): Promise<number> {
  const started = performance.now();
  const env = { ...process.env, CLAUDE_BOTTLE_HOME: home } as Record<string, string>;
  const term = pty.spawn(process.execPath, [CLI, 'start', '--yes', 'bench'], { name: 'xterm-256color', cols: 120, rows: 40, cwd: project, env });
  const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
  try {
    await waitForText((listener) => term.onData(listener), target.firstScreen, SCREEN_TIMEOUT_MS, { onScreen: true });
    const ms = performance.now() - started;
    await quit(term, target.quit, exited);
    return ms;
  } catch (error) {
    term.kill();
    throw error;
  }
}

async function bareStart(target: CliLaunchTarget, project: string, base: string): Promise<number> {
  const name = `cb-bench-bare-${process.pid}-${Date.now()}`;
  const config = fs.mkdtempSync(join(base, 'bare-claude-'));
  if (target.seedBare) seedLikeABottle(config);
  fs.chownSync(config, 1000, 1000);
  const started = performance.now();
  execFileSync('docker', ['run', '-d', '--name', name, '--init', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--pids-limit', '512', '--memory', '4g', '--cpus', '2', '--network', 'none', '-u', '1000', '-v', `${project}:/workspace`, '-v', `${config}:/claude`, '--entrypoint', 'sleep', target.image, '2147483647'], { stdio: 'ignore' });
  const term = pty.spawn('docker', ['exec', '-it', '-u', '1000', '-w', '/workspace', '-e', 'CLAUDE_CONFIG_DIR=/claude', ...SAME_AS_A_BOTTLE, name, 'claude', '--dangerously-skip-permissions'], { name: 'xterm-256color', cols: 120, rows: 40 });
  try {
    await waitForText((listener) => term.onData(listener), target.firstScreen, SCREEN_TIMEOUT_MS, { onScreen: true });
    return performance.now() - started;
  } finally {
    term.kill();
    execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  }
}

/**
 * What Claude needs to land on its prompt, as a bottle's storage has it (src/core/claude/seedStorage.ts):
 * onboarding done, the workdir trusted, the bypass-permissions warning accepted. Not the bottle's
 * attention hooks, whose helper bare Docker does not have.
 */
function seedLikeABottle(dir: string): void {
  fs.writeFileSync(join(dir, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, projects: { '/workspace': { hasTrustDialogAccepted: true } } }));
  fs.writeFileSync(join(dir, 'settings.json'), JSON.stringify({ skipDangerousModePermissionPrompt: true }));
  for (const file of ['.claude.json', 'settings.json']) fs.chownSync(join(dir, file), 1000, 1000);
}

/** Leaves Claude as a person would; the CLI then ends the bottle. A Claude that does not go is stopped. */
async function quit(term: pty.IPty, keys: string, exited: Promise<void>): Promise<void> {
  for (const key of keys) {
    term.write(key);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000));
  if ((await Promise.race([exited, timeout])) === 'timeout') term.kill();
}
