import type { BottleStatus, ErrorInfo, ManifestIssue, PreparedView } from '#contract';

// Small pure helpers that turn the core's data into words for the window.

/** `2h 05m`, `4m 09s`, `12s`. */
export function formatUptime(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** `just now`, `5 min ago`, `3 h ago`, `yesterday`, else the date. */
export function formatWhen(iso: string, now: number = Date.now()): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  if (seconds < 2 * 86_400) return 'yesterday';
  return new Date(time).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** The last path component, for a project's short name. */
export function baseName(path: string): string {
  const trimmed = path.replace(/[/\\]+$/, '');
  const index = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return index >= 0 ? trimmed.slice(index + 1) || trimmed : trimmed;
}

/** What a tab says about its bottle. */
/** What Claude is doing, from its hooks, in the tab's words. */
export const ATTENTION_LABELS = { working: 'working', waiting: 'waiting for you', done: 'done' } as const;

/** `2026-12-04T06:03:00.000Z` → `06:03` in local time ('' when it is not a time). */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function statusLabel(status: BottleStatus | undefined): string {
  if (!status) return 'attaching';
  switch (status.status) {
    case 'building':
      return status.progress?.fraction !== undefined ? `building ${Math.round(status.progress.fraction * 100)}%` : 'building';
    case 'starting':
      return 'starting';
    case 'running':
      if (status.pendingRequests) return 'running · asks for a capability';
      return status.attention ? `running · ${[ATTENTION_LABELS[status.attention.state], clockTime(status.attention.since)].filter(Boolean).join(' ')}` : 'running';
    case 'exited':
      // The core says 'stopped' when someone pressed Stop (the exit code is then Docker's kill).
      return status.message === 'stopped' ? 'stopped' : `exited ${status.exitCode ?? 0}`;
    case 'preserved': {
      // The core's summary names a memory-limit death: say that rather than "exit 137".
      const outOfMemory = /out of memory \(limit [^)]{1,20}\)/.exec(status.message ?? '');
      if (outOfMemory) return `preserved: ${outOfMemory[0]}`;
      return status.exitCode !== undefined ? `preserved (exit ${status.exitCode})` : 'preserved';
    }
    case 'failed':
      // Set by the window when the process that ran the session went away (see state/slices/bottles.ts).
      return status.message === 'disconnected' ? 'disconnected' : 'failed';
  }
}

export function isLive(status: BottleStatus | undefined): boolean {
  return status !== undefined && (status.status === 'building' || status.status === 'starting' || status.status === 'running');
}

/** `claude-bottle.json:4:17` — where a manifest problem is, as editors and compilers write it. */
export function issueLocation(issue: ManifestIssue): string {
  return issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
}

export function errorTitle(error: ErrorInfo): string {
  switch (error.kind) {
    case 'manifest':
      return 'The manifest has a problem';
    case 'docker-unavailable':
      return 'Docker is not reachable';
    case 'image-missing':
      return 'The image is missing';
    case 'build-failed':
      return 'The image build failed';
    case 'container-failed':
      return 'The container could not start';
    case 'network-failed':
      return "The bottle's network could not be set up";
    case 'not-found':
      return 'Not found';
    case 'state':
      return 'The state folder has a problem';
    case 'unsupported':
      return 'Not supported here';
    case 'cancelled':
      return 'Cancelled';
    case 'usage':
      return 'That did not work';
    case 'internal':
      return 'Something went wrong';
  }
}

/** The preflight as plain text, exactly the rows the dialog shows (and the CLI prints with --dry-run). */
export function preflightText(view: PreparedView): string {
  const width = Math.max(0, ...view.rows.map((row) => row.label.length)) + 2;
  const out = [view.title, `  ${view.subtitle}`, ''];
  for (const row of view.rows) {
    row.lines.forEach((entry, index) => {
      out.push(`  ${(index === 0 ? row.label : '').padEnd(width)}${entry.text}`);
    });
  }
  if (view.warnings.length > 0) {
    out.push('');
    for (const warning of view.warnings) out.push(`  ! ${warning}`);
  }
  return `${out.join('\n')}\n`;
}

/** The slug's random tail (`a643`), to tell apart two bottles of the same agent. */
export function shortId(slug: string): string {
  return slug.slice(slug.lastIndexOf('-') + 1);
}

/** Agent names that more than one of these bottles share. */
export function sharedAgents(entries: { agent: string }[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const { agent } of entries) (seen.has(agent) ? shared : seen).add(agent);
  return shared;
}

/**
 * The allow-list entry for a host and port the proxy refused: the bare host on the default ports
 * (0: a request with no port), else `host:port`, with an IPv6 address in brackets so that its
 * colons are not read as the port's.
 */
export function allowEntryFor(host: string, port: number): string {
  if (port === 80 || port === 443 || port === 0) return host;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
