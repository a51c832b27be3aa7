import { homedir } from 'node:os';
import { parseAllowEntry, ruleMatchesName } from '../network/allowList';
import { showUntrusted as u } from '../text/untrusted';
import { type BottlePlan, CAPABILITY_PROMPT_START, isRootUser, type PlannedMount, type RequestablePlan } from './plan';
import { IN_BOTTLE } from '../channel/layout';
import type { ClaudeSetupSurvey, FoundPart } from '../claude/inherit';

// One renderer turns a plan into what a person reviews. The window draws the same rows as the
// CLI prints, so the two can never disagree about what a bottle gets. Every value that came from
// the manifest (or the file system) passes through `u` (showUntrusted): control characters and
// newlines are shown as escapes, so a crafted value cannot redraw or forge the plan.

export type Tone = 'normal' | 'muted' | 'good' | 'warn' | 'danger';

export interface PreflightLine {
  text: string;
  tone: Tone;
}

export interface PreflightRow {
  label: string;
  lines: PreflightLine[];
}

export interface Preflight {
  title: string;
  subtitle: string;
  rows: PreflightRow[];
  warnings: string[];
}

const line = (text: string, tone: Tone = 'normal'): PreflightLine => ({ text, tone });

export function describePreflight(plan: BottlePlan): Preflight {
  const rows: PreflightRow[] = [
    { label: 'image', lines: imageLines(plan) },
    { label: 'user', lines: [userLine(plan)] },
    { label: 'workdir', lines: [line(u(plan.workdir))] },
    { label: 'project', lines: [projectLine(plan)] },
    { label: 'mounts', lines: mountLines(plan.mounts) },
    { label: 'env', lines: envLines(plan.env) },
    { label: 'secrets', lines: secretLines(plan) },
    { label: 'network', lines: networkLines(plan) },
    { label: "Claude's API", lines: claudeApiLines(plan) },
    { label: 'limits', lines: [line(`memory ${formatBytes(plan.resources.memory)} · ${plan.resources.cpus} CPU${plan.resources.cpus === 1 ? '' : 's'} · ${plan.resources.pids} processes`)] },
    { label: 'hardening', lines: hardeningLines(plan) },
    { label: 'claude', lines: [line(plan.claude.args.map((arg) => (arg.startsWith(CAPABILITY_PROMPT_START) ? '<how to ask for the capabilities below>' : u(shellQuote(arg)))).join(' ')), line("Claude's permission prompts are off; you accept this by confirming", 'warn')] },
    ...(plan.claudeSetup ? [{ label: 'Claude setup', lines: claudeSetupLines(plan.claudeSetup) }] : []),
  ];
  if (plan.grantedCapabilities.length > 0) {
    rows.push({ label: 'granted', lines: plan.grantedCapabilities.map((name) => line(u(name), 'warn')) });
  }
  if (plan.requestable.length > 0) {
    rows.push({ label: 'requestable', lines: [line('the agent may ask for these while it runs (bottle-request); you decide each time', 'muted'), ...plan.requestable.flatMap(requestableLines)] });
  }
  if (plan.changes.length > 0) {
    rows.push({ label: 'CHANGED', lines: [line('since you last confirmed this bottle:', 'danger'), ...plan.changes.map((change) => line(change, 'danger'))] });
  }
  if (plan.resume) {
    rows.push({
      label: 'resume',
      lines: [plan.continueConversation ? line('continues the previous conversation (--continue)', 'good') : line('no previous conversation was saved: starts a new one', 'warn')],
    });
  }
  return {
    title: `${plan.resume ? 'Resume' : 'Start'} bottle ${plan.slug}`,
    subtitle: `agent "${plan.agent}" of ${u(tildify(plan.projectRoot))}${plan.description ? ` — ${u(plan.description, 300)}` : ''}`,
    rows,
    warnings: plan.warnings.map((warning) => u(warning)),
  };
}

