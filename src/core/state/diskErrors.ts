import { BottleError } from '../errors';

// A full disk (or quota) under the state root is a person's problem to solve, so the message says
// which file could not be written and what to free, instead of a bare ENOSPC.

const FULL = new Set(['ENOSPC', 'EDQUOT']);

export function isDiskFull(error: unknown): boolean {
  return FULL.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** A BottleError naming the file and, for a full disk, what to do. */
export function writeFailure(file: string, error: unknown, dir: string): BottleError {
  if (isDiskFull(error)) {
    return new BottleError('state', `no space left to write ${file}`, `free some space on the disk holding ${dir} (\`df -h ${dir}\`), then resume the bottle`, { cause: error });
  }
  return new BottleError('state', `cannot write ${file}: ${(error as Error).message}`, undefined, { cause: error });
}
