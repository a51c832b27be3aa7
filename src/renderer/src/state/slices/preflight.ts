import type { ApiResult, BottleStatus, ErrorInfo, EventPayload, PreparedView } from '#contract';
import { preflightText } from '../../format';

// The preflight dialog: a bottle is prepared (its plan made, a state folder reserved) and shown
// before anything runs; Confirm launches it, Cancel (or closing the page) cancels the prepared
// bottle so nothing is left behind.

export type PreflightPhase = 'preparing' | 'ready' | 'confirming' | 'plan';

export interface PreflightOptions {
  copyProject: boolean;
  remoteControl: boolean;
}

/** What PreflightDialog shows. */
export interface PreflightModel {
  phase: PreflightPhase;
  /** What the dialog is about while there is no plan yet. */
  agent: string;
  resume: boolean;
  options: PreflightOptions;
  view: PreparedView | null;
  error: ErrorInfo | null;
  /** Set in the 'plan' phase: the plan as text; nothing was started and nothing is left behind. */
  planText?: string;
}

export type PrepareRequest =
  | { kind: 'start'; projectDir: string; agent: string; options: PreflightOptions }
  | { kind: 'resume'; slug: string; agent: string };

export interface PreflightState {
  /** The dialog, or null when none is open. */
  dialog: PreflightModel | null;
  /** What the dialog was opened for: a toggle prepares it again with other options. */
  request: PrepareRequest | null;
  /** The prepared bottle the dialog holds: confirmed, or cancelled when the dialog goes. */
  slug: string | null;
  /** Bumped by every prepare and every drop: an answer to an older one is nobody's. */
  seq: number;
  /**
   * What the newest prepared bottle's network has checked while its preflight is read; it may
   * arrive before the plan does, so it is kept by slug and shown when the slugs match.
   */
  networkCheck: NetworkCheck | null;
}

export type NetworkCheck = EventPayload<'preflight.network'>;

export const initialPreflight: PreflightState = { dialog: null, request: null, slug: null, seq: 0, networkCheck: null };

/** The network check of a prepared bottle arrived. */
export function networkChecked(state: PreflightState, check: NetworkCheck): PreflightState {
  return { ...state, networkCheck: check };
}

/** The network check the dialog shows: the one of the bottle it holds, if it arrived. */
export function shownNetworkCheck(state: PreflightState): NetworkCheck | null {
  return state.networkCheck && state.dialog?.view?.slug === state.networkCheck.slug ? state.networkCheck : null;
}

const NO_OPTIONS: PreflightOptions = { copyProject: false, remoteControl: false };

/** A prepare is sent: the dialog says so, keeping the old plan (a toggle changed) until the new one arrives. */
export function preparing(state: PreflightState, request: PrepareRequest): PreflightState {
  const current = state.dialog;
  return {
    ...state,
    seq: state.seq + 1,
    request,
    dialog: {
      phase: 'preparing',
      agent: request.agent,
      resume: request.kind === 'resume',
      options: request.kind === 'start' ? request.options : (current?.options ?? NO_OPTIONS),
      view: current && current.agent === request.agent ? current.view : null,
      error: null,
    },
  };
}

/**
 * The answer to prepare number `seq`: the plan, or why there is none. An answer to an older
 * prepare (the dialog was closed or prepared again meanwhile) changes nothing, and its bottle is
 * `orphan`: cancel it.
 */
export function prepared(state: PreflightState, seq: number, result: ApiResult<PreparedView>): { state: PreflightState; orphan: string | null } {
  if (seq !== state.seq) return { state, orphan: result.ok ? result.data.slug : null };
  const dialog = state.dialog && {
    ...state.dialog,
    phase: 'ready' as const,
    view: result.ok ? result.data : null,
    options: result.ok ? result.data.options : state.dialog.options,
    error: result.ok ? null : result.error,
  };
  return { state: { ...state, slug: result.ok ? result.data.slug : null, dialog }, orphan: null };
}

/** The dialog lets go of its prepared bottle (`cancel` it); answers still on their way are dropped. */
export function dropped(state: PreflightState): { state: PreflightState; cancel: string | null } {
  return { state: { ...state, seq: state.seq + 1, slug: null }, cancel: state.slug };
}

/** A toggle of a start's options: the request to prepare again with, or null (a resume has none). */
export function toggledRequest(state: PreflightState, option: keyof PreflightOptions, value: boolean): PrepareRequest | null {
  const request = state.request;
  if (!request || request.kind !== 'start') return null;
  return { ...request, options: { ...request.options, [option]: value } };
}

/** Cancel: the dialog closes and its prepared bottle is cancelled. */
export function cancelled(state: PreflightState): { state: PreflightState; cancel: string | null } {
  const { state: next, cancel } = dropped(state);
  return { state: { ...next, request: null, dialog: null }, cancel };
}

/** Show plan only: the plan as text, and the prepared bottle cancelled at once (like --dry-run); null without a plan. */
export function planShown(state: PreflightState): { state: PreflightState; cancel: string | null } | null {
  const current = state.dialog;
  if (!current?.view) return null;
  const { state: next, cancel } = dropped(state);
  return { state: { ...next, request: null, dialog: { ...current, phase: 'plan', planText: preflightText(current.view) } }, cancel };
}

/** Close (the plan-only view): nothing is held any more. */
export function closed(state: PreflightState): PreflightState {
  return { ...state, dialog: null };
}

/** Confirm: what to launch, or null when the dialog holds no ready plan. */
export function confirming(state: PreflightState): { state: PreflightState; slug: string; agent: string; seq: number } | null {
  const { slug, request, dialog } = state;
  if (!slug || !request?.agent || dialog?.phase !== 'ready') return null;
  return { state: { ...state, dialog: { ...dialog, phase: 'confirming' } }, slug, agent: request.agent, seq: state.seq };
}

/**
 * The launch's answer to confirm number `seq`: the dialog closes (the caller opens the tab), or
 * shows why the launch was refused before it began (Cancel cleans up). Null for a stale answer.
 */
export function confirmed(state: PreflightState, seq: number, result: ApiResult<BottleStatus>): PreflightState | null {
  if (seq !== state.seq) return null;
  if (result.ok) return { ...state, slug: null, request: null, dialog: null };
  return { ...state, dialog: state.dialog && { ...state.dialog, phase: 'ready', view: null, error: result.error } };
}