/** The preflight as terminal text; `color` adds ANSI colours for a tty. */
export function renderPreflight(plan: BottlePlan, { color = false }: { color?: boolean } = {}): string {
  const preflight = describePreflight(plan);
  const paint = (text: string, tone: Tone): string => (color ? `${TONE_CODES[tone]}${text}\x1b[0m` : text);
  const width = Math.max(...preflight.rows.map((row) => row.label.length)) + 2;
  const out = [paint(preflight.title, 'normal'), paint(`  ${preflight.subtitle}`, 'muted'), ''];
  for (const row of preflight.rows) {
    row.lines.forEach((entry, index) => {
      const label = index === 0 ? row.label.padEnd(width) : ' '.repeat(width);
      out.push(`  ${paint(label, 'muted')}${paint(entry.text, entry.tone)}`);
    });
  }
  if (preflight.warnings.length > 0) {
    out.push('');
    for (const warning of preflight.warnings) out.push(paint(`  ! ${warning}`, 'danger'));
  }
  return `${out.join('\n')}\n`;
}

const TONE_CODES: Record<Tone, string> = {
  normal: '\x1b[0m',
  muted: '\x1b[2m',
  good: '\x1b[32m',
  warn: '\x1b[33m',
  danger: '\x1b[1;31m',
};

function imageLines(plan: BottlePlan): PreflightLine[] {
  const base =
    plan.image.kind === 'image'
      ? line(u(plan.image.ref))
      : line(
          `built from ${u(tildify(plan.image.dockerfile))} (context ${u(tildify(plan.image.context))}${plan.image.outsideProject ? ', outside the project folder' : ''})`,
          plan.image.dangerousReason ? 'danger' : plan.image.outsideProject ? 'warn' : 'normal',
        );
  return plan.copyProject ? [base, line('+ a copy of the project baked in (derived image, reused while the project is unchanged)', 'muted')] : [base];
}

function projectLine(plan: BottlePlan): PreflightLine {
  // A project folder that reaches what docs/security.md refuses is red, whatever the mode.
  const tone = (usual: Tone): Tone => (plan.projectDangerousReason ? 'danger' : usual);
  switch (plan.project) {
    case 'mount-rw':
      return line(`${u(tildify(plan.projectRoot))} mounted read-write at ${u(plan.workdir)}`, tone('warn'));
    case 'mount-ro':
      return line(`${u(tildify(plan.projectRoot))} mounted read-only at ${u(plan.workdir)}`, tone('normal'));
    case 'copy':
      return line(`a copy of ${u(tildify(plan.projectRoot))} at ${u(plan.workdir)} (changes stay in the bottle)`, tone('good'));
    case 'none':
      return line('not available in the bottle', 'muted');
  }
}

/** One requestable capability: its name and description, then exactly what granting it adds. */
export function requestableLines(capability: RequestablePlan): PreflightLine[] {
  const lines = [line(`${u(capability.name)} — ${u(capability.description, 300)}`)];
  for (const mount of capability.mounts) lines.push(line(`  adds mount ${mount.readonly ? 'ro' : 'rw'}  ${u(tildify(mount.source))} → ${u(mount.target)}`, mount.readonly ? 'normal' : 'warn'));
  if (capability.secrets.length > 0) lines.push(line(`  adds secrets ${capability.secrets.map((name) => u(name)).join(', ')}`, 'warn'));
  if (capability.hosts === 'open') lines.push(line('  opens the network (Docker\'s bridge, anything this machine can reach)', 'danger'));
  else if (capability.hosts.length > 0) lines.push(...packList('  adds hosts ', capability.hosts.map((host) => u(host))).map((text) => line(text, 'warn')));
  if (lines.length === 1) lines.push(line('  adds nothing', 'muted'));
  return lines;
}

function mountLines(mounts: PlannedMount[]): PreflightLine[] {
  const extra = mounts.filter((mount) => mount.origin !== 'project' && mount.origin !== 'control-channel');
  const channel = mounts.some((mount) => mount.origin === 'control-channel')
    ? [line(`rw  control channel → ${IN_BOTTLE.channel}, ro answers and helpers → ${IN_BOTTLE.answers}, ${IN_BOTTLE.bin}  (requests and Claude's hooks to the app)`)]
    : [];
  return [...extra.map((mount) => {
    const mode = mount.readonly ? 'ro' : 'rw';
    const note = mount.origin === 'claude-storage' ? "  (Claude's storage, kept for resume)" : mount.origin.startsWith('capability:') ? `  (${u(mount.origin)})` : '';
    const tone: Tone = mount.dangerousReason ? 'danger' : mount.readonly || mount.origin === 'claude-storage' ? 'normal' : 'warn';
    return line(`${mode}  ${u(tildify(mount.source))} → ${u(mount.target)}${note}`, tone);
  }), ...channel];
}

