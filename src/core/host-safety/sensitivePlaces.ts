import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SECRETS_FILE } from '../secrets/appSecretStore';
import { defaultStateRoot } from '../state/stateRoot';

// The host places whose contents hand a bottle the host, or another bottle. Each is resolved once
// (real path, device and inode, the identities of the folders above it), so judging a path costs a
// few stats. See docs/security.md ("Host paths a manifest may name").

export type DangerKind =
  | 'root'
  | 'home'
  | 'kernel'
  | 'devices'
  | 'runtime'
  | 'engine-socket'
  | 'socket'
  | 'docker-data'
  | 'app-state'
  | 'app-secrets'
  | 'credentials';

/** Whole sentences for the places a manifest names most often (docs/security.md). */
export const DANGER_REASONS = {
  dockerSocket: 'the Docker socket gives full control of the host',
  root: 'the root folder "/" exposes the whole host file system',
  home: 'the home folder exposes all your files, keys and credentials',
} as const;

/** What handing over a place hands over: the verb phrase after its name. */
const RISKS = {
  engineSocket: 'gives full control of the host',
  root: 'exposes the whole host file system',
  home: 'exposes all your files, keys and credentials',
  proc: "exposes the kernel's view of every process, other bottles' environments and keys included",
  sys: "exposes the kernel's and the devices' controls",
  dev: "exposes the host's devices",
  run: "holds the host services' runtime state and sockets",
  dockerData: "holds every container's and image's files",
  appState: "holds other bottles' conversations and Claude storage",
  appSecrets: 'holds the secrets you stored in the app',
  credentials: 'holds your keys and tokens',
} as const;

/** The Docker daemon's usual socket (the Linux default and its /run twin): refused even when absent. */
export const DOCKER_SOCKET_PATHS = ['/var/run/docker.sock', '/run/docker.sock'] as const;

/** Where Docker keeps its data when the engine is not asked (rootful, then rootless). */
export const DEFAULT_DOCKER_DATA_ROOT = '/var/lib/docker';

export interface HostSafetyEnv {
  /** The folder `~` means; its credential folders are sensitive, and so is the folder itself. */
  home: string;
  /** The app's state root; default `$CLAUDE_BOTTLE_HOME` or the platform's data folder. */
  stateRoot?: string;
  /** Docker data roots learned from the engine (`docker info`), besides the defaults. */
  dockerDataRoots?: string[];
  /** Engine sockets learned from the client in use, besides the well-known ones. */
  engineSockets?: string[];
  /** For `DOCKER_HOST`, `XDG_RUNTIME_DIR` and `CLAUDE_BOTTLE_HOME`; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface SensitivePlace {
  /** As named to the user. */
  path: string;
  /** Every path that names it (/var/run and /run are usually one folder). */
  aliases: string[];
  /** Its name in a message, its path included: "the home folder /home/me". */
  label: string;
  /** Its name when the manifest named it by one of its paths: "the home folder". */
  short: string;
  /** What handing it over hands over, after its name: "gives full control of the host". */
  risk: string;
  real: string;
  /** `dev:ino`, when it exists. */
  identity?: string;
  /** Identities of the folders above `real`: a path with one of them holds this place. */
  above: ReadonlySet<string>;
  kind: DangerKind;
  /** A path inside it is refused too (not for "/" and the home folder, which hold everything). */
  refuseInside: boolean;
  /** A folder holding it is refused too (not for "/", which nothing holds). */
  refuseHolder: boolean;
  /** Handing it over may hand over a socket, hence the host (the plan's dockerSocket flag). */
  reachesSocket: boolean;
}

export interface SensitiveSet {
  places: SensitivePlace[];
  /** Reals of places whose contents are not files worth scanning for sockets (/proc, /sys). */
  noScan: string[];
}

interface PlaceSpec {
  path: string;
  kind: DangerKind;
  label: string;
  short?: string;
  risk: string;
  refuseInside?: boolean;
  refuseHolder?: boolean;
  reachesSocket?: boolean;
  /** Kept even when absent (compared by path): the standard socket is refused on any host. */
  evenIfAbsent?: boolean;
}

