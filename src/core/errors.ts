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
    super('manifest', issues.map(formatManifestIssue).join('\n'), hint);
  }
  get file(): string {
    return this.issues[0]?.file ?? '';
  }
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

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof ManifestError) {
    const info: ErrorInfo = { kind: error.kind, message: error.message, issues: error.issues };
    if (error.hint !== undefined) info.hint = error.hint;
    return info;
  }
  if (error instanceof BottleError) {
    return error.hint === undefined
      ? { kind: error.kind, message: error.message }
      : { kind: error.kind, message: error.message, hint: error.hint };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'internal', message };
}
