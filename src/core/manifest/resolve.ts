import fs from 'node:fs';
import path from 'node:path';
import type { ManifestIssue } from '../errors';
import { assessHostPath, describeReasons, reachesSocket, sensitivePlaces, type HostAssessment, type SensitiveSet } from '../host-safety';
import { resolveHostPath } from './host-paths';
import { formatKeyPath, issueAt, locate, type KeyPath, type ManifestDocument } from './locate';
import { parseMemorySize } from './memory';
import type { AgentConfig, Manifest, MountConfig, NetworkConfig } from './schema';
import {
  DEFAULT_RESOURCES,
  DEFAULT_WORKDIR,
  type ImageSource,
  type NetworkPolicy,
  type ResolvedAgent,
  type ResolvedCapability,
  type ResolvedMount,
  type ResolvedResources,
} from './types';

// Turns validated agents into ResolvedAgents: host paths made absolute and checked, defaults
// applied, sizes converted. Problems are collected as located issues, never thrown one by one.

export interface ResolveOptions {
  projectRoot: string;
  home: string;
  /** The app's state root, whose contents no bottle may be handed; default as the app finds it. */
  stateRoot?: string;
}

export interface ResolveInput {
  defaults: Manifest['defaults'];
  agents: Array<[string, AgentConfig]>;
}

interface Context extends ResolveOptions {
  doc: ManifestDocument;
  issues: ManifestIssue[];
  /** The sensitive host places, resolved once for the whole manifest. */
  sensitive?: SensitiveSet;
  /** Verdicts by absolute path: many agents naming one folder cost one look. */
  assessed: Map<string, HostAssessment>;
}

/** What a host path reaches (docs/security.md), judged once per path and manifest. */
function assess(ctx: Context, hostPath: string): HostAssessment {
  let verdict = ctx.assessed.get(hostPath);
  if (verdict === undefined) {
    ctx.sensitive ??= sensitivePlaces({ home: ctx.home, ...(ctx.stateRoot === undefined ? {} : { stateRoot: ctx.stateRoot }) });
    verdict = assessHostPath(hostPath, ctx.sensitive);
    ctx.assessed.set(hostPath, verdict);
  }
  return verdict;
}

/** Container paths already taken by a mount, with what took them, to refuse a second mount there. */
type TakenTargets = Map<string, string>;

export function resolveAgents(
  doc: ManifestDocument,
  input: ResolveInput,
  options: ResolveOptions,
): { agents: ResolvedAgent[]; issues: ManifestIssue[] } {
  const ctx: Context = { ...options, doc, issues: [], assessed: new Map() };
  const agents: ResolvedAgent[] = [];
  for (const [name, config] of inFileOrder(doc, input.agents)) {
    const agent = resolveAgent(ctx, name, config, input.defaults);
    if (agent !== undefined) agents.push(agent);
  }
  // Agents sharing a bad default would each report it: keep one of each.
  const unique = new Map(ctx.issues.map((issue) => [JSON.stringify(issue), issue]));
  return { agents, issues: [...unique.values()] };
}

/** Object key order puts number-like names first; the window lists agents as the file does. */
function inFileOrder(doc: ManifestDocument, agents: Array<[string, AgentConfig]>): Array<[string, AgentConfig]> {
  // One pass over the agents object's properties (not a lookup per agent, nor per comparison):
  // 100 000 agents sort in moments.
  const offsets = new Map<string, number>();
  for (const property of locate(doc.tree, ['agents'])?.children ?? []) {
    const key = property.children?.[0];
    if (key && typeof key.value === 'string') offsets.set(key.value, property.offset);
  }
  return [...agents].sort(([a], [b]) => (offsets.get(a) ?? 0) - (offsets.get(b) ?? 0));
}

