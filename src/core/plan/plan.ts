import { dirname } from 'node:path';
import { LABELS } from '../labels';
import { BottleError } from '../errors';
import { channelFolders, IN_BOTTLE } from '../channel/layout';
import type { ProjectMode } from '../manifest/schema';
import type { ImageSource, LoadedManifest, NetworkPolicy, ResolvedAgent, ResolvedResources } from '../manifest/types';
import { type CredentialKind, findClaudeCredential } from '../claude/credentials';
import { type ClaudeSetupSurvey, surveyClaudeSetup, userClaudeFolder } from '../claude/inherit';
import type { ClaudeInheritItem } from '../manifest/schema';
import type { ResolvedUser } from '../docker/imageUser';
import { containerNameFor } from './slug';

// The plan is everything a launch will do, computed before anything starts. The preflight shows
// it; the launcher executes exactly it. It holds secret *names* only, never values.

export interface LaunchOptions {
  /** Bake a copy of the project into a derived image instead of mounting it (`--cwd`). */
  copyProject?: boolean;
  remoteControl?: boolean;
}

export type MountOrigin = 'project' | 'manifest' | 'claude-storage' | 'control-channel' | `capability:${string}`;

export interface PlannedMount {
  source: string;
  target: string;
  readonly: boolean;
  origin: MountOrigin;
  dangerousReason?: string;
  /** It is, holds or may lead to a socket: see hardening.dockerSocket. */
  reachesSocket?: boolean;
}

export interface PlannedSecret {
  name: string;
  available: boolean;
  /** Where the value will come from, for the preflight ("environment", "app"). */
  from?: string;
  /** `claude`: Claude's own credential (a login or the environment), for an agent that names none. */
  origin: 'agent' | 'claude' | `capability:${string}`;
}

export interface Hardening {
  capDrop: 'ALL';
  noNewPrivileges: true;
  privileged: false;
  init: true;
  dockerSocket: boolean;
}

export interface BottlePlan {
  slug: string;
  agent: string;
  description: string;
  projectRoot: string;
  manifestFile: string;
  containerName: string;
  /** A resume reuses an existing state folder and continues its conversation. */
  resume: boolean;
  continueConversation: boolean;
  image: ImageSource;
  /** The project is baked into a derived image (project "copy" or the copy-project toggle). */
  copyProject: boolean;
  project: ProjectMode;
  /** Why handing over the project folder is dangerous (allowed by "dangerous": true): shown in red. */
  projectDangerousReason?: string;
  /** As configured; undefined means the image's user, or uid 1000 when the image runs as root. */
  user?: string;
  /**
   * The numeric ids the bottle runs as, resolved against the image before the preflight when the
   * image is already here (planUser.ts); the launch uses exactly these. Undefined for an image
   * still to pull or build: it is resolved, with the same refusals, once it is there.
   */
  runAs?: ResolvedUser;
  workdir: string;
  mounts: PlannedMount[];
  env: Record<string, string>;
  secrets: PlannedSecret[];
  network: NetworkPolicy;
  resources: ResolvedResources;
  hardening: Hardening;
  labels: Record<string, string>;
  claude: { args: string[]; remoteControl: boolean; configDir: string };
  grantedCapabilities: string[];
  /** What the agent may ask for while it runs (`bottle-request`), and what each would add. */
  requestable: RequestablePlan[];
  /**
   * Parts of the user's own Claude folder copied into the bottle's storage at launch, and what each
   * holds now (docs/manifest.md); absent when the agent inherits nothing.
   */
  claudeSetup?: ClaudeSetupSurvey & { items: ClaudeInheritItem[] };
  /**
   * How Claude reaches its API. Behind an allow-list: through the egress proxy, which holds the
   * user's credential (named here by kind, source and last 4 characters only).
   */
  claudeApi: ClaudeApiAccess;
  dangerous: boolean;
  /** Things a person must notice before confirming; the preflight shows them in red. */
  warnings: string[];
  /** A resume: what differs from the plan the user last confirmed (empty when nothing does). */
  changes: string[];
}

export interface RequestablePlan {
  name: string;
  description: string;
  mounts: { source: string; target: string; readonly: boolean }[];
  secrets: string[];
  /** Hosts it adds to the allow-list; 'open' when it opens the network. */
  hosts: string[] | 'open';
}

/** Claude's credential as the preflight names it: kind, variable, where it comes from, last 4 characters. */
export interface CredentialSummary {
  kind: CredentialKind;
  name: string;
  from: string;
  last4: string;
}

