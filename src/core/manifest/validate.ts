import type { z } from 'zod';
import type { ManifestIssue } from '../errors';
import { issueAt, locate, sortIssues, type KeyPath, type ManifestDocument } from './locate';
import { closestKey, describeIssue } from './messages';
import { AGENT_NAME_PATTERN, agentSchema, manifestSchema, type AgentConfig, type Manifest } from './schema';

// Checks the parsed value against the strict schema and turns each zod issue into a located,
// readable ManifestIssue.

/** The parts of an invalid manifest that are valid on their own, so their paths can still be checked. */
export interface ValidParts {
  defaults: Manifest['defaults'];
  agents: Array<[string, AgentConfig]>;
}

export type ValidateResult =
  | { ok: true; manifest: Manifest }
  | { ok: false; issues: ManifestIssue[]; validParts: ValidParts };

export function validateManifest(doc: ManifestDocument, value: unknown): ValidateResult {
  const result = manifestSchema.safeParse(value, { error: describeIssue });
  if (result.success) return { ok: true, manifest: result.data };
  const issues = result.error.issues.flatMap((issue) => toManifestIssues(doc, issue, []));
  return { ok: false, issues: sortIssues(issues), validParts: validPartsOf(value) };
}

type ZodIssue = z.core.$ZodIssue;

function toManifestIssues(doc: ManifestDocument, issue: ZodIssue, prefix: KeyPath): ManifestIssue[] {
  const path: KeyPath = [...prefix, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))];
  switch (issue.code) {
    case 'invalid_union': {
      // A value that is the right kind for one option only ({ "allow": ... } for a network) is
      // reported against that option, which says more than "expected one of ...".
      const near = issue.errors.filter((branch) => branch.some((inner) => !isRootMismatch(inner)));
      const only = near.length === 1 ? near[0] : undefined;
      if (only !== undefined) return only.flatMap((inner) => toManifestIssues(doc, inner, path));
      return [issueAt(doc, path, issue.message)];
    }
    case 'unrecognized_keys': {
      // describeIssue put the allowed keys in the message (see messages.ts).
      const allowed = issue.message.split(', ').filter((key) => key !== '');
      return issue.keys.map((key) => {
        const guess = closestKey(key, allowed);
        const hint = guess === undefined ? '' : ` (did you mean "${guess}"?)`;
        const list = allowed.length > 0 ? `; allowed keys: ${allowed.join(', ')}` : '';
        return issueAt(doc, [...path, key], `unknown key "${key}"${hint}${list}`, 'key');
      });
    }
    case 'invalid_key': {
      const name = String(path.at(-1));
      const reason = issue.issues[0]?.message ?? 'expected a different name';
      return [issueAt(doc, path, `bad name "${name}": ${reason}`, 'key')];
    }
    default:
      if (path.length > 0 && locate(doc.tree, path) === undefined) {
        // The message for a missing value reads "expected X, got nothing": keep the "expected X".
        const expected = issue.message.startsWith('expected ') ? `: ${issue.message.replace(/, got nothing$/, '')}` : '';
        return [issueAt(doc, path, `missing required key "${String(path.at(-1))}"${expected}`)];
      }
      return [issueAt(doc, path, issue.message)];
  }
}

/** An option that rejected the value outright (wrong kind or wrong literal), not one of its parts. */
function isRootMismatch(issue: ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}

function validPartsOf(value: unknown): ValidParts {
  const root = isObject(value) ? value : {};
  const defaults = manifestSchema.shape.defaults.safeParse(root['defaults']);
  const agents: Array<[string, AgentConfig]> = [];
  if (isObject(root['agents'])) {
    for (const [name, raw] of Object.entries(root['agents'])) {
      const agent = agentSchema.safeParse(raw);
      if (AGENT_NAME_PATTERN.test(name) && agent.success) agents.push([name, agent.data]);
    }
  }
  return { defaults: defaults.success ? defaults.data : undefined, agents };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