function resolveAgent(ctx: Context, name: string, agent: AgentConfig, defaults: Manifest['defaults']): ResolvedAgent | undefined {
  const at: KeyPath = ['agents', name];
  const before = ctx.issues.length;
  const dangerous = agent.dangerous ?? false;
  const workdir = agent.workdir ?? DEFAULT_WORKDIR;
  const project = agent.project ?? 'mount-rw';

  const taken: TakenTargets = new Map();
  if (project === 'mount-rw' || project === 'mount-ro') taken.set(normalizeTarget(workdir), `the project (mounted at the workdir ${workdir})`);
  // The project folder is handed over like any mount (or baked into an image): a manifest in the
  // home folder or in "/" must not give the bottle that folder. Judged for "none" too: the launch's
  // copy-project option may still copy it (the plan refuses that without "dangerous").
  const { reasons: projectReasons } = assess(ctx, ctx.projectRoot);
  if (projectReasons.length > 0 && project !== 'none' && !dangerous) {
    const where: KeyPath = agent.project !== undefined ? [...at, 'project'] : at;
    ctx.issues.push(
      issueAt(
        ctx.doc,
        where,
        `refused: the project folder is not safe to hand over: ${describeReasons(projectReasons)}; move claude-bottle.json into the project's own folder, set "project": "none", or set "dangerous": true on the agent`,
      ),
    );
  }
  const projectDanger = projectReasons.length > 0 ? { projectDangerousReason: describeReasons(projectReasons), ...(reachesSocket(projectReasons) ? { projectReachesSocket: true } : {}) } : {};
  const mounts = resolveMounts(ctx, agent.mounts ?? [], [...at, 'mounts'], dangerous, taken);

  const capabilities: Record<string, ResolvedCapability> = {};
  for (const [capName, cap] of Object.entries(agent.capabilities ?? {})) {
    const capPath: KeyPath = [...at, 'capabilities', capName];
    // A granted capability's mounts join the agent's, so they must not collide with them either.
    const capMounts = resolveMounts(ctx, cap.mounts ?? [], [...capPath, 'mounts'], dangerous, new Map(taken));
    capabilities[capName] = {
      name: capName,
      description: cap.description,
      mounts: capMounts,
      secrets: cap.secrets ?? [],
      ...(cap.network === undefined ? {} : { network: toNetworkPolicy(cap.network) }),
    };
  }

  const image = resolveImage(ctx, agent, at, dangerous);
  const resources = resolveResources(agent, defaults);
  // The agent's list replaces the defaults' whole, as "network" does: [] takes nothing.
  const claudeInherit = agent.claude?.inherit ?? defaults?.claude?.inherit ?? [];
  if (ctx.issues.length > before || image === undefined) return undefined;
  return {
    name,
    description: agent.description ?? '',
    image,
    workdir,
    ...(agent.user === undefined ? {} : { user: agent.user }),
    project,
    ...projectDanger,
    mounts,
    env: agent.env ?? {},
    secrets: agent.secrets ?? [],
    // No "network" at all means the safe default: Claude's API through the proxy, nothing else.
    network: toNetworkPolicy(agent.network ?? defaults?.network ?? { allow: [] }),
    resources,
    capabilities,
    claudeArgs: agent.claude?.args ?? [],
    remoteControl: agent.claude?.remoteControl ?? false,
    ...(claudeInherit.length > 0 ? { claudeInherit: [...claudeInherit] } : {}),
    dangerous,
  };
}

function resolveMounts(ctx: Context, mounts: MountConfig[], at: KeyPath, dangerous: boolean, taken: TakenTargets): ResolvedMount[] {
  const resolved: ResolvedMount[] = [];
  mounts.forEach((mount, index) => {
    const mountPath: KeyPath = [...at, index];
    const target = normalizeTarget(mount.target);
    const takenBy = taken.get(target);
    if (target === '/') {
      ctx.issues.push(issueAt(ctx.doc, [...mountPath, 'target'], 'cannot mount over the root "/" of the container'));
    } else if (takenBy !== undefined) {
      ctx.issues.push(issueAt(ctx.doc, [...mountPath, 'target'], `${mount.target} is already the target of ${takenBy}; each target may be mounted once`));
    } else {
      taken.set(target, formatKeyPath(mountPath));
    }
    const source = resolveSource(ctx, mount.source, [...mountPath, 'source'], dangerous);
    if (source === undefined) return;
    resolved.push({ ...source, target, readonly: mount.readonly !== false });
  });
  return resolved;
}