/**
 * Behind an allow-list the proxy holds the credential; otherwise (open network) the bottle gets the
 * real one as a secret, and with no network at all Claude cannot reach its API.
 */
export type ClaudeApiAccess = { via: 'proxy'; credential?: CredentialSummary } | { via: 'bottle'; credential?: CredentialSummary };

/** Where Claude's session files live inside the bottle (bind-mounted from the state folder). */
export const CLAUDE_CONFIG_DIR_IN_BOTTLE = '/claude-bottle/claude-config';

export { LABELS } from '../labels';

/** Where secret values come from. Values are read only at launch, never stored in the plan. */
export interface SecretSource {
  /** "environment", "app" ...; undefined when the secret is not available. */
  whereIs(name: string): string | undefined;
  get(name: string): string | undefined;
}

export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): SecretSource {
  return {
    // Own properties only: a secret named "constructor" or "toString" is not set because every
    // object has one.
    whereIs: (name) => (Object.hasOwn(env, name) && env[name] ? 'environment' : undefined),
    get: (name) => (Object.hasOwn(env, name) ? env[name] || undefined : undefined),
  };
}

export interface PlanInputs {
  loaded: LoadedManifest;
  agentName: string;
  slug: string;
  options: LaunchOptions;
  stateRoot: string;
  /** Host folder that becomes CLAUDE_CONFIG_DIR. */
  claudeStorage: string;
  secrets: SecretSource;
  grantedCapabilities?: string[];
  resume?: { continueConversation: boolean };
  /** The user's own Claude folder, for "claude": { "inherit" }; default $CLAUDE_CONFIG_DIR or ~/.claude. */
  userClaudeFolder?: string;
}

export function findAgent(loaded: LoadedManifest, agentName: string): ResolvedAgent {
  const agent = loaded.agents.find((candidate) => candidate.name === agentName);
  if (!agent) {
    const known = loaded.agents.map((candidate) => candidate.name).join(', ') || '(none)';
    throw new BottleError('not-found', `no agent "${agentName}" in ${loaded.file}`, `agents there: ${known}`);
  }
  return agent;
}

/**
 * Whether a written user is plainly root, in any spelling: `root`, `0`, `00`, `0:1000`,
 * `root:1000`, `1000:0`, `1000:root`. Aliases only the image knows (a `toor` with uid 0) are caught
 * when the user is resolved against the image (planUser.ts, docs/security.md).
 */
export function isRootUser(user: string | undefined): boolean {
  if (user === undefined || user.trim() === '') return true;
  const isRoot = (part: string): boolean => part === 'root' || /^0+$/.test(part);
  const [name = '', group] = user.split(':');
  return isRoot(name) || (group !== undefined && isRoot(group));
}

/** The preflight's red line for a bottle that runs as uid or gid 0 (only with "dangerous": true). */
export function rootWarning(user: string | undefined): string {
  return `the bottle runs as root ("user": ${JSON.stringify(user ?? '')}), allowed by "dangerous": true`;
}

/**
 * Builds the plan. Reads nothing from Docker and starts nothing; the only files it looks at are the
 * parts of the user's Claude folder the agent inherits (listed, not opened).
 */
