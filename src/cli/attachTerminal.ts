import type { RunningBottle } from '../core/launcher';

/**
 * Hands this process's terminal to Claude's session and gives it back intact: raw mode while the
 * session runs (so Ctrl-C, arrows and Shift+Enter reach Claude), the previous mode afterwards.
 */
export function attachTerminal(running: RunningBottle): () => void {
  const { stdin, stdout } = process;
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  if (stdin.isTTY) stdin.setRawMode(true);
  const onInput = (chunk: Buffer): void => running.session.write(chunk.toString('utf8'));
  const onResize = (): void => running.session.resize(stdout.columns, stdout.rows);
  stdin.on('data', onInput);
  stdin.resume();
  if (stdout.isTTY) stdout.on('resize', onResize);
  // Flow control: a terminal slower than Claude's output pauses the pty instead of buffering forever.
  const onDrain = (): void => running.session.resume();
  stdout.on('drain', onDrain);
  const output = running.session.onData((data) => {
    if (!stdout.write(data)) running.session.pause();
  });
  return () => {
    output.dispose();
    stdout.off('drain', onDrain);
    stdin.off('data', onInput);
    stdout.off('resize', onResize);
    if (stdin.isTTY) stdin.setRawMode(wasRaw);
    stdin.pause();
  };
}
