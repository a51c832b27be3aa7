import { createInterface } from 'node:readline/promises';

/** Asks `question [y/N]` on the terminal; anything but y/yes (Ctrl-C and Ctrl-D included) is a no. */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  const cancel = new AbortController();
  readline.on('SIGINT', () => cancel.abort());
  readline.on('close', () => cancel.abort());
  try {
    const answer = await readline.question(`${question} [y/N] `, { signal: cancel.signal });
    return /^(y|yes)$/i.test(answer.trim());
  } catch {
    process.stderr.write('\n');
    return false;
  } finally {
    readline.close();
  }
}
