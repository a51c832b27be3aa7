import { basename, relative } from 'node:path';
import { agentBadges } from '../core/manifest/badges';
import { showUntrusted } from '../core/text/untrusted';
import { BottleError } from '../core/errors';
import type { LiveBottle } from '../core/bottles';
import { isOwnerAlive } from '../core/context';
import type { LoadedManifest, ResolvedAgent } from '../core/manifest/types';
import type { BottlePlan, SecretSource } from '../core/plan/plan';
import { describePreflight } from '../core/plan/preflight';
import type { BottleRecord } from '../core/state/bottleRecord';
import { type AgentView, type DetachedView, LIMITS, type PreparedView, type PreservedView, type ProjectView } from '#contract';

// Core objects → the contract's views: plain data, secret names only, nothing the window must not see.

export function projectView(loaded: LoadedManifest, secrets: SecretSource): ProjectView {
  if (loaded.agents.length > LIMITS.maxAgents) {
    throw new BottleError('unsupported', `${loaded.file} has ${loaded.agents.length} agents; the window lists at most ${LIMITS.maxAgents}`, 'split the manifest, or use `claude-bottle ls` and `claude-bottle start <agent>`');
  }
  const known = rememberedSecrets(secrets);
  return {
    root: loaded.projectRoot,
    manifestFile: loaded.file,
    // A folder's name is shown, never used as a key: escaped like manifest text (docs/security.md).
    name: showUntrusted(basename(loaded.projectRoot) || loaded.projectRoot, 300),
    agents: loaded.agents.map((agent) => agentView(agent, loaded.projectRoot, known)),
  };
}

/** Asks `secrets` once per name: thousands of agents often share a secret, and the app's store reads a file per question. */
function rememberedSecrets(secrets: SecretSource): SecretSource {
  const places = new Map<string, ReturnType<SecretSource['whereIs']>>();
  return {
    whereIs: (name) => {
      if (!places.has(name)) places.set(name, secrets.whereIs(name));
      return places.get(name);
    },
    get: (name) => secrets.get(name),
  };
}

export function agentView(agent: ResolvedAgent, projectRoot: string, secrets: SecretSource): AgentView {
  return {
    name: agent.name,
    // Manifest text reaches the window escaped, as it reaches the terminal (docs/security.md).
    description: showUntrusted(agent.description),
    image: showUntrusted(agent.image.kind === 'image' ? agent.image.ref : `build: ${relative(projectRoot, agent.image.dockerfile) || agent.image.dockerfile}`, 300),
    badges: agentBadges(agent),
    missingSecrets: agent.secrets.filter((name) => secrets.whereIs(name) === undefined).slice(0, 100),
    secrets: agent.secrets.slice(0, 100),
    network: agent.network.mode,
    project: agent.project,
    dangerous: agent.dangerous,
    remoteControl: agent.remoteControl,
  };
}

export function preparedView(plan: BottlePlan): PreparedView {
  const preflight = describePreflight(plan);
  return {
    slug: plan.slug,
    agent: plan.agent,
    projectRoot: plan.projectRoot,
    resume: plan.resume,
    options: { copyProject: plan.copyProject, remoteControl: plan.claude.remoteControl },
    title: preflight.title,
    subtitle: preflight.subtitle,
    rows: preflight.rows,
    warnings: preflight.warnings,
  };
}

export function imageLabel(plan: BottlePlan): string {
  return showUntrusted(plan.image.kind === 'image' ? plan.image.ref : `build: ${relative(plan.projectRoot, plan.image.dockerfile) || plan.image.dockerfile}`, 300);
}

export function networkLabel(plan: BottlePlan): string {
  if (plan.network.mode !== 'allow') return plan.network.mode;
  return plan.network.hosts.length === 0 ? "allow-list: Claude's API only" : `allow-list: ${showUntrusted(plan.network.hosts.join(', '), 300)}`;
}

export function preservedView(record: BottleRecord): PreservedView {
  const preserved = record.preserved;
  const exitCode = preserved?.exitCode ?? record.lastExitCode;
  return {
    slug: record.slug,
    agent: record.agent,
    projectRoot: record.projectRoot,
    at: preserved?.at ?? record.updatedAt,
    reason: preserved?.reason ?? 'interrupted',
    // Quotes error messages and build output.
    detail: showUntrusted(preserved?.detail ?? `was ${record.status} when the process running it stopped`, 2000),
    ...(exitCode !== undefined ? { exitCode } : {}),
    grantedCapabilities: record.grantedCapabilities,
    sessions: record.sessions,
  };
}

/** `ownPid`: a container this process owns but no longer shows (its service was replaced) is re-attachable. */
export function detachedView(bottle: LiveBottle, ownPid: number = process.pid): DetachedView {
  const owner = bottle.record?.owner;
  return {
    slug: bottle.slug,
    agent: bottle.agent,
    projectRoot: bottle.project,
    containerName: bottle.containerName,
    containerState: bottle.containerState,
    owner: !bottle.record ? 'no-state' : isOwnerAlive(owner) && owner?.pid !== ownPid ? 'other-process' : 'dead',
  };
}