function envLines(env: Record<string, string>): PreflightLine[] {
  const names = Object.keys(env).sort();
  return names.length === 0 ? [line('(none)', 'muted')] : names.map((name) => line(`${u(name)}=${u(env[name] ?? '')}`));
}

function secretLines(plan: BottlePlan): PreflightLine[] {
  if (plan.secrets.length === 0) return [line('(none)', 'muted')];
  return plan.secrets.map((secret) => {
    const origin = secret.origin === 'agent' ? '' : secret.origin === 'claude' ? " (Claude's credential)" : ` (${u(secret.origin)})`;
    return secret.available ? line(`${u(secret.name)}  from the ${secret.from}${origin}`) : line(`${u(secret.name)}  MISSING${origin}`, 'danger');
  });
}

/**
 * A preflight row's list as lines of about 100 characters; a list that would need more than 400
 * lines (the window takes 500 a row) gets as many items on each line as it takes to fit.
 */
function packList(prefix: string, items: readonly string[]): string[] {
  const pieces = items.map((item, index) => (index < items.length - 1 ? `${item},` : item));
  const indent = ' '.repeat(prefix.length);
  const byWidth: string[][] = [];
  let current: string[] = [];
  let width = prefix.length;
  for (const piece of pieces) {
    if (current.length > 0 && width + 1 + piece.length > 100) {
      byWidth.push(current);
      current = [];
      width = prefix.length;
    }
    current.push(piece);
    width += (current.length > 1 ? 1 : 0) + piece.length;
  }
  byWidth.push(current);
  const maxLines = 400;
  let groups = byWidth;
  if (byWidth.length > maxLines) {
    const perLine = Math.ceil(pieces.length / maxLines);
    groups = [];
    for (let i = 0; i < pieces.length; i += perLine) groups.push(pieces.slice(i, i + perLine));
  }
  return groups.map((group, index) => (index === 0 ? prefix : indent) + group.join(' '));
}

function networkLines(plan: BottlePlan): PreflightLine[] {
  switch (plan.network.mode) {
    case 'none':
      return [line('none (no network at all)', 'good')];
    case 'open':
      return [line('open: Docker\'s bridge, anything this machine can reach', 'danger')];
    case 'allow': {
      const hosts = plan.network.hosts;
      return [
        ...(hosts.length === 0 ? [line("allow-list: nothing but Claude's API", 'good')] : packList('allow-list: ', hosts.map((host) => u(host))).map((text) => line(text, 'normal'))),
        line('through an egress proxy (HTTP and HTTPS only, every request logged); no DNS, no other way out', 'good'),
        // The launch log has the result (docs/network.md, "Fail closed").
        line('checked from inside the bottle before Claude starts: a direct connection and a DNS lookup must fail, the proxy must answer', 'good'),
        ...(hosts.some(opensAnthropicDirectly) ? [line('the list names the Anthropic API: the agent can reach it with a key of its own', 'warn')] : []),
      ];
    }
  }
}

/** One row about Claude's credential for every bottle: which, from where, and how it reaches Claude. */
function claudeApiLines(plan: BottlePlan): PreflightLine[] {
  const credential = plan.claudeApi.credential;
  if (plan.network.mode === 'none') return [line('no network: Claude cannot reach its API, and gets no credential', 'muted')];
  if (!credential) return [line('no Anthropic credential: run `claude-bottle login` or Sign in', 'danger')];
  const which = `your ${credential.kind === 'api-key' ? 'API key' : 'subscription token'} …${credential.last4} (${credentialOrigin(credential.from)})`;
  if (plan.claudeApi.via === 'proxy') {
    return [line(`through the proxy with ${which}`, 'good'), line('the bottle holds only a placeholder; the proxy puts the real one in', 'muted')];
  }
  const own = plan.secrets.find((secret) => CLAUDE_CREDENTIALS.has(secret.name) && secret.origin !== 'claude');
  if (own) return [line(`the agent's own ${u(own.name)} secret (see secrets), straight to the API: the agent can read it`, 'warn')];
  return [line(`${which}, passed into the bottle as ${u(credential.name)}: on an open network the agent can read it`, 'warn')];
}

const CLAUDE_CREDENTIALS = new Set(['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN']);

function credentialOrigin(from: string): string {
  return from === 'app' ? 'stored in the app' : u(from);
}

