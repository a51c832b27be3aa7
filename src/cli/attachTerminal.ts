import type { RunningBottle } from '../core/launcher';
import { type Disposable, DisposableStore, listen, toDisposable } from '../core/lifecycle/disposable';

/**
 * Hands this process's terminal to Claude's session and gives it back intact when disposed: raw
 * mode while the session runs (so Ctrl-C, arrows and Shift+Enter reach Claude), the previous mode
 * afterwards.
 */
export function attachTerminal(running: RunningBottle, options: { intercept?: (chunk: string) => boolean } = {}): Disposable {
  const { stdin, stdout } = process;
  const held = new DisposableStore();
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  // Released newest first: the listeners go, then the terminal mode comes back, then input stops.
  held.add(toDisposable(() => stdin.pause()));
  if (stdin.isTTY) {
    stdin.setRawMode(true);
    held.add(toDisposable(() => stdin.setRawMode(wasRaw)));
  }
  held.add(
    listen(stdin, 'data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (!options.intercept?.(text)) running.session.write(text);
    }),
  );
  stdin.resume();
  if (stdout.isTTY) held.add(listen(stdout, 'resize', () => running.session.resize(stdout.columns, stdout.rows)));
  // Flow control: a terminal slower than Claude's output pauses the pty instead of buffering forever.
  held.add(listen(stdout, 'drain', () => running.session.resume()));
  held.add(
    running.session.onData((data) => {
      if (!stdout.write(data)) running.session.pause();
    }),
  );
  return held;
}
