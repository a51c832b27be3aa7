// Docker memory sizes ("512m", "1.5g", a bare number of bytes) in bytes.

/** Docker refuses a memory limit below 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
/** No machine has more than a pebibyte of memory; past it a value is a typo (or an overflow). */
export const MAX_MEMORY_BYTES = 1024 ** 5;

const UNIT_BYTES: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes, or undefined when `size` is not a memory size. */
export function parseMemorySize(size: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)([bkmg]?)$/i.exec(size.trim());
  const unit = UNIT_BYTES[(match?.[2] ?? '').toLowerCase()];
  if (match === null || unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes <= MAX_MEMORY_BYTES ? bytes : undefined;
}