/** Computes the set once for a call site: a manifest load, a container create. */
export function sensitivePlaces(options: HostSafetyEnv): SensitiveSet {
  const env = options.env ?? process.env;
  const home = path.resolve(options.home);
  const stateRoot = path.resolve(options.stateRoot ?? defaultStateRoot(env));
  const specs: PlaceSpec[] = [
    { path: '/', kind: 'root', label: 'the root folder "/"', risk: RISKS.root, refuseInside: false, refuseHolder: false, reachesSocket: true },
    { path: home, kind: 'home', label: `the home folder ${home}`, short: 'the home folder', risk: RISKS.home, refuseInside: false },
    // Through /proc/<pid>/root a bottle reaches the file system, sockets included, of any host
    // process its user may trace.
    { path: '/proc', kind: 'kernel', label: '/proc', risk: RISKS.proc, reachesSocket: true },
    { path: '/sys', kind: 'kernel', label: '/sys', risk: RISKS.sys },
    { path: '/dev', kind: 'devices', label: '/dev', risk: RISKS.dev },
    { path: '/run', kind: 'runtime', label: '/run', risk: RISKS.run },
    { path: '/var/run', kind: 'runtime', label: '/var/run', risk: RISKS.run },
    ...[DEFAULT_DOCKER_DATA_ROOT, path.join(home, '.local', 'share', 'docker'), ...(options.dockerDataRoots ?? [])].map(
      (root): PlaceSpec => ({ path: root, kind: 'docker-data', label: `Docker's data root ${root}`, short: "Docker's data root", risk: RISKS.dockerData }),
    ),
    ...engineSockets(home, env, options.engineSockets ?? []).map(
      (socket): PlaceSpec => ({
        path: socket,
        kind: 'engine-socket',
        ...engineSocketNames(socket),
        risk: RISKS.engineSocket,
        reachesSocket: true,
        evenIfAbsent: (DOCKER_SOCKET_PATHS as readonly string[]).includes(socket),
      }),
    ),
    { path: stateRoot, kind: 'app-state', label: `Claude Bottle's state folder ${stateRoot}`, short: "Claude Bottle's state folder", risk: RISKS.appState },
    { path: path.join(stateRoot, SECRETS_FILE), kind: 'app-secrets', label: `Claude Bottle's secret store ${path.join(stateRoot, SECRETS_FILE)}`, short: "Claude Bottle's secret store", risk: RISKS.appSecrets },
    ...CREDENTIAL_FOLDERS.map((folder): PlaceSpec => ({ path: path.join(home, folder), kind: 'credentials', label: `your credential folder ${path.join(home, folder)}`, risk: RISKS.credentials })),
  ];
  const places: SensitivePlace[] = [];
  const byKey = new Map<string, SensitivePlace>();
  for (const spec of specs) {
    const real = realPathLoose(spec.path);
    const stats = fs.statSync(real, { throwIfNoEntry: false });
    if (stats === undefined && !spec.evenIfAbsent && spec.kind !== 'home') continue;
    const identity = stats ? identityOf(stats) : undefined;
    // /var/run is usually /run: one place, known by both paths.
    const key = identity ?? `path:${real}`;
    const known = byKey.get(key);
    if (known) {
      known.aliases.push(spec.path);
      continue;
    }
    const place: SensitivePlace = {
      path: spec.path,
      aliases: [spec.path],
      label: spec.label,
      short: spec.short ?? spec.label,
      risk: spec.risk,
      real,
      ...(identity ? { identity } : {}),
      above: identitiesAbove(real),
      kind: spec.kind,
      refuseInside: spec.refuseInside ?? true,
      refuseHolder: spec.refuseHolder ?? true,
      reachesSocket: spec.reachesSocket ?? false,
    };
    byKey.set(key, place);
    places.push(place);
  }
  return { places, noScan: ['/proc', '/sys'].map(realPathLoose) };
}

/** How a socket is named in messages: Docker's as "the Docker socket", as it always was. */
export function engineSocketNames(socket: string): { label: string; short: string } {
  const short = /docker/i.test(path.basename(socket)) ? 'the Docker socket' : "a container engine's socket";
  return { label: `${short} ${socket}`, short };
}

/** A socket's file name that says which engine serves it. */
export const ENGINE_SOCKET_NAME = /docker|podman|containerd|buildkit|crio/i;

/** The credential folders of a home folder. */
export const CREDENTIAL_FOLDERS = ['.ssh', '.aws', path.join('.config', 'gcloud'), '.docker', '.kube', '.gnupg'] as const;

/** Sockets of container engines: Docker (rootful, rootless, Desktop, Colima, Rancher, OrbStack), containerd, Podman, CRI-O, BuildKit. */
function engineSockets(home: string, env: NodeJS.ProcessEnv, learned: string[]): string[] {
  const runtime = env.XDG_RUNTIME_DIR ?? (typeof process.getuid === 'function' ? `/run/user/${process.getuid()}` : undefined);
  const dockerHost = env.DOCKER_HOST?.startsWith('unix://') ? [env.DOCKER_HOST.slice('unix://'.length)] : [];
  return [
    ...DOCKER_SOCKET_PATHS,
    '/run/containerd/containerd.sock',
    '/run/podman/podman.sock',
    '/run/crio/crio.sock',
    '/run/buildkit/buildkitd.sock',
    ...(runtime ? [path.join(runtime, 'docker.sock'), path.join(runtime, 'podman', 'podman.sock'), path.join(runtime, 'containerd', 'containerd.sock')] : []),
    path.join(home, '.docker', 'run', 'docker.sock'),
    path.join(home, '.docker', 'desktop', 'docker.sock'),
    path.join(home, '.colima', 'default', 'docker.sock'),
    path.join(home, '.colima', 'docker.sock'),
    path.join(home, '.rd', 'docker.sock'),
    path.join(home, '.orbstack', 'run', 'docker.sock'),
    path.join(os.homedir(), '.docker', 'run', 'docker.sock'),
    ...dockerHost,
    ...learned,
  ].map((socket) => path.resolve(socket));
}

export function identityOf(stats: fs.Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

/** The identities of the folders above `real`, up to "/". */
export function identitiesAbove(real: string): Set<string> {
  const identities = new Set<string>();
  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    const stats = fs.statSync(dir, { throwIfNoEntry: false });
    if (stats) identities.add(identityOf(stats));
    if (path.dirname(dir) === dir) break;
  }
  return identities;
}

/** The real path of `file`; for a path that does not exist, that of its longest existing start. */
export function realPathLoose(file: string): string {
  const absolute = path.resolve(file);
  const rest: string[] = [];
  for (let current = absolute; ; current = path.dirname(current)) {
    try {
      return path.join(fs.realpathSync(current), ...rest.reverse());
    } catch {
      if (path.dirname(current) === current) return absolute;
      rest.push(path.basename(current));
    }
  }
}
