import { parseTree, printParseErrorCode, type Node, type ParseError, createScanner } from 'jsonc-parser';
import type { ManifestIssue } from '../errors';
import { createDocument, formatKeyPath, lineStartsOf, positionAt, type ManifestDocument } from './locate';

// Reads claude-bottle.json as JSON with comments and trailing commas, keeping the syntax tree so
// later stages can point at the line of any key. Syntax errors and duplicate keys become issues.

export type ParseResult =
  | { ok: true; doc: ManifestDocument; value: unknown }
  | { ok: false; issues: ManifestIssue[] };

/** Plain words for jsonc-parser's error codes, keyed by `printParseErrorCode`. */
const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a key in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected a colon',
  CommaExpected: 'expected a comma',
  CloseBraceExpected: 'expected a closing "}"',
  CloseBracketExpected: 'expected a closing "]"',
  EndOfFileExpected: 'unexpected text after the end of the document',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated comment (missing "*/")',
  UnexpectedEndOfString: 'unterminated string (missing closing quote on this line)',
  UnexpectedEndOfNumber: 'incomplete number',
  InvalidUnicode: 'invalid \\u escape in a string',
  InvalidEscapeCharacter: 'invalid escape character in a string',
  InvalidCharacter: 'invalid character in a string (control characters must be escaped)',
};

/** Objects and arrays nested deeper than this are not a manifest. */
export const MAX_DEPTH = 64;

/** Keys that would reach an object's prototype instead of becoming one of its properties. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** jsonc-parser's SyntaxKind is a const enum its typings do not export for this build setup. */
const TOKEN = { openBrace: 1, closeBrace: 2, openBracket: 3, closeBracket: 4, eof: 17 } as const;

/** The offset of the first bracket past MAX_DEPTH, found with the scanner (no recursion). */
function firstTooDeep(text: string): number | undefined {
  const scanner = createScanner(text, false);
  let depth = 0;
  for (let token: number = scanner.scan(); token !== TOKEN.eof; token = scanner.scan()) {
    if (token === TOKEN.openBrace || token === TOKEN.openBracket) {
      depth += 1;
      if (depth > MAX_DEPTH) return scanner.getTokenOffset();
    } else if (token === TOKEN.closeBrace || token === TOKEN.closeBracket) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

export function parseManifestText(file: string, rawText: string): ParseResult {
  // Editors may save a byte-order mark; it is not part of the JSON and would shift nothing visible.
  const text = rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText;
  // Checked before anything recursive runs: a deeply nested file cannot exhaust the stack.
  const tooDeep = firstTooDeep(text);
  if (tooDeep !== undefined) {
    return { ok: false, issues: [{ file, ...positionAt(lineStartsOf(text), tooDeep), keyPath: '', message: `nested deeper than ${MAX_DEPTH} levels: a manifest is a few levels deep` }] };
  }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined || tree === undefined) {
    // Only the first syntax error is reported: after it, the parser's recovery is a guess and its
    // later errors are mostly echoes of the first one.
    const lineStarts = lineStartsOf(text);
    const offset = first?.offset ?? 0;
    return {
      ok: false,
      issues: [{ file, ...positionAt(lineStarts, offset), keyPath: '', message: syntaxMessage(text, tree, first) }],
    };
  }
  const doc = createDocument(file, text, tree);
  const issues: ManifestIssue[] = [];
  const value = toValue(doc, tree, [], issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, doc, value };
}

function syntaxMessage(text: string, tree: Node | undefined, error: ParseError | undefined): string {
  if (text.trim() === '') {
    return 'the file is empty: expected a JSON object such as { "version": 1, "agents": { ... } }';
  }
  if (error === undefined) return 'not a JSON document';
  const code = printParseErrorCode(error.error);
  const phrase = SYNTAX_MESSAGES[code] ?? code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  if (error.offset >= text.length) return `unexpected end of file: ${phrase}`;
  if (tree !== undefined && error.offset >= tree.offset + tree.length) return 'unexpected text after the end of the document';
  return phrase;
}

/**
 * The tree's value, built by hand rather than with `getNodeValue` so that a duplicate key is an
 * issue (a security config must not silently take the last one) and `"__proto__"` (which would
 * change an object's prototype instead of becoming a key) is refused where it stands. `path` is one
 * stack, pushed and popped, and copied only for an issue: a large file stays quick.
 */
function toValue(doc: ManifestDocument, node: Node, path: (string | number)[], issues: ManifestIssue[]): unknown {
  if (node.type === 'array') {
    return (node.children ?? []).map((child, i) => {
      path.push(i);
      const value = toValue(doc, child, path, issues);
      path.pop();
      return value;
    });
  }
  if (node.type !== 'object') return node.value;
  const out: Record<string, unknown> = {};
  const firstSeen = new Map<string, Node>();
  for (const property of node.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    if (keyNode === undefined || valueNode === undefined) continue;
    const key = String(keyNode.value);
    if (RESERVED_KEYS.has(key)) {
      issues.push({ file: doc.file, ...positionAt(doc.lineStarts, keyNode.offset), keyPath: formatKeyPath([...path, key]), message: `"${key}" cannot be used as a key (it names a part of every object)` });
      continue;
    }
    const earlier = firstSeen.get(key);
    if (earlier !== undefined) {
      const firstLine = positionAt(doc.lineStarts, earlier.offset).line;
      issues.push({
        file: doc.file,
        ...positionAt(doc.lineStarts, keyNode.offset),
        keyPath: formatKeyPath([...path, key]),
        message: `duplicate key "${key}" (already set on line ${firstLine}); each key may appear only once`,
      });
      continue;
    }
    firstSeen.set(key, keyNode);
    path.push(key);
    // A plain assignment is safe: "__proto__", the one key with a setter, was refused above.
    out[key] = toValue(doc, valueNode, path, issues);
    path.pop();
  }
  return out;
}
