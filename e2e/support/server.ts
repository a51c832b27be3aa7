import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Starts and stops browser mode (e2e/support/serve.ts) in its own process, as a person would run
// `claude-bottle serve`: the tests talk to it only through Chromium.

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServeProcess {
  url: string;
  origin: string;
  port: number;
  token: string;
  home: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit (the server stops its bottles first). */
  stop(): Promise<void>;
}

export const SERVE_LIMITS = {
  /** tsx compiles the server on first start; a cold cache takes a few seconds. */
  startTimeoutMs: 60_000,
  /** Stopping stops every bottle the server runs (docker rm of each). */
  stopTimeoutMs: 60_000,
} as const;

export interface ServeOptions {
  /** At exit, leave the bottles' containers running (as an app that dies does). */
  leave?: boolean;
  /** Listen on this port with this token (a restart the open pages reconnect to). */
  port?: number;
  token?: string;
}

export async function startServe(home: string, { leave = false, port, token }: ServeOptions = {}): Promise<ServeProcess> {
  const args = ['--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url))];
  if (leave) args.push('--leave');
  // From the repository, so `--import tsx` resolves; the server opens no project by itself.
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CLAUDE_BOTTLE_HOME: home,
      CLAUDE_BOTTLE_RENDERER_DIR: `${REPO_ROOT}/out/renderer`,
      ...(port !== undefined ? { E2E_SERVE_PORT: String(port) } : {}),
      ...(token !== undefined ? { E2E_SERVE_TOKEN: token } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
    if (process.env.E2E_SERVER_LOG) process.stderr.write(`[serve] ${chunk}`);
  });
  const first = await new Promise<{ url: string; origin: string; port: number; token: string }>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`browser mode did not start within ${SERVE_LIMITS.startTimeoutMs} ms\n${stderr}`)), SERVE_LIMITS.startTimeoutMs);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.slice(0, newline)) as { url: string; origin: string; port: number; token: string });
      } catch {
        reject(new Error(`browser mode printed something unexpected: ${stdout.slice(0, newline)}\n${stderr}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser mode exited with ${code} before it listened\n${stderr}`));
    });
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    ...first,
    home,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), SERVE_LIMITS.stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
