import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectDocker, pingDocker } from '../../src/core/docker/client';

// A Docker engine of the test's own, for faults that stop the engine: the shared one (which the
// other tests and people use) is never stopped. It has its own socket, data and exec roots (so its
// own containerd), and runs in a network namespace of its own, with no bridge and no iptables
// rules: its bottles use `"network": "none"`. The namespace matters: a dockerd started with
// `--bridge none` deletes the host's docker0, which the shared engine's bridge network needs.
// Needs root, `dockerd` and `unshare`; under CI=true an engine that cannot start fails the test,
// never skips it.

export interface PrivateEngine {
  /** `unix:///tmp/cb-engine-…/docker.sock`, for DOCKER_HOST. */
  readonly host: string;
  /** Whether dockerd runs (started, and not stopped since). */
  readonly running: boolean;
  /** Starts dockerd and waits until it answers. */
  start(): Promise<void>;
  /** Sends dockerd `signal` and waits until it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Copies an image from the shared engine into this one (no registry needed). */
  loadImage(tag: string): void;
  /** `docker` CLI arguments against this engine: `docker(['ps', '-aq'])`. */
  docker(args: string[]): string;
  /** Removes every container (starting dockerd again if it is down), stops dockerd, removes its folders. Never throws. */
  dispose(options?: { restart?: boolean }): Promise<void>;
}

export const PRIVATE_ENGINE_LIMITS = {
  /** A fresh engine answers within a few seconds; a restarted one recovers its containers first. */
  startTimeoutMs: 30_000,
  /** A stopping engine stops its containers first (10 s each, at most), then exits. */
  stopTimeoutMs: 30_000,
} as const;

/** Starts a private engine, or returns undefined (locally) with the reason on stderr; under CI it throws. */
export async function startPrivateEngine(): Promise<PrivateEngine | undefined> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'cb-engine-'));
  const engine = privateEngine(dir);
  try {
    await engine.start();
    return engine;
  } catch (error) {
    await engine.dispose({ restart: false });
    const message = `a private Docker engine could not be started (needs root, dockerd and unshare): ${(error as Error).message}`;
    if (process.env.CI) throw new Error(message, { cause: error });
    process.stderr.write(`skipped: ${message}\n`);
    return undefined;
  }
}

function privateEngine(dir: string): PrivateEngine {
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const log = join(dir, 'dockerd.log');
  // An empty configuration file: the machine's /etc/docker/daemon.json is the shared engine's.
  fs.writeFileSync(join(dir, 'daemon.json'), '{}');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const docker = (args: string[]): string => execFileSync('docker', ['-H', host, ...args], { timeout: 60_000 }).toString();

  const engine: PrivateEngine = {
    host,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      const out = fs.openSync(log, 'a');
      // unshare execs dockerd in a new network namespace: the pid, and the signals, are dockerd's.
      const started = spawn(
        'unshare',
        [
          '--net',
          'dockerd',
          '--config-file', join(dir, 'daemon.json'),
          '--host', host,
          '--data-root', join(dir, 'data'),
          '--exec-root', join(dir, 'exec'),
          '--pidfile', join(dir, 'dockerd.pid'),
          '--bridge', 'none',
          '--iptables=false',
          '--ip6tables=false',
        ],
        { stdio: ['ignore', out, out] },
      );
      fs.closeSync(out);
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      const spawnFailed = new Promise<never>((_, reject) => started.once('error', reject));
      spawnFailed.catch(() => undefined);
      const client = connectDocker({ host });
      const deadline = Date.now() + PRIVATE_ENGINE_LIMITS.startTimeoutMs;
      for (;;) {
        if (started.exitCode !== null) throw new Error(`dockerd exited with ${started.exitCode}:\n${tail(log)}`);
        try {
          await Promise.race([pingDocker(client, { timeoutMs: 2_000 }), spawnFailed]);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (error as NodeJS.ErrnoException).syscall?.startsWith('spawn')) throw error;
          if (Date.now() > deadline) throw new Error(`dockerd did not answer within ${PRIVATE_ENGINE_LIMITS.startTimeoutMs / 1000} s:\n${tail(log)}`, { cause: error });
          await sleep(100);
        }
      }
    },
    async stop(signal = 'SIGTERM') {
      if (!child || !engine.running) return;
      child.kill(signal);
      const timedOut = await Promise.race([exited.then(() => false), sleep(PRIVATE_ENGINE_LIMITS.stopTimeoutMs).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`dockerd did not stop within ${PRIVATE_ENGINE_LIMITS.stopTimeoutMs / 1000} s of ${signal}:\n${tail(log)}`);
      }
      await containerdGone(join(dir, 'exec', 'containerd', 'containerd.pid'));
    },
    loadImage(tag) {
      execFileSync('bash', ['-c', 'set -o pipefail; docker save "$1" | docker -H "$2" load', 'load', tag, host], { stdio: 'ignore', timeout: 60_000 });
    },
    docker,
    async dispose({ restart = true } = {}) {
      try {
        // An engine a failed test left down still has containers (a killed one leaves them
        // running under their shims): started again, it stops them, and they are removed.
        if (!engine.running && restart) await engine.start();
        const ids = engine.running ? docker(['ps', '-aq']).split('\n').filter(Boolean) : [];
        if (ids.length > 0) docker(['rm', '-f', ...ids]);
      } catch (error) {
        process.stderr.write(`warning: the private engine's containers could not be removed: ${(error as Error).message}\n`);
      }
      await engine.stop('SIGTERM').catch(() => undefined);
      // A killed dockerd leaves its data root bind-mounted on itself (and overlay mounts below it).
      for (const mount of mountsUnder(dir)) {
        try {
          execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
        } catch {
          // Reported below, when its folder cannot be removed.
        }
      }
      try {
        fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (error) {
        // A mount the engine left busy keeps its folder: say so rather than fail the test after the fact.
        process.stderr.write(`warning: could not remove the private engine's folder ${dir}: ${(error as Error).message}\n`);
      }
    },
  };
  return engine;
}

/**
 * A killed dockerd's containerd dies with it, but stays a zombie until init reaps it; a dockerd
 * started meanwhile finds its pid file, takes it for a running containerd, waits on it and gives
 * up. So: wait until it has gone, and once it is only a zombie (it holds nothing), drop the pid file.
 */
async function containerdGone(pidFile: string): Promise<void> {
  const pid = Number.parseInt(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const deadline = Date.now() + PRIVATE_ENGINE_LIMITS.stopTimeoutMs;
  while (Date.now() < deadline) {
    let state: string | undefined;
    try {
      state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    } catch {
      return;
    }
    if (state === 'Z' || state === 'X') {
      fs.rmSync(pidFile, { force: true });
      return;
    }
    await sleep(50);
  }
}

/** Mount points under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  const points = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')[1] ?? '').filter((point) => point.startsWith(`${dir}/`));
  return points.sort((a, b) => b.length - a.length);
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
