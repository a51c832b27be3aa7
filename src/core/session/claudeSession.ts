import * as pty from 'node-pty';

// Claude runs in a pseudo-terminal: node-pty drives `docker exec -it` so that Claude's TUI gets a
// real tty (colours, raw mode, resize). Secret values reach that exec through the docker CLI's own
// environment (`-e NAME` without a value), never through its argv or the container's config.

export interface ClaudeSessionSpec {
  containerName: string;
  user: string;
  workdir: string;
  /** argv inside the bottle, starting with `claude`. */
  command: string[];
  /** Non-secret variables for the exec (CLAUDE_CONFIG_DIR, TERM ...). */
  env: Record<string, string>;
  /** Secret values by name; passed by name on the command line, by value in the CLI's env. */
  secrets: Record<string, string>;
  /** Variables the docker CLI needs to reach the same daemon (DOCKER_HOST ...). */
  dockerEnv: Record<string, string>;
  cols: number;
  rows: number;
}

export type { Disposable } from '../lifecycle/disposable';
import type { Disposable } from '../lifecycle/disposable';

export interface ClaudeSession {
  readonly pid: number;
  onData(listener: (data: string) => void): Disposable;
  /** Resolves with the exit code; a signal death is 128 + the signal number, as shells report it. */
  readonly exited: Promise<number>;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Flow control: stop reading the pty while a slow consumer catches up. */
  pause(): void;
  resume(): void;
  kill(signal?: string): void;
  /** Makes the program draw its whole screen again (after a re-attach), where the session can. */
  redraw?(): void;
}

/** Terminal sizes outside these bounds are a bug upstream; clamp instead of failing the session. */
export const PTY_LIMITS = { minCols: 2, maxCols: 1000, minRows: 1, maxRows: 500 } as const;

export function clampSize(cols: number, rows: number): { cols: number; rows: number } {
  const clamp = (value: number, min: number, max: number): number => (Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : min);
  return { cols: clamp(cols, PTY_LIMITS.minCols, PTY_LIMITS.maxCols), rows: clamp(rows, PTY_LIMITS.minRows, PTY_LIMITS.maxRows) };
}

export function dockerCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_BOTTLE_DOCKER_CLI || 'docker';
}

export function execArgs(spec: ClaudeSessionSpec): string[] {
  const args = ['exec', '-it', '-u', spec.user, '-w', spec.workdir];
  for (const [name, value] of Object.entries(spec.env)) args.push('-e', `${name}=${value}`);
  for (const name of Object.keys(spec.secrets)) args.push('-e', name);
  args.push(spec.containerName, ...spec.command);
  return args;
}

export function startClaudeSession(spec: ClaudeSessionSpec): ClaudeSession {
  const size = clampSize(spec.cols, spec.rows);
  // A minimal environment: the docker CLI needs PATH and HOME (for its config); nothing else of the
  // host's environment should reach the bottle by accident.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    ...spec.dockerEnv,
    ...spec.secrets,
  };
  const child = pty.spawn(dockerCliPath(), execArgs(spec), {
    name: spec.env.TERM ?? 'xterm-256color',
    cols: size.cols,
    rows: size.rows,
    cwd: process.cwd(),
    env,
  });
  const exited = new Promise<number>((resolve) => {
    child.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode));
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  // Output that arrives before anyone listens (the launcher still settling its state) is held and
  // handed to the first listener, so Claude's first screen is never lost.
  let early: string[] | undefined = [];
  const holdEarly = child.onData((data) => early?.push(data));
  return {
    pid: child.pid,
    exited,
    onData: (listener) => {
      if (early) {
        holdEarly.dispose();
        for (const data of early) listener(data);
        early = undefined;
      }
      return child.onData(listener);
    },
    write: (data) => {
      if (!done) child.write(data);
    },
    resize: (cols, rows) => {
      if (done) return;
      const clamped = clampSize(cols, rows);
      try {
        child.resize(clamped.cols, clamped.rows);
      } catch {
        // The pty closed before its exit event arrived (EBADF): there is nothing left to resize.
      }
    },
    pause: () => child.pause(),
    resume: () => child.resume(),
    kill: (signal) => {
      if (!done) child.kill(signal);
    },
  };
}
