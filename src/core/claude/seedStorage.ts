import path from 'node:path';
import { readRegularFile } from '../fs/safeFiles';
import { writeFileReplacing } from '../fs/writeReplacing';

// Claude Code's storage in a bottle starts with just enough that Claude lands on its ready prompt:
// onboarding done (which also skips its first-run connectivity check, which ignores
// ANTHROPIC_BASE_URL), the workdir trusted, the bypass-permissions warning accepted (the user
// confirmed the preflight, which says so), and the API key the bottle sees approved. Seeding merges
// into what is there, so a resumed bottle keeps what Claude added. The storage is the bottle's to
// write, so its files are read as hostile: regular files only, never through a link, size-capped.
// See docs/claude-in-a-bottle.md.

export interface SeedOptions {
  /** The folder that is CLAUDE_CONFIG_DIR inside the bottle (on the host). */
  dir: string;
  /** Where the project appears in the bottle: trusted. */
  workdir: string;
  /** The API key the bottle will see (a placeholder behind the egress proxy): approved. */
  apiKeyInBottle?: string;
  /** Claude's colour theme, when the storage has none yet. */
  theme?: string;
  /** Owner of the files, when the app runs as root and the bottle does not. */
  owner?: { uid: number; gid: number };
}

export const SEED_LIMITS = {
  /** .claude.json grows with Claude's own bookkeeping; past this it is not Claude's. */
  maxConfigBytes: 4 * 1024 * 1024,
} as const;

/** Claude matches an approved API key by its last 20 characters. */
const APPROVED_KEY_SUFFIX = 20;

export const CLAUDE_FILES = { config: '.claude.json', settings: 'settings.json' } as const;

export async function seedClaudeStorage(options: SeedOptions): Promise<void> {
  const config = await readJsonObject(path.join(options.dir, CLAUDE_FILES.config));
  config.hasCompletedOnboarding = true;
  if (options.theme && typeof config.theme !== 'string') config.theme = options.theme;
  const projects = objectAt(config, 'projects');
  const project = objectAt(projects, options.workdir);
  project.hasTrustDialogAccepted = true;
  if (options.apiKeyInBottle) {
    const responses = objectAt(config, 'customApiKeyResponses');
    const approved = Array.isArray(responses.approved) ? responses.approved.filter((item): item is string => typeof item === 'string') : [];
    const suffix = options.apiKeyInBottle.slice(-APPROVED_KEY_SUFFIX);
    if (!approved.includes(suffix)) approved.push(suffix);
    responses.approved = approved;
    if (!Array.isArray(responses.rejected)) responses.rejected = [];
  }
  await writeFileReplacing(path.join(options.dir, CLAUDE_FILES.config), `${JSON.stringify(config, null, 2)}\n`, { owner: options.owner });

  const settings = await readJsonObject(path.join(options.dir, CLAUDE_FILES.settings));
  settings.skipDangerousModePermissionPrompt = true;
  addAttentionHooks(settings);
  await writeFileReplacing(path.join(options.dir, CLAUDE_FILES.settings), `${JSON.stringify(settings, null, 2)}\n`, { owner: options.owner });
}

type JsonObject = Record<string, unknown>;

/** The helper Claude's hooks run: it drops the hook's input into the control channel (docs/control-channel.md). */
export const NOTIFY_COMMAND = '/claude-bottle/bin/bottle-notify';
/** The hook events the tab's working / waiting / done state follows. */
export const ATTENTION_HOOKS = ['SessionStart', 'UserPromptSubmit', 'Stop', 'Notification', 'SessionEnd'] as const;

/**
 * Adds the app's hook to each attention event, once, beside whatever hooks are there (Claude's
 * own, or the user's inherited ones), replacing an earlier copy of the app's.
 */
function addAttentionHooks(settings: JsonObject): void {
  const hooks = objectAt(settings, 'hooks');
  const isOurs = (group: unknown): boolean =>
    group !== null && typeof group === 'object' && Array.isArray((group as JsonObject).hooks) && ((group as JsonObject).hooks as unknown[]).some((hook) => hook !== null && typeof hook === 'object' && (hook as JsonObject).command === NOTIFY_COMMAND);
  for (const event of ATTENTION_HOOKS) {
    const current = Object.hasOwn(hooks, event) && Array.isArray(hooks[event]) ? (hooks[event] as unknown[]).filter((group) => !isOurs(group)) : [];
    current.push({ hooks: [{ type: 'command', command: NOTIFY_COMMAND, timeout: 5 }] });
    hooks[event] = current;
  }
}

function objectAt(parent: JsonObject, key: string): JsonObject {
  const current = Object.hasOwn(parent, key) ? parent[key] : undefined;
  if (current !== null && typeof current === 'object' && !Array.isArray(current)) return current as JsonObject;
  const fresh: JsonObject = {};
  parent[key] = fresh;
  return fresh;
}

/**
 * The JSON object in `file`, or {} when it is missing, not a regular file, too large or not an
 * object. Read as a file the bottle may have made hostile (see safeFiles.ts).
 */
export async function readJsonObject(file: string): Promise<JsonObject> {
  try {
    const parsed: unknown = JSON.parse((await readRegularFile(file, { maxBytes: SEED_LIMITS.maxConfigBytes })).toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : {};
  } catch {
    return {};
  }
}

