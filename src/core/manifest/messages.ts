import type { z } from 'zod';

// Plain-words messages for zod's generic issues ("expected a number, got a string"), used as the
// error map of `manifestSchema.safeParse`. Messages written in schema.ts take precedence over it.

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

const EXPECTED_TYPES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
  null: 'null',
};

/** How a JSON value is named in "got …": the value itself when it is short, else its kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  // 1e999 in the file reads as Infinity.
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a number too large to hold';
  return String(value);
}

/** `"a", "b" or "c"` */
export function listWords(words: readonly string[], last = 'or'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${last} ${words.at(-1)}`;
}

function describeLimit(origin: string, bound: 'at least' | 'at most', limit: number | bigint, inclusive: boolean): string {
  if (origin === 'string') return limit === 1 && bound === 'at least' ? 'a non-empty string' : `a string of ${bound} ${limit} characters`;
  if (origin === 'array') return limit === 1 && bound === 'at least' ? 'a non-empty list' : `a list of ${bound} ${limit} entries`;
  if (inclusive) return `a number ${bound} ${limit}`;
  return `a number ${bound === 'at least' ? 'greater' : 'less'} than ${limit}`;
}

/**
 * The error map. For an unknown key it returns the allowed keys, comma-separated: validate.ts turns
 * that into one issue per unknown key, each at its own position, with a "did you mean" hint.
 */
export const describeIssue: z.core.$ZodErrorMap = (issue: RawIssue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${EXPECTED_TYPES[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v));
      const expected = values.length === 1 ? values.join('') : `one of ${listWords(values)}`;
      return `expected ${expected}, got ${typeof issue.input === 'string' ? JSON.stringify(issue.input) : describeValue(issue.input)}`;
    }
    case 'too_small':
      return `expected ${describeLimit(issue.origin, 'at least', issue.minimum, issue.inclusive ?? true)}`;
    case 'too_big':
      return `expected ${describeLimit(issue.origin, 'at most', issue.maximum, issue.inclusive ?? true)}`;
    case 'unrecognized_keys':
      return allowedKeys(issue.inst).join(', ');
    case 'invalid_format':
      return `expected a string in the format ${issue.format}`;
    case 'invalid_key':
      return 'expected a different key';
    default:
      return 'expected a different value';
  }
};

function allowedKeys(schema: unknown): string[] {
  const def = (schema as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
  return Object.keys(def?.shape ?? {});
}

/** A key that differs from an allowed one only by case or one or two typos. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = allowed.find((candidate) => candidate.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
