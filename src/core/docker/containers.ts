// Bottle containers: created hardened and started idle (they only host `docker exec`s of
// Claude), found again by label, inspected and removed.

import { homedir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { BottleError } from '../errors';
import { assessHostPath, sensitivePlaces } from '../host-safety';
import { dockerEndpoint, dockerSocketPath } from './client';
import { raceSignal, startDeadline } from './deadline';
import { engineMessage, isNotFound, statusCodeOf, toBottleError } from './dockerErrors';
import { LABELS } from '../labels';

export { LABELS } from '../labels';

export const CONTAINER_DEFAULTS = {
  /** Create + start is local work; an engine that needs longer than this is stuck. */
  startTimeoutMs: 60_000,
  /** The idle process: `sleep` for the longest time every sleep(1) accepts (~68 years). */
  idleCommand: ['sleep', '2147483647'] as const,
} as const;

export interface ContainerMount {
  /** A host path (bind) or a volume name (volume). */
  source: string;
  /** An absolute container path. */
  target: string;
  readonly: boolean;
  /** Default 'bind'. */
  type?: 'bind' | 'volume';
  /**
   * The preflight showed this mount in red and the user confirmed it ("dangerous": true). Only
   * such a mount may reach Docker's data root (which the engine is asked for here).
   */
  confirmedDangerous?: boolean;
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** `uid`, `uid:gid` or a name the image knows. */
  user: string;
  workdir: string;
  /** Plain environment of the container (no secrets: those go to the Claude exec only). */
  env: Record<string, string>;
  mounts: ContainerMount[];
  /**
   * `none`, Docker's bridge (`open`), or the network namespace of another container (`joins`): the
   * holder of the bottle's own internal network behind its egress proxy.
   */
  network: 'none' | 'open' | { joins: string };
  memoryBytes: number;
  cpus: number;
  pids: number;
  labels: Record<string, string>;
  /** Mounting a socket, or a folder holding a container engine's socket, is refused unless this is true. */
  allowDockerSocket?: boolean;
  /**
   * Claude as the container's main process, on a TTY the app attaches to (so the process outlives
   * the app, and a re-attach finds the same Claude). Without it, the container idles for `exec`s.
   */
  main?: { command: string[] };
  /** Started only once this resolves (the holder of the namespace it joins runs); created before. */
  startAfter?: Promise<unknown>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Creates and starts a bottle container with the hardening of docs/security.md: all capabilities
 * dropped, no-new-privileges, not privileged, an init process, pids/memory/CPU limits with no
 * extra swap, the requested network only. If anything fails after the create, the container is
 * removed again; failures are `container-failed` (or `image-missing`, `docker-unavailable`).
 */
export async function createBottleContainer(docker: Docker, spec: ContainerSpec): Promise<Docker.Container> {
  validateSpec(spec);
  const what = `starting container ${spec.name}`;
  const deadline = startDeadline(spec.signal, spec.timeoutMs ?? CONTAINER_DEFAULTS.startTimeoutMs, what, 'container-failed');
  let container: Docker.Container | undefined;
  // Set when the engine may have created the container without our learning its id (a cancel or
  // timeout during the create call): it is then removed by its name, which is this bottle's own.
  let createdUnseen = false;
  try {
    await checkBindSources(docker, spec, deadline.signal);
    try {
      container = await raceSignal(docker.createContainer({ ...createOptions(spec), abortSignal: deadline.signal }), deadline.signal, what);
    } catch (error) {
      if (isNotFound(error)) {
        throw new BottleError('image-missing', `image "${spec.image}" is not present locally: ${engineMessage(error)}`, undefined, {
          cause: error,
        });
      }
      if (statusCodeOf(error) === 409) {
        throw new BottleError('container-failed', `a container named ${spec.name} already exists`, undefined, { cause: error });
      }
      createdUnseen = statusCodeOf(error) === undefined;
      throw toBottleError(error, 'container-failed', `creating container ${spec.name}`, dockerEndpoint(docker));
    }
    if (spec.startAfter) await raceSignal(spec.startAfter, deadline.signal, what);
    try {
      await raceSignal(container.start({ abortSignal: deadline.signal }), deadline.signal, what);
    } catch (error) {
      throw toBottleError(error, 'container-failed', what, dockerEndpoint(docker));
    }
    return container;
  } catch (error) {
    if (container || createdUnseen) await removeBottleContainer(docker, container?.id ?? spec.name).catch(() => undefined);
    throw error;
  } finally {
    deadline.dispose();
  }
}

/**
 * The main process's first step: wait for the secrets on a FIFO in a private tmpfs (so their
 * values are in no container config), then become Claude. See docs/terminal.md.
 */
export const BOOT_SCRIPT = 'set -e; f=/claude-bottle/run/secrets; mkfifo -m 600 "$f"; . "$f"; rm -f "$f"; exec "$@"';
export const SECRETS_FIFO_DIR = '/claude-bottle/run';

function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const [entrypoint, ...command] = CONTAINER_DEFAULTS.idleCommand;
  const [uid = '1000', gid = uid] = spec.user.split(':');
  const process = spec.main
    ? {
        Entrypoint: ['sh', '-c', BOOT_SCRIPT, 'claude-bottle-boot'],
        Cmd: spec.main.command,
        Tty: true,
        OpenStdin: true,
        StdinOnce: false,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
      }
    : { Entrypoint: [entrypoint], Cmd: command, Tty: false, OpenStdin: false, AttachStdin: false, AttachStdout: false, AttachStderr: false };
  return {
    name: spec.name,
    Image: spec.image,
    User: spec.user,
    WorkingDir: spec.workdir,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: spec.labels,
    ...process,
    HostConfig: {
      ...(spec.main ? { Tmpfs: { [SECRETS_FIFO_DIR]: `rw,nosuid,nodev,noexec,size=64k,mode=0700,uid=${uid},gid=${gid}` } } : {}),
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      Init: true,
      PidsLimit: spec.pids,
      Memory: spec.memoryBytes,
      // Equal to Memory: no swap on top of the memory limit.
      MemorySwap: spec.memoryBytes,
      NanoCpus: Math.round(spec.cpus * 1e9),
      NetworkMode: typeof spec.network === 'object' ? `container:${spec.network.joins}` : spec.network === 'none' ? 'none' : 'bridge',
      Mounts: spec.mounts.map((mount) => ({
        Type: mount.type ?? 'bind',
        Source: mount.source,
        Target: mount.target,
        ReadOnly: mount.readonly,
      })),
      AutoRemove: false,
    },
  };
}

function validateSpec(spec: ContainerSpec): void {
  const bad = (message: string): BottleError => new BottleError('container-failed', `container ${spec.name}: ${message}`);
  if (!Number.isFinite(spec.memoryBytes) || spec.memoryBytes < 6 * 1024 * 1024) throw bad(`memory limit ${spec.memoryBytes} is too small`);
  if (!Number.isFinite(spec.cpus) || spec.cpus <= 0) throw bad(`cpu limit ${spec.cpus} must be positive`);
  if (!Number.isInteger(spec.pids) || spec.pids <= 0) throw bad(`pids limit ${spec.pids} must be a positive integer`);
  for (const mount of spec.mounts) {
    if (!path.posix.isAbsolute(mount.target)) throw bad(`mount target ${mount.target} is not an absolute path`);
  }
}

/**
 * The last line before the engine: a bind source that is a socket or holds a container engine's
 * (the one this client uses included) needs allowDockerSocket; one reaching Docker's data root as
 * the engine reports it needs a mount the preflight showed as dangerous. The manifest's checks
 * (docs/security.md) judge the rest; this one knows what only the engine can tell.
 */
async function checkBindSources(docker: Docker, spec: ContainerSpec, signal: AbortSignal): Promise<void> {
  const binds = spec.mounts.filter((mount) => (mount.type ?? 'bind') === 'bind');
  if (binds.length === 0) return;
  const used = dockerSocketPath(docker);
  const dataRoot = await engineDataRoot(docker, signal);
  const places = sensitivePlaces({ home: homedir(), ...(used ? { engineSockets: [used] } : {}), ...(dataRoot ? { dockerDataRoots: [dataRoot] } : {}) });
  for (const mount of binds) {
    // No search for sockets below a folder here: the bottle's own folders (its Claude storage, a
    // read-write project) could hold one it made, and it reaches nothing of the host.
    const { reasons } = assessHostPath(mount.source, places, { searchSockets: false });
    const socket = reasons.find((reason) => reason.kind === 'engine-socket' || reason.kind === 'socket');
    if (socket && !spec.allowDockerSocket) {
      throw new BottleError(
        'container-failed',
        `container ${spec.name}: refusing to mount ${mount.source}: ${socket.message}`,
        'Access to the Docker socket is root on the host. Set "dangerous": true on the agent if you really mean it.',
      );
    }
    const data = reasons.find((reason) => reason.kind === 'docker-data');
    if (data && !mount.confirmedDangerous) {
      throw new BottleError(
        'container-failed',
        `container ${spec.name}: refusing to mount ${mount.source}: ${data.message}`,
        "The preflight did not show this mount as dangerous. Docker's data root holds every container's files; mount something else.",
      );
    }
  }
}

/** Docker's data root as the engine reports it, when it is a folder of this host. */
async function engineDataRoot(docker: Docker, signal: AbortSignal): Promise<string | undefined> {
  // dockerode's info takes options (abortSignal) though its types do not say so.
  const info = docker.info.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<{ DockerRootDir?: unknown } | undefined>;
  try {
    const { DockerRootDir: root } = (await raceSignal(info({ abortSignal: signal }), signal, 'asking Docker for its data root')) ?? {};
    return typeof root === 'string' && root.startsWith('/') ? root : undefined;
  } catch {
    // An engine that does not answer fails the create just after, with its own message.
    return undefined;
  }
}

export interface BottleContainer {
  id: string;
  /** Without the leading slash. */
  name: string;
  image: string;
  labels: Record<string, string>;
  /** created | running | paused | restarting | removing | exited | dead */
  state: string;
  /** The engine's human status, e.g. `Up 3 minutes`. */
  status: string;
  created: Date;
}

/**
 * Bottle containers in every state (those with a `claude-bottle.slug` label), optionally only
 * those whose labels have the given values.
 */
export async function findBottleContainers(docker: Docker, labels: Record<string, string> = {}): Promise<BottleContainer[]> {
  const filter = [LABELS.slug, ...Object.entries(labels).map(([key, value]) => `${key}=${value}`)];
  let listed: Docker.ContainerInfo[];
  try {
    listed = await docker.listContainers({ all: true, filters: { label: filter } });
  } catch (error) {
    throw toBottleError(error, 'container-failed', 'listing bottle containers', dockerEndpoint(docker));
  }
  return listed.map((info) => ({
    id: info.Id,
    name: (info.Names[0] ?? info.Id).replace(/^\//, ''),
    image: info.Image,
    labels: info.Labels ?? {},
    state: info.State,
    status: info.Status,
    created: new Date(info.Created * 1000),
  }));
}

/** Force-removes the container and its anonymous volumes; a container that is gone is fine. */
export async function removeBottleContainer(docker: Docker, nameOrId: string): Promise<void> {
  try {
    await docker.getContainer(nameOrId).remove({ force: true, v: true });
  } catch (error) {
    if (isNotFound(error)) return;
    // 409 "removal already in progress": someone else is removing it.
    if (statusCodeOf(error) === 409 && /already in progress/i.test(engineMessage(error))) return;
    throw toBottleError(error, 'container-failed', `removing container ${nameOrId}`, dockerEndpoint(docker));
  }
}

/** Whose a bottle's container must be: the slug it was created for, under this state root. */
export interface ContainerOwner {
  slug: string;
  home: string;
}

/**
 * Throws unless the container carries the owner's labels. A record names its container, but a
 * record is a file that can be edited: nothing is removed or entered on its word alone.
 */
export function checkOwnership(name: string, labels: Record<string, string> | undefined, owner: ContainerOwner): void {
  if (labels?.[LABELS.slug] === owner.slug && labels?.[LABELS.home] === owner.home) return;
  throw new BottleError(
    'state',
    `container ${name} is not bottle ${owner.slug}'s (its labels say ${JSON.stringify({ slug: labels?.[LABELS.slug] ?? null, home: labels?.[LABELS.home] ?? null })}); it was left alone`,
    'a bottle.json edited by hand cannot point the app at another container',
  );
}

/** Removes a bottle's container after checking it is that bottle's; a container that is gone is fine. */
export async function removeOwnedContainer(docker: Docker, name: string, owner: ContainerOwner): Promise<void> {
  const info = await inspectOwnedContainer(docker, name, owner);
  if (info) await removeBottleContainer(docker, info.Id);
}

/**
 * Before a resume creates the bottle's container again: one left under its name, stopped (the
 * engine went away before it could be removed), is removed once its labels show it is this
 * bottle's. A running one is refused: its Claude is attached to, never replaced.
 */
export async function removeStoppedContainer(docker: Docker, name: string, owner: ContainerOwner): Promise<void> {
  const info = await inspectOwnedContainer(docker, name, owner);
  if (!info) return;
  if (info.State.Running) {
    throw new BottleError('usage', `bottle ${owner.slug} is still running in ${name}`, `attach to it: claude-bottle attach ${owner.slug} (or Re-attach in the window)`);
  }
  await removeBottleContainer(docker, info.Id);
}

/** The container under `name` once its labels show it is `owner`'s; undefined when there is none. */
async function inspectOwnedContainer(docker: Docker, name: string, owner: ContainerOwner): Promise<Docker.ContainerInspectInfo | undefined> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(name).inspect();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw toBottleError(error, 'container-failed', `inspecting container ${name}`, dockerEndpoint(docker));
  }
  checkOwnership(name, info.Config.Labels, owner);
  return info;
}

export interface ContainerState {
  id: string;
  /** created | running | paused | restarting | removing | exited | dead */
  status: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  startedAt?: Date;
  finishedAt?: Date;
  labels: Record<string, string>;
}

/** The container's state, or undefined when there is no such container. */
export async function containerState(docker: Docker, nameOrId: string): Promise<ContainerState | undefined> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(nameOrId).inspect();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw toBottleError(error, 'container-failed', `inspecting container ${nameOrId}`, dockerEndpoint(docker));
  }
  const date = (value: string | undefined): Date | undefined =>
    value && !value.startsWith('0001-') ? new Date(value) : undefined;
  const startedAt = date(info.State.StartedAt);
  const finishedAt = date(info.State.FinishedAt);
  return {
    id: info.Id,
    status: info.State.Status,
    running: info.State.Running,
    exitCode: info.State.ExitCode,
    oomKilled: info.State.OOMKilled,
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    labels: info.Config.Labels ?? {},
  };
}
