import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { connectDocker, dockerCliEnv } from './docker/client';
import { resolveDockerEndpoint } from './docker/endpoint';
import { keepImageFactsUnder } from './docker/imagePasswd';
import { ownStartTime, readProcStat } from './processIdentity';
import { environmentSecrets, type SecretSource } from './plan/plan';
import { defaultStateRoot } from './state/stateRoot';
import { StateStore } from './state/stateStore';

/**
 * The services every front door (window, CLI, browser mode, tests) hands to the launch core, as
 * one bag: swapping the daemon, the state root or the secret source never touches the core.
 */
export interface CoreContext {
  docker: Docker;
  store: StateStore;
  secrets: SecretSource;
  /** What the docker CLI needs to reach the same daemon as `docker` (DOCKER_HOST ...). */
  dockerCliEnv: Record<string, string>;
  /** Identifies this process as the owner of the sessions it attaches. */
  owner: SessionOwner;
}

/**
 * The process attached to a session. `startTime` (Linux only) is the /proc start time of that
 * process; records written before it existed lack it and are judged by pid + hostname alone.
 */
export interface SessionOwner {
  pid: number;
  hostname: string;
  startTime?: number;
}

/** Identifies the current process as a session owner. */
export function currentOwner(): SessionOwner {
  const startTime = ownStartTime();
  return startTime === undefined ? { pid: process.pid, hostname: hostname() } : { pid: process.pid, hostname: hostname(), startTime };
}

export interface CoreContextOptions {
  env?: NodeJS.ProcessEnv;
  stateRoot?: string;
  docker?: Docker;
  secrets?: SecretSource;
}

export function createCoreContext(options: CoreContextOptions = {}): CoreContext {
  const env = options.env ?? process.env;
  // One resolution for both clients, so the API and the terminals reach the same engine; from
  // `env`, so a context given DOCKER_HOST talks to that engine whatever this process's own says.
  const endpoint = resolveDockerEndpoint(env);
  const docker = options.docker ?? connectDocker({ endpoint });
  const store = new StateStore(options.stateRoot ?? defaultStateRoot(env));
  keepImageFactsUnder(docker, store.imageFactsDir);
  return {
    docker,
    store,
    secrets: options.secrets ?? environmentSecrets(env),
    dockerCliEnv: dockerCliEnv(env, endpoint),
    owner: currentOwner(),
  };
}

/**
 * Whether the process that owns a session is still alive (on this machine). On Linux a zombie, or
 * a pid now held by a process that started at another time, counts as dead.
 */
export function isOwnerAlive(owner: SessionOwner | undefined): boolean {
  if (!owner || owner.hostname !== hostname()) return false;
  const stat = readProcStat(owner.pid);
  if (stat) {
    if (stat.state === 'Z' || stat.state === 'X') return false;
    if (owner.startTime !== undefined && stat.startTime !== owner.startTime) return false;
    return true;
  }
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
