import { runCli } from './program';

/**
 * The `claude-bottle` command. Exits only after stdout has drained, so piped output is complete.
 * A function (not top-level code) so that the bundle bin/claude-bottle.js runs can be a script,
 * which V8 can load from a code cache (see bin/runBundle.js).
 */
export async function main(argv: string[]): Promise<void> {
  const code = await runCli(argv);
  process.exitCode = code;
  if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => process.exit(code));
  else process.exit(code);
}
