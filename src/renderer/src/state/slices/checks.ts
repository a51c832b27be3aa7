import type { ApiResult, CommandResult, DoctorCheckView, ErrorInfo, ImageProgressView } from '#contract';

// The first-run checks (`claude-bottle doctor`'s), the panel that lists them, and "Update Claude
// Code" (the rebuild of the built-in base image) shown in it.

export interface ImageUpdateState {
  running: boolean;
  /** The last progress line (from this window's request or another's). */
  progress: ImageProgressView | null;
  result: CommandResult<'images.updateClaude'> | null;
  error: ErrorInfo | null;
}

export interface ChecksState {
  /** The panel is open: at the top of the main area while no tab is open. */
  visible: boolean;
  /** Opened with the Checks button: shown above the tabs too. */
  requested: boolean;
  loading: boolean;
  checks: DoctorCheckView[] | null;
  error: ErrorInfo | null;
  update: ImageUpdateState;
}

export const initialChecks: ChecksState = {
  visible: false,
  requested: false,
  loading: false,
  checks: null,
  error: null,
  update: { running: false, progress: null, result: null, error: null },
};

export function checksRunning(state: ChecksState): ChecksState {
  return { ...state, loading: true };
}

/**
 * The checks' answer. Run on start (`auto`), the panel opens by itself when one fails or warns —
 * unless this window was told to stop showing it (`dismissed`).
 */
export function checksAnswered(state: ChecksState, result: ApiResult<CommandResult<'app.doctor'>>, { auto, dismissed }: { auto: boolean; dismissed: boolean }): ChecksState {
  if (!result.ok) return { ...state, loading: false, error: result.error };
  const attention = result.data.checks.some((check) => check.status !== 'ok');
  return { ...state, loading: false, error: null, checks: result.data.checks, visible: state.visible || (auto && attention && !dismissed) };
}

/** The sidebar's Checks button. */
export function checksShown(state: ChecksState): ChecksState {
  return { ...state, visible: true, requested: true };
}

export function checksDismissed(state: ChecksState): ChecksState {
  return { ...state, visible: false, requested: false };
}

/** The worst result, for the dot on the Checks button; undefined before the first answer. */
export function worstCheck(state: ChecksState): 'ok' | 'warn' | 'fail' | undefined {
  if (!state.checks) return undefined;
  if (state.checks.some((check) => check.status === 'fail')) return 'fail';
  if (state.checks.some((check) => check.status === 'warn')) return 'warn';
  return 'ok';
}

function withUpdate(state: ChecksState, patch: Partial<ImageUpdateState>): ChecksState {
  return { ...state, update: { ...state.update, ...patch } };
}

/** "Update Claude Code" was pressed; a second press while it runs is ignored (null). */
export function imageUpdateStarted(state: ChecksState): ChecksState | null {
  if (state.update.running) return null;
  return withUpdate(state, { running: true, progress: null, result: null, error: null });
}

export function imageUpdateAnswered(state: ChecksState, result: ApiResult<CommandResult<'images.updateClaude'>>): ChecksState {
  return result.ok ? withUpdate(state, { running: false, result: result.data, error: null }) : withUpdate(state, { running: false, error: result.error });
}

/** A progress line of the build, from this window's request or another window's (then it shows running too). */
export function imageProgressed(state: ChecksState, progress: ImageProgressView): ChecksState {
  if (progress.done) return withUpdate(state, { progress, running: false, ...(progress.error ? { error: progress.error } : {}) });
  return withUpdate(state, { progress, running: true, error: null, result: null });
}