function resolveSource(ctx: Context, written: string, at: KeyPath, dangerous: boolean): Pick<ResolvedMount, 'source' | 'dangerousReason' | 'reachesSocket'> | undefined {
  const source = resolveHostPath(written, ctx.projectRoot, ctx.home);
  // Refused before the existence check: asking for the Docker socket is wrong on any host.
  const { reasons } = assess(ctx, source);
  if (reasons.length > 0 && !dangerous) {
    ctx.issues.push(issueAt(ctx.doc, at, `refused: ${describeReasons(reasons)}; set "dangerous": true on the agent to mount ${source} anyway`));
    return undefined;
  }
  if (!fs.existsSync(source)) {
    ctx.issues.push(issueAt(ctx.doc, at, `does not exist: ${source}`));
    return undefined;
  }
  if (reasons.length === 0) return { source };
  return { source, dangerousReason: describeReasons(reasons), ...(reachesSocket(reasons) ? { reachesSocket: true } : {}) };
}

/** `/a/b/` and `/a//b` are the same container path as `/a/b`. */
function normalizeTarget(target: string): string {
  const normal = path.posix.normalize(target);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

function resolveImage(ctx: Context, agent: AgentConfig, at: KeyPath, dangerous: boolean): ImageSource | undefined {
  if (agent.image !== undefined) return { kind: 'image', ref: agent.image };
  const build = agent.build;
  if (build === undefined) return undefined;
  const buildPath: KeyPath = [...at, 'build'];
  const context = resolveHostPath(build.context, ctx.projectRoot, ctx.home);
  const contextStat = fs.statSync(context, { throwIfNoEntry: false });
  if (contextStat === undefined || !contextStat.isDirectory()) {
    const problem = contextStat === undefined ? 'does not exist' : 'is not a folder';
    ctx.issues.push(issueAt(ctx.doc, [...buildPath, 'context'], `${problem}: ${context} (expected the build context folder)`));
    return undefined;
  }
  // Everything in the context is sent to the engine and can be baked into a layer: "~" or "/" would
  // put your keys into an image.
  const { real: realContext, reasons } = assess(ctx, context);
  if (reasons.length > 0 && !dangerous) {
    ctx.issues.push(issueAt(ctx.doc, [...buildPath, 'context'], `refused: the build context is not safe to hand over: ${describeReasons(reasons)}; name a folder of the project, or set "dangerous": true on the agent`));
    return undefined;
  }
  const contextReason = reasons.length > 0 ? describeReasons(reasons) : undefined;
  // As in docker compose, the Dockerfile is named relative to the context and is sent inside it.
  const dockerfile = path.resolve(context, build.dockerfile ?? 'Dockerfile');
  const dockerfilePath: KeyPath = [...buildPath, 'dockerfile'];
  const defaultNote = build.dockerfile === undefined ? ' (the default; set "dockerfile" to name another file)' : '';
  if (path.relative(context, dockerfile).startsWith('..')) {
    ctx.issues.push(issueAt(ctx.doc, dockerfilePath, `must be inside the build context ${context}: ${dockerfile}`));
    return undefined;
  }
  if (!(fs.statSync(dockerfile, { throwIfNoEntry: false })?.isFile() ?? false)) {
    ctx.issues.push(issueAt(ctx.doc, dockerfilePath, `does not exist: ${dockerfile}${defaultNote}`));
    return undefined;
  }
  // Compared by real path: a link in the project to a folder elsewhere is outside it.
  const fromRoot = path.relative(assess(ctx, ctx.projectRoot).real, realContext);
  const outside = fromRoot.startsWith('..') || path.isAbsolute(fromRoot);
  return { kind: 'build', context, dockerfile, args: build.args ?? {}, ...(contextReason ? { dangerousReason: contextReason } : {}), ...(outside ? { outsideProject: true } : {}) };
}

function resolveResources(agent: AgentConfig, defaults: Manifest['defaults']): ResolvedResources {
  const own = agent.resources;
  const fallback = defaults?.resources;
  // The schema checked the size's range (an invalid default is not handed to resolve).
  const memory = parseMemorySize(own?.memory ?? fallback?.memory ?? DEFAULT_RESOURCES.memory);
  return {
    memory: memory ?? 0,
    cpus: own?.cpus ?? fallback?.cpus ?? DEFAULT_RESOURCES.cpus,
    pids: own?.pids ?? fallback?.pids ?? DEFAULT_RESOURCES.pids,
  };
}

export function toNetworkPolicy(network: NetworkConfig): NetworkPolicy {
  if (network === 'none') return { mode: 'none' };
  if (network === 'open') return { mode: 'open' };
  return { mode: 'allow', hosts: [...new Set(network.allow)] };
}
