import { BottleError, toErrorInfo } from '../core/errors';
import { showUntrusted } from '../core/text/untrusted';
import { exitCodeFor, EXIT } from './exitCodes';

const useColor = (stream: NodeJS.WriteStream): boolean => stream.isTTY === true && !process.env.NO_COLOR;

export function paintError(text: string): string {
  return useColor(process.stderr) ? `\x1b[1;31m${text}\x1b[0m` : text;
}

export function paintDim(text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return useColor(stream) ? `\x1b[2m${text}\x1b[0m` : text;
}

/** Prints an error the way the window shows it (message, then a hint) and returns the exit code. */
export function reportError(error: unknown): number {
  const info = toErrorInfo(error);
  process.stderr.write(`${paintError('claude-bottle: error:')} ${info.message}\n`);
  if (info.hint) process.stderr.write(`  hint: ${info.hint}\n`);
  if (!(error instanceof BottleError) && error instanceof Error && process.env.CLAUDE_BOTTLE_DEBUG) {
    process.stderr.write(`${error.stack}\n`);
  }
  return error instanceof BottleError ? exitCodeFor(error.kind) : EXIT.internal;
}

/**
 * Column-aligned rows for `ls` and `ps`. Cells hold manifest text and paths: each is shown with its
 * control characters escaped, so none can redraw the screen or add a row (docs/security.md).
 */
export function table(cells: string[][]): string {
  const rows = cells.map((row) => row.map((cell) => showUntrusted(cell, 300)));
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ')).join('\n');
}
