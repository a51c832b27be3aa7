import { randomBytes } from 'node:crypto';
import { readRegularFile, UnsafeFileError } from '../fs/safeFiles';
import fs from 'node:fs/promises';
import path from 'node:path';
import { applyEdits, findNodeAtLocation, type FormattingOptions, getNodeValue, modify, type Node } from 'jsonc-parser';
import { AllowListError, parseAllowEntry } from '../network/allowList';
import { BottleError, ManifestError } from '../errors';
import { loadManifestText } from './load';
import { parseManifestText } from './parse';

// Edits of claude-bottle.json that the app makes for the user (adding a refused host to an
// agent's allow-list), made with jsonc-parser's edit operations so that comments, order and
// layout survive, checked by loading the result before anything is written. See docs/manifest.md.

/** A manifest larger than this is not edited by the app. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface AllowEdit {
  /** The allow-list the agent has after the edit. */
  hosts: string[];
  /** False when the host was already listed (nothing was written). */
  changed: boolean;
}

/** Adds `host` to `agent`'s allow-list in `file`, keeping the file's comments and layout. */
export async function addAllowedHost(file: string, agent: string, host: string): Promise<AllowEdit> {
  try {
    parseAllowEntry(host);
  } catch (error) {
    if (error instanceof AllowListError) throw new BottleError('usage', `cannot add ${JSON.stringify(host)} to the allow-list: ${error.message}`);
    throw error;
  }
  const text = await readManifest(file);
  // Parsed as loading does (depth checked first): the file may have changed since it was loaded.
  const parsed = parseManifestText(file, text);
  if (!parsed.ok) throw new ManifestError(parsed.issues);
  const tree = parsed.doc.tree;
  if (!findNodeAtLocation(tree, ['agents', agent])) throw new BottleError('not-found', `no agent "${agent}" in ${file}`);
  const own = findNodeAtLocation(tree, ['agents', agent, 'network']);
  const fallback = findNodeAtLocation(tree, ['defaults', 'network']);
  const effective: unknown = own ? getNodeValue(own) : fallback ? getNodeValue(fallback) : 'open';
  const current = allowListOf(effective);
  if (current === undefined) {
    throw new BottleError('unsupported', `agent "${agent}" has "network": ${JSON.stringify(effective)}, not an allow-list`, 'only an agent with "network": { "allow": [...] } has hosts to add');
  }
  if (current.includes(host)) return { hosts: current, changed: false };
  const list = own ? findNodeAtLocation(own, ['allow']) : undefined;
  const next = list
    ? appendToArray(text, list, JSON.stringify(host))
    : // The agent took the default's list: it gets its own, with the default's hosts kept.
      applyEdits(text, modify(text, ['agents', agent, 'network'], { allow: [...current, host] }, { formattingOptions: detectFormatting(text) }));
  // Never write a manifest that no longer loads.
  loadManifestText(file, next);
  await replaceFile(file, next);
  return { hosts: [...current, host], changed: true };
}

/**
 * Inserts `item` after the array's last element, in the array's own style: on the same line for
 * an inline list, on a new line with the same indentation for a list written one per line.
 */
function appendToArray(text: string, array: Node, item: string): string {
  const last = array.children?.at(-1);
  if (!last) {
    const open = array.offset + 1;
    return `${text.slice(0, open)}${item}${text.slice(array.offset + array.length - 1)}`;
  }
  const end = last.offset + last.length;
  const lineStart = text.lastIndexOf('\n', last.offset) + 1;
  const before = text.slice(lineStart, last.offset);
  const onItsOwnLine = before.trim() === '';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const insertion = onItsOwnLine ? `,${eol}${before}${item}` : `, ${item}`;
  return `${text.slice(0, end)}${insertion}${text.slice(end)}`;
}

function allowListOf(network: unknown): string[] | undefined {
  if (network === null || typeof network !== 'object' || Array.isArray(network)) return undefined;
  const allow = (network as { allow?: unknown }).allow;
  return Array.isArray(allow) ? allow.filter((item): item is string => typeof item === 'string') : undefined;
}

/** Indentation as the file already has it (two spaces when it cannot tell). */
function detectFormatting(text: string): FormattingOptions {
  const indented = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return indented.startsWith('\t') ? { insertSpaces: false, tabSize: 1, eol } : { insertSpaces: true, tabSize: indented.length, eol };
}

async function readManifest(file: string): Promise<string> {
  try {
    return (await readRegularFile(file, { maxBytes: MAX_MANIFEST_BYTES, followLinks: true })).toString('utf8');
  } catch (error) {
    if (error instanceof UnsafeFileError) throw new BottleError('usage', `${file} cannot be edited: it ${error.why}`, 'edit it by hand');
    throw new BottleError('not-found', `${file} is not a manifest file`);
  }
}

/** Written beside the file and renamed over it: a crash never leaves half a manifest. */
async function replaceFile(file: string, text: string): Promise<void> {
  const mode = (await fs.stat(file)).mode & 0o777;
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  await fs.writeFile(temp, text, { mode, flag: 'wx' });
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
