import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as pty from 'node-pty';

/** tsx's loader by absolute URL, so the CLI runs from source whatever folder it is started in. */
const TSX_LOADER = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs')).href;
export const CLI_SOURCE = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));
/** The argv that runs the CLI from source. */
export const CLI_COMMAND = [process.execPath, '--import', TSX_LOADER, CLI_SOURCE];

// Reads a pseudo-terminal the way a person reads a screen: wait until some text shows up.

export interface Transcript {
  text(): string;
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<void>;
}

export function recordOutput(subscribe: (listener: (data: string) => void) => unknown): Transcript {
  let output = '';
  const waiters = new Set<() => void>();
  subscribe((data) => {
    output += data;
    for (const wake of waiters) wake();
  });
  return {
    text: () => output,
    waitFor(pattern, timeoutMs = 20_000) {
      const matches = (): boolean => (typeof pattern === 'string' ? output.includes(pattern) : pattern.test(output));
      return new Promise((resolve, reject) => {
        if (matches()) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${String(pattern)}; the terminal shows:\n${output.slice(-2000)}`));
        }, timeoutMs);
        const check = (): void => {
          if (!matches()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
  };
}

export interface CliRun extends Transcript {
  write(data: string): void;
  exited: Promise<number>;
  pid: number;
}

/** Runs the claude-bottle CLI from source in a real pseudo-terminal, as a user would. */
export function runCliInTerminal(args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; command?: string[] }): CliRun {
  const command = options.command ?? [...CLI_COMMAND, ...args];
  const child = pty.spawn(command[0] as string, command.slice(1), {
    name: 'xterm-256color',
    cols: 120,
    rows: 40,
    cwd: options.cwd,
    env: options.env as Record<string, string>,
  });
  const transcript = recordOutput((listener) => child.onData(listener));
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
  return { ...transcript, write: (data) => child.write(data), exited, pid: child.pid };
}
