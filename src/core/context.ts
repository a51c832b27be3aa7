import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { connectDocker, dockerCliEnv } from './docker/client';
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
  owner: { pid: number; hostname: string };
}

export interface CoreContextOptions {
  env?: NodeJS.ProcessEnv;
  stateRoot?: string;
  docker?: Docker;
  secrets?: SecretSource;
}

export function createCoreContext(options: CoreContextOptions = {}): CoreContext {
  const env = options.env ?? process.env;
  return {
    docker: options.docker ?? connectDocker(),
    store: new StateStore(options.stateRoot ?? defaultStateRoot(env)),
    secrets: options.secrets ?? environmentSecrets(env),
    dockerCliEnv: dockerCliEnv(),
    owner: { pid: process.pid, hostname: hostname() },
  };
}

/** Whether the process that owns a session is still alive (on this machine). */
export function isOwnerAlive(owner: { pid: number; hostname: string } | undefined): boolean {
  if (!owner || owner.hostname !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
