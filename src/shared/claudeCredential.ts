// Signing in: what an Anthropic credential pasted by the user must look like before it is stored.
// Shared by `claude-bottle login` and the window's Sign in dialog, so both accept and refuse the
// same things. Nothing here ever puts the value into a message. See docs/operations.md.

export type LoginKind = 'api-key' | 'oauth';

/** The stored secret's name for each kind: the variables the launch and the proxy read. */
export const LOGIN_SECRET_NAME = { 'api-key': 'ANTHROPIC_API_KEY', oauth: 'CLAUDE_CODE_OAUTH_TOKEN' } as const;

/** As in the secret store: a value goes through the environment of `docker exec`. */
export const MAX_CREDENTIAL_BYTES = 16 * 1024;

export function loginKindLabel(kind: LoginKind): string {
  return kind === 'api-key' ? 'API key' : 'subscription token';
}

/** "an API key", "a subscription token". */
export function aLoginKind(kind: LoginKind): string {
  return kind === 'api-key' ? 'an API key' : 'a subscription token';
}

/** The kind a value's prefix says, if any: Anthropic API keys and Claude Code's long-lived tokens. */
export function recogniseLoginKind(value: string): LoginKind | undefined {
  if (value.startsWith('sk-ant-api')) return 'api-key';
  if (value.startsWith('sk-ant-oat')) return 'oauth';
  return undefined;
}

/** `unknownKind`: well formed, but its prefix does not say which kind it is. */
export type CheckedCredential = { ok: true; kind: LoginKind; value: string } | { ok: false; problem: string; unknownKind?: true };

/**
 * Checks a pasted credential (surrounding blanks, such as `echo`'s newline, are dropped). `kind`
 * says which it is when its prefix does not; a prefix of the other kind is refused.
 */
export function checkCredential(raw: string, kind?: LoginKind): CheckedCredential {
  const value = raw.trim();
  if (value.length === 0) return { ok: false, problem: 'no credential was given' };
  if (new TextEncoder().encode(value).length > MAX_CREDENTIAL_BYTES) return { ok: false, problem: `the credential is longer than ${MAX_CREDENTIAL_BYTES / 1024} KiB` };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  const bad = value.search(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]/u);
  if (bad >= 0) return { ok: false, problem: `the credential holds a blank, a line break or a control character (at character ${bad + 1})` };
  const seen = recogniseLoginKind(value);
  if (kind && seen && seen !== kind) return { ok: false, problem: `this looks like ${aLoginKind(seen)} (${seen === 'api-key' ? 'sk-ant-api' : 'sk-ant-oat'}…), not ${aLoginKind(kind)}` };
  const chosen = kind ?? seen;
  if (!chosen) return { ok: false, problem: 'this is neither an Anthropic API key (sk-ant-api…) nor a subscription token (sk-ant-oat…)', unknownKind: true };
  return { ok: true, kind: chosen, value };
}

/** "API key …abcd": the kind and the last 4 characters, never more. */
export function describeLogin(kind: LoginKind, value: string): string {
  return `${loginKindLabel(kind)} …${value.slice(-4)}`;
}
