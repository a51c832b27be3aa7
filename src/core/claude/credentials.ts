import { createHash } from 'node:crypto';
import type { SecretSource } from '../plan/plan';

// The user's Anthropic credential, and the placeholder a bottle holds instead of it. Behind the
// egress proxy the real value never enters the bottle: Claude sends the placeholder, the proxy
// replaces it. The placeholder has the real one's shape (Claude Code checks the prefix), is the
// same for every launch of one bottle (its approval is stored in Claude's config), and is no
// secret. See docs/network.md.

export type CredentialKind = 'api-key' | 'oauth';

export interface ClaudeCredential {
  kind: CredentialKind;
  /** The variable Claude Code reads it from. */
  name: 'ANTHROPIC_API_KEY' | 'CLAUDE_CODE_OAUTH_TOKEN';
  value: string;
  /** Where it came from, for the preflight ("environment", "app"). */
  from: string;
}

/** An API key wins over an OAuth token when both are set, as in Claude Code itself. */
const SEARCH_ORDER = [
  { name: 'ANTHROPIC_API_KEY', kind: 'api-key' },
  { name: 'CLAUDE_CODE_OAUTH_TOKEN', kind: 'oauth' },
] as const;

export function findClaudeCredential(secrets: SecretSource): ClaudeCredential | undefined {
  for (const { name, kind } of SEARCH_ORDER) {
    const value = secrets.get(name);
    if (value) return { kind, name, value, from: secrets.whereIs(name) ?? 'environment' };
  }
  return undefined;
}

/** The variable a bottle gets for a credential kind, holding only the placeholder. */
export function credentialVariable(kind: CredentialKind): ClaudeCredential['name'] {
  return kind === 'api-key' ? 'ANTHROPIC_API_KEY' : 'CLAUDE_CODE_OAUTH_TOKEN';
}

export function placeholderCredential(kind: CredentialKind, slug: string): string {
  const tag = createHash('sha256').update(`claude-bottle-placeholder\0${slug}`).digest('hex').slice(0, 32);
  return kind === 'api-key' ? `sk-ant-api03-claude-bottle-placeholder-${tag}` : `sk-ant-oat01-claude-bottle-placeholder-${tag}`;
}

/** "API key …a1b2 (environment)": the kind and the last 4 characters, never more. */
export function describeCredential(credential: Pick<ClaudeCredential, 'kind' | 'value' | 'from'>): string {
  const kind = credential.kind === 'api-key' ? 'API key' : 'subscription token';
  return `${kind} …${credential.value.slice(-4)} (${credential.from})`;
}