export function preparePlan(inputs: PlanInputs): BottlePlan {
  const { loaded, slug, options } = inputs;
  const agent = findAgent(loaded, inputs.agentName);
  const granted = inputs.grantedCapabilities ?? [];
  const warnings: string[] = [];

  if (agent.user !== undefined && isRootUser(agent.user) && !agent.dangerous) {
    throw new BottleError('unsupported', `agent "${agent.name}" asks to run as root ("user": "${agent.user}")`, 'bottles run as a non-root user; remove "user" or set "dangerous": true');
  }

  const copyProject = options.copyProject === true || agent.project === 'copy';
  const project: ProjectMode = copyProject ? 'copy' : agent.project;
  if (project !== 'none' && agent.projectDangerousReason && !agent.dangerous) {
    // Only a "none" project reaches here (the manifest refuses the others): the copy-project option.
    throw new BottleError('unsupported', `refused: the project folder is not safe to hand over: ${agent.projectDangerousReason}`, 'launch without copying the project, or set "dangerous": true on the agent');
  }
  const mounts: PlannedMount[] = [];
  if (project === 'mount-rw' || project === 'mount-ro') {
    mounts.push({
      source: loaded.projectRoot,
      target: agent.workdir,
      readonly: project === 'mount-ro',
      origin: 'project',
      ...(agent.projectDangerousReason ? { dangerousReason: agent.projectDangerousReason } : {}),
      ...(agent.projectReachesSocket ? { reachesSocket: true } : {}),
    });
  } else if (project === 'copy' && agent.projectDangerousReason) {
    warnings.push(`DANGEROUS project copy of ${loaded.projectRoot}: ${agent.projectDangerousReason}`);
  }
  if (agent.image.kind === 'build' && agent.image.dangerousReason) warnings.push(`DANGEROUS build context ${agent.image.context}: ${agent.image.dangerousReason}`);
  for (const mount of agent.mounts) mounts.push({ ...mount, origin: 'manifest' });

  const secrets: PlannedSecret[] = agent.secrets.map((name) => plannedSecret(name, 'agent', inputs.secrets));
  let network = agent.network;
  for (const capabilityName of granted) {
    const capability = agent.capabilities[capabilityName];
    if (!capability) {
      throw new BottleError('not-found', `capability "${capabilityName}" was granted to this bottle but agent "${agent.name}" no longer declares it`, `edit ${loaded.file} or discard the bottle`);
    }
    for (const mount of capability.mounts) mounts.push({ ...mount, origin: `capability:${capabilityName}` });
    for (const name of capability.secrets) {
      if (!secrets.some((secret) => secret.name === name)) secrets.push(plannedSecret(name, `capability:${capabilityName}`, inputs.secrets));
    }
    if (capability.network) network = widenNetwork(network, capability.network);
  }
  mounts.push({ source: inputs.claudeStorage, target: CLAUDE_CONFIG_DIR_IN_BOTTLE, readonly: false, origin: 'claude-storage' });
  // The control channel (docs/control-channel.md): the bottle's requests and Claude's hooks out,
  // the app's answers and the helpers in, read-only.
  const channel = channelFolders(dirname(inputs.claudeStorage));
  mounts.push({ source: channel.channel, target: IN_BOTTLE.channel, readonly: false, origin: 'control-channel' });
  mounts.push({ source: channel.answers, target: IN_BOTTLE.answers, readonly: true, origin: 'control-channel' });
  mounts.push({ source: channel.bin, target: IN_BOTTLE.bin, readonly: true, origin: 'control-channel' });
  const requestable = Object.values(agent.capabilities)
    .filter((capability) => !granted.includes(capability.name))
    .map((capability) => ({
      name: capability.name,
      description: capability.description,
      mounts: capability.mounts.map(({ source, target, readonly }) => ({ source, target, readonly })),
      secrets: [...capability.secrets],
      hosts: capability.network?.mode === 'open' ? ('open' as const) : capability.network?.mode === 'allow' ? [...capability.network.hosts] : [],
    }));

  const claudeApi = claudeApiAccess(network, inputs.secrets);
  if (claudeApi.via === 'proxy') {
    // Behind the proxy the bottle holds a placeholder: the real credential is never passed in,
    // even when the agent names it as a secret.
    for (let index = secrets.length - 1; index >= 0; index -= 1) {
      if (CLAUDE_CREDENTIAL_VARIABLES.has(secrets[index]?.name ?? '')) secrets.splice(index, 1);
    }
  } else if (network.mode === 'open' && claudeApi.credential && !secrets.some((secret) => CLAUDE_CREDENTIAL_VARIABLES.has(secret.name))) {
    // On an open network Claude talks to its API itself: the stored (or environment's) credential
    // serves an agent that names none of its own.
    secrets.push(plannedSecret(claudeApi.credential.name, 'claude', inputs.secrets));
  }
  if (!claudeApi.credential && network.mode !== 'none') warnings.push(NO_CREDENTIAL_WARNING);

  for (const mount of mounts) {
    if (mount.dangerousReason) warnings.push(`DANGEROUS mount ${mount.source} → ${mount.target}: ${mount.dangerousReason}`);
  }
  for (const secret of secrets) {
    if (!secret.available) warnings.push(`secret ${secret.name} is missing: the bottle starts without it`);
  }
  if (agent.user !== undefined && isRootUser(agent.user)) warnings.push(rootWarning(agent.user));
  if (agent.dangerous) warnings.push('this agent is marked "dangerous": true');

  const claudeSetup = agent.claudeInherit ? { ...surveyClaudeSetup(inputs.userClaudeFolder ?? userClaudeFolder(), agent.claudeInherit), items: [...agent.claudeInherit] } : undefined;

  const remoteControl = options.remoteControl ?? agent.remoteControl;
  const continueConversation = inputs.resume?.continueConversation ?? false;
  return {
    slug,
    agent: agent.name,
    description: agent.description,
    projectRoot: loaded.projectRoot,
    manifestFile: loaded.file,
    containerName: containerNameFor(slug),
    resume: inputs.resume !== undefined,
    continueConversation,
    image: agent.image,
    copyProject,
    project,
    ...(project !== 'none' && agent.projectDangerousReason ? { projectDangerousReason: agent.projectDangerousReason } : {}),
    ...(agent.user === undefined ? {} : { user: agent.user }),
    workdir: agent.workdir,
    mounts,
    env: { ...agent.env },
    secrets,
    network,
    resources: agent.resources,
    hardening: {
      capDrop: 'ALL',
      noNewPrivileges: true,
      privileged: false,
      init: true,
      // Only mounts that are, hold or may lead to a socket: /proc, say, is dangerous but no socket.
      dockerSocket: mounts.some((mount) => mount.reachesSocket === true),
    },
    labels: {
      [LABELS.slug]: slug,
      [LABELS.agent]: agent.name,
      [LABELS.project]: loaded.projectRoot,
      [LABELS.home]: inputs.stateRoot,
    },
    claude: {
      args: claudeCommand(agent.claudeArgs, remoteControl, continueConversation, requestable),
      remoteControl,
      configDir: CLAUDE_CONFIG_DIR_IN_BOTTLE,
    },
    grantedCapabilities: granted,
    requestable,
    ...(claudeSetup ? { claudeSetup } : {}),
    claudeApi,
    dangerous: agent.dangerous,
    warnings,
    changes: [],
  };
}