/** Skipped files shown by name, the rest counted: the row stays short for a folder full of links. */
const MAX_SKIPPED_SHOWN = 10;

/** "from your Claude folder ~/.claude: CLAUDE.md, agents/ (3 files)", then what is missing or skipped. */
function claudeSetupLines(setup: ClaudeSetupSurvey): PreflightLine[] {
  const name = (part: FoundPart): string => (part.item.includes('.') ? part.item : `${part.item}/`);
  const found = setup.parts.flatMap((part) => (part.state !== 'found' ? [] : part.item.includes('.') ? [name(part)] : [`${name(part)} (${part.files} file${part.files === 1 ? '' : 's'})`]));
  const lines = [line(`from your Claude folder ${u(tildify(setup.from))}: ${found.length > 0 ? found.join(', ') : 'nothing'}`, found.length > 0 ? 'normal' : 'muted')];
  const missing = setup.parts.filter((part) => part.state === 'missing').map(name);
  if (missing.length > 0) lines.push(line(`missing there, not copied: ${missing.join(', ')}`, 'muted'));
  for (const part of setup.parts) if (part.state === 'unusable') lines.push(line(`${name(part)} ${u(part.why)}: not copied`, 'warn'));
  const skipped = setup.parts.flatMap((part) => (part.state === 'found' ? part.skipped : []));
  for (const entry of skipped.slice(0, MAX_SKIPPED_SHOWN)) lines.push(line(`skipped ${u(entry.path)}: ${u(entry.why)}`, 'warn'));
  if (skipped.length > MAX_SKIPPED_SHOWN) lines.push(line(`and ${skipped.length - MAX_SKIPPED_SHOWN} more skipped`, 'warn'));
  if (setup.parts.some((part) => part.item === 'settings.json' && part.state === 'found')) {
    lines.push(line("settings.json is merged without credentials, login helpers and anything that would undo the app's hooks or settings", 'muted'));
  }
  lines.push(line('copied at each launch over the earlier copies; never credentials, history or other sessions', 'muted'));
  return lines;
}

const ANTHROPIC_API_HOST = 'api.anthropic.com';

/** The entry lets a CONNECT reach Claude's API directly (matched as the proxy matches it). */
function opensAnthropicDirectly(host: string): boolean {
  try {
    return ruleMatchesName(parseAllowEntry(host), ANTHROPIC_API_HOST, 443);
  } catch {
    return false;
  }
}

/** The numeric ids the bottle runs as, once resolved against the image (see planUser.ts). */
function userLine(plan: BottlePlan): PreflightLine {
  const ids = plan.runAs;
  if (!ids) {
    // The image is still to be pulled or built: resolved, with the same refusals, once it is here.
    return plan.user !== undefined
      ? line(`${u(plan.user)} (resolved against the image once it is here; uid and gid 0 refused)`, runsAsRoot(plan) ? 'danger' : 'normal')
      : line("the image's user, resolved once the image is here (uid 1000, gid 1000 if it is root)", 'muted');
  }
  const numbers = `uid ${ids.uid}, gid ${ids.gid}`;
  switch (ids.from) {
    case 'manifest':
      return line(`${u(ids.written)} (${numbers})`, runsAsRoot(plan) ? 'danger' : 'normal');
    case 'image':
      return line(`the image's user ${u(ids.written)} (${numbers})`);
    case 'fallback':
      return line(ids.written === '' ? `${numbers} (the image sets no user)` : `${numbers} (the image's user ${u(ids.written)} is root or not in its passwd)`);
  }
}

function runsAsRoot(plan: BottlePlan): boolean {
  return plan.runAs ? plan.runAs.uid === 0 || plan.runAs.gid === 0 : plan.user !== undefined && isRootUser(plan.user);
}

function hardeningLines(plan: BottlePlan): PreflightLine[] {
  return [
    runsAsRoot(plan)
      ? line('ROOT user (uid or gid 0, allowed by "dangerous": true) · all Linux capabilities dropped · no-new-privileges', 'danger')
      : line('non-root user · all Linux capabilities dropped · no-new-privileges', 'good'),
    line('not privileged · pids, memory and CPU limits · init process reaps zombies', 'good'),
    plan.hardening.dockerSocket ? line('the Docker socket may be reachable through a dangerous mount: the agent can control the host', 'danger') : line('no Docker socket', 'good'),
  ];
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

function tildify(path: string): string {
  const home = homedir();
  return path === home || path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}
