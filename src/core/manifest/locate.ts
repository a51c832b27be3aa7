import type { Node } from 'jsonc-parser';
import type { ManifestIssue } from '../errors';

// Every issue names a line and column, so every stage that finds a problem needs to map a key path
// back to the text. This module owns that mapping; parse, validate and resolve share it.

export type KeyPath = readonly (string | number)[];

/** A parsed manifest file: its text, its syntax tree and where each line starts. */
export interface ManifestDocument {
  file: string;
  text: string;
  tree: Node;
  lineStarts: number[];
}

/** Which part of a property an issue points at. */
export type Anchor =
  | 'value' // the offending value (a wrong type, a bad string)
  | 'key'; // the property name (an unknown key, a bad agent name)

export function createDocument(file: string, text: string, tree: Node): ManifestDocument {
  return { file, text, tree, lineStarts: lineStartsOf(text) };
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 1-based line and column of a character offset. */
export function positionAt(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
}

/** The value node at `path`, or undefined when the file has no such key. */
export function locate(tree: Node, path: KeyPath): Node | undefined {
  let node: Node | undefined = tree;
  for (const segment of path) {
    if (node === undefined) return undefined;
    node = childAt(node, segment);
  }
  return node;
}

/** Each object's properties by key, built on first use: one issue per agent stays linear in agents. */
const propertiesByKey = new WeakMap<Node, Map<string, Node>>();

function childAt(node: Node, segment: string | number): Node | undefined {
  if (node.type === 'array') return typeof segment === 'number' ? node.children?.[segment] : undefined;
  if (node.type !== 'object' || typeof segment !== 'string') return undefined;
  let byKey = propertiesByKey.get(node);
  if (byKey === undefined) {
    byKey = new Map();
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      // The first of duplicate keys, as jsonc-parser's findNodeAtLocation finds it.
      if (key !== undefined && value !== undefined && !byKey.has(String(key.value))) byKey.set(String(key.value), value);
    }
    propertiesByKey.set(node, byKey);
  }
  return byKey.get(segment);
}

/** The node of `path`, falling back to its nearest ancestor that exists (a missing key points at its parent). */
export function locateNearest(tree: Node, path: KeyPath, anchor: Anchor = 'value'): Node {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = locate(tree, path.slice(0, depth));
    if (node === undefined) continue;
    // An object's property name sits in the property node, before the value.
    const keyNode = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    return anchor === 'key' && depth === path.length && keyNode !== undefined ? keyNode : node;
  }
  return tree;
}

/** `agents.reviewer.mounts[1].target`; keys that are not plain words are quoted: `agents["v1.2"]`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function issueAt(doc: ManifestDocument, path: KeyPath, message: string, anchor: Anchor = 'value'): ManifestIssue {
  const node = locateNearest(doc.tree, path, anchor);
  return { file: doc.file, ...positionAt(doc.lineStarts, node.offset), keyPath: formatKeyPath(path), message };
}

/** Issues in reading order, so the first one shown is the first one in the file. */
export function sortIssues(issues: ManifestIssue[]): ManifestIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column || a.keyPath.localeCompare(b.keyPath));
}