export function claudeCommand(agentArgs: string[], remoteControl: boolean, continueConversation: boolean, requestable: readonly RequestablePlan[] = []): string[] {
  return [
    'claude',
    '--dangerously-skip-permissions',
    ...(remoteControl ? ['--remote-control'] : []),
    ...(continueConversation ? ['--continue'] : []),
    ...(requestable.length > 0 ? ['--append-system-prompt', capabilityPrompt(requestable)] : []),
    ...agentArgs,
  ];
}

export const CAPABILITY_PROMPT_START = 'You run in a sandbox';

/** Tells Claude the helper exists and what it may ask for (docs/control-channel.md). */
export function capabilityPrompt(requestable: readonly RequestablePlan[]): string {
  const lines = requestable.map((capability) => `- ${capability.name}: ${capability.description.replace(/\s+/g, ' ').slice(0, 300)}`);
  return [
    `${CAPABILITY_PROMPT_START} (a Claude Bottle) with limited access. When the task needs more, ask the user for one of these capabilities by running`,
    '`bottle-request <capability> "<why you need it>"` (in /claude-bottle/bin). It waits for the answer: exit 0 means granted, and the sandbox then',
    'restarts with it and this conversation continues; non-zero means denied or no answer, so carry on without it. Requestable:',
    ...lines,
  ].join('\n');
}

const CLAUDE_CREDENTIAL_VARIABLES = new Set(['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN']);

/** The preflight's red line when Claude has no credential at all: Claude would only fail to log in. */
export const NO_CREDENTIAL_WARNING = 'no Anthropic credential: run `claude-bottle login` or Sign in (or set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN); Claude cannot work without one';

function claudeApiAccess(network: NetworkPolicy, secrets: SecretSource): ClaudeApiAccess {
  const via = network.mode === 'allow' ? 'proxy' : 'bottle';
  const credential = findClaudeCredential(secrets);
  return credential ? { via, credential: { kind: credential.kind, name: credential.name, from: credential.from, last4: credential.value.slice(-4) } } : { via };
}

function plannedSecret(name: string, origin: PlannedSecret['origin'], source: SecretSource): PlannedSecret {
  const from = source.whereIs(name);
  return from === undefined ? { name, available: false, origin } : { name, available: true, from, origin };
}

/** A granted capability may only add network access, never take the agent's away. */
function widenNetwork(current: NetworkPolicy, extra: NetworkPolicy): NetworkPolicy {
  if (current.mode === 'open' || extra.mode === 'open') return { mode: 'open' };
  if (extra.mode === 'none') return current;
  const hosts = current.mode === 'allow' ? current.hosts : [];
  return { mode: 'allow', hosts: [...new Set([...hosts, ...extra.hosts])] };
}
