import { showUntrusted } from './text/untrusted';

// Errors are values with a kind and a human message. The window, the CLI and the browser mode all
// render the same `BottleError`, and it crosses process boundaries as plain data (`toErrorInfo`).

export type ErrorKind =
  | 'manifest' // claude-bottle.json is missing, unparsable or invalid
  | 'docker-unavailable' // the daemon cannot be reached
  | 'image-missing' // an image is neither present nor pullable
  | 'build-failed' // an image build reported an error
  | 'container-failed' // creating or starting the container failed
  | 'network-failed' // the bottle's network or egress proxy could not be set up or checked
  | 'state' // the state folder is missing, corrupt or not writable
  | 'not-found' // a bottle, agent or project that was named does not exist
  | 'unsupported' // the manifest asks for something this version cannot enforce
  | 'cancelled' // the user (or a signal) cancelled
  | 'usage' // bad command-line arguments or API input
  | 'internal';

export class BottleError extends Error {
  override readonly name: string = 'BottleError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** A next step for the person reading the message, when there is one. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One problem in a manifest, located in its file. */
export interface ManifestIssue {
  file: string;
  /** 1-based; 0 when the problem has no position (the file is missing). */
  line: number;
  column: number;
  /** e.g. `agents.reviewer.mounts[1].target`; empty for the whole document. */
  keyPath: string;
  message: string;
}

export class ManifestError extends BottleError {
  override readonly name = 'ManifestError';
  constructor(
    readonly issues: ManifestIssue[],
    hint?: string,
  ) {
    super('manifest', formatManifestIssues(issues), hint);
  }
  get file(): string {
    return this.issues[0]?.file ?? '';
  }
}

/** A message lists this many issues at most; a file with thousands of mistakes says how many more. */
export const MAX_SHOWN_ISSUES = 100;

/** One line per issue, the first MAX_SHOWN_ISSUES of them. */
export function formatManifestIssues(issues: readonly ManifestIssue[]): string {
  const shown = issues.slice(0, MAX_SHOWN_ISSUES).map(formatManifestIssue);
  const more = issues.length - MAX_SHOWN_ISSUES;
  if (more > 0) shown.push(`… and ${more} more problem${more === 1 ? '' : 's'} in ${issues[0]?.file ?? 'the manifest'}`);
  return shown.join('\n');
}

export function formatManifestIssue(issue: ManifestIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  const key = issue.keyPath ? ` ${issue.keyPath}:` : '';
  return `${where}:${key} ${issue.message}`;
}

/** The serialisable shape of an error, for IPC, WebSocket and JSON output. */
export interface ErrorInfo {
  kind: ErrorKind;
  message: string;
  hint?: string;
  issues?: ManifestIssue[];
}

/**
 * Errors quote manifest values, paths and build output: every line of the message and the hint is
 * shown with control characters and invisible format characters escaped (docs/security.md), in the
 * CLI and the window alike. The message's own line breaks stay; a manifest issue is one line each.
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof ManifestError) {
    const issues = error.issues.map((issue) => ({ ...issue, file: showUntrusted(issue.file), keyPath: showUntrusted(issue.keyPath), message: showUntrusted(issue.message) }));
    const info: ErrorInfo = { kind: error.kind, message: formatManifestIssues(issues), issues };
    if (error.hint !== undefined) info.hint = shownLines(error.hint);
    return info;
  }
  if (error instanceof BottleError) {
    return error.hint === undefined
      ? { kind: error.kind, message: shownLines(error.message) }
      : { kind: error.kind, message: shownLines(error.message), hint: shownLines(error.hint) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message: shownLines(message) };
}

function shownLines(text: string): string {
  return text
    .split('\n')
    .map((line) => showUntrusted(line, 2000))
    .join('\n');
}
