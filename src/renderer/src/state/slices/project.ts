import type { ApiResult, ErrorInfo, ProjectView } from '#contract';

// The open project: the folder asked for, its agents (or why they cannot be shown), and the
// claude-bottle.json this window created for it.

export interface ProjectState {
  /** The folder last asked for (kept when opening it failed, to retry). */
  requestedDir: string | null;
  loading: boolean;
  view: ProjectView | null;
  error: ErrorInfo | null;
  /** The claude-bottle.json this window just created for the open project (shown until another opens). */
  created: string | null;
  /** Bumped by every open or create: an answer to an older one is dropped (the user moved on). */
  seq: number;
}

export const initialProject: ProjectState = { requestedDir: null, loading: false, view: null, error: null, created: null, seq: 0 };

/** Nothing was opened or created yet in this window (an automatic choice may still be made). */
export function untouched(state: ProjectState): boolean {
  return state.seq === 0;
}

export function opening(state: ProjectState, dir: string): ProjectState {
  return { ...state, requestedDir: dir, loading: true, seq: state.seq + 1 };
}

/** The answer to `projects.open` number `seq`: its agents, or the error shown in their place (with "Try again"). */
export function opened(state: ProjectState, seq: number, dir: string, result: ApiResult<ProjectView>): ProjectState {
  if (seq !== state.seq) return state;
  return result.ok
    ? { requestedDir: result.data.root, loading: false, view: result.data, error: null, created: null, seq }
    : { requestedDir: dir, loading: false, view: null, error: result.error, created: null, seq };
}

export function creating(state: ProjectState): ProjectState {
  return { ...state, loading: true, seq: state.seq + 1 };
}

/** The answer to `projects.init` number `seq`: the new manifest's agents; a failure leaves the project as it was. */
export function created(state: ProjectState, seq: number, result: ApiResult<ProjectView>): ProjectState {
  if (seq !== state.seq) return state;
  return result.ok
    ? { requestedDir: result.data.root, loading: false, view: result.data, error: null, created: result.data.manifestFile, seq }
    : { ...state, loading: false };
}

/** The folder to read again when something may have changed it (a stored secret, a reconnect). */
export function currentDir(state: ProjectState): string | null {
  return state.view?.root ?? state.requestedDir;
}
