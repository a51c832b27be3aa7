import type { CapabilityRequestView } from '#contract';

// Capability requests waiting for an answer, per bottle, in the order they came; and the ones
// whose answer is on its way (their buttons are disabled). See docs/control-channel.md.

export interface RequestsState {
  bySlug: Readonly<Record<string, readonly CapabilityRequestView[]>>;
  answering: ReadonlySet<string>;
}

export const initialRequests: RequestsState = { bySlug: {}, answering: new Set() };

export function requestReceived(state: RequestsState, request: CapabilityRequestView): RequestsState {
  const current = state.bySlug[request.slug] ?? [];
  if (current.some((entry) => entry.id === request.id)) return state;
  return { ...state, bySlug: { ...state.bySlug, [request.slug]: [...current, request] } };
}

export function requestSettled(state: RequestsState, slug: string, id: string): RequestsState {
  const current = state.bySlug[slug] ?? [];
  const answering = new Set(state.answering);
  answering.delete(id);
  const rest = current.filter((entry) => entry.id !== id);
  const bySlug = { ...state.bySlug };
  if (rest.length > 0) bySlug[slug] = rest;
  else delete bySlug[slug];
  return { bySlug, answering };
}

/** What the core lists for a bottle (after a reload): replaces what the window knew of it. */
export function requestsLoaded(state: RequestsState, slug: string, requests: readonly CapabilityRequestView[]): RequestsState {
  const bySlug = { ...state.bySlug };
  if (requests.length > 0) bySlug[slug] = [...requests];
  else delete bySlug[slug];
  return { ...state, bySlug };
}

export function answeringSet(state: RequestsState, id: string, on: boolean): RequestsState {
  const answering = new Set(state.answering);
  if (on) answering.add(id);
  else answering.delete(id);
  return { ...state, answering };
}

/** The request a bottle's tab shows now: the oldest. */
export function shownRequest(state: RequestsState, slug: string): CapabilityRequestView | undefined {
  return state.bySlug[slug]?.[0];
}
