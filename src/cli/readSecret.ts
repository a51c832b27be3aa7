import { BottleError } from '../core/errors';

// Reading a credential without echoing it: on a terminal, keystrokes are read in raw mode and
// nothing is shown; from a pipe (`echo $KEY | claude-bottle login`), standard input is read whole,
// with a bound so that a stream of junk cannot fill memory.

/** Enough for any credential the store accepts (16 KiB) plus blanks around it. */
const MAX_PIPED_BYTES = 64 * 1024;

export async function readSecretFromPipe(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += data.length;
    if (size > MAX_PIPED_BYTES) {
      input.destroy();
      throw new BottleError('usage', `standard input holds more than ${MAX_PIPED_BYTES / 1024} KiB: not a credential`);
    }
    chunks.push(data);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks on the terminal with the input hidden; Ctrl-C or Ctrl-D on an empty line cancels. */
export function readSecretFromTerminal(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || (char === '\u0004' && typed.length === 0)) return finish(new BottleError('cancelled', 'login cancelled: nothing was stored'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (typed.length <= MAX_PIPED_BYTES) typed += char;
      }
    };
    // Echo goes off before the prompt shows: nothing typed or pasted after it is ever echoed.
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
    output.write(prompt);
  });
}
