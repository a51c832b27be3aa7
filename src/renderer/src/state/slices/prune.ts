import type { PruneItemView } from '#contract';

// "Find unused…" in the checks panel: what no bottle owns, as the core last listed it.

export interface PruneState {
  /** Null until listed. */
  items: readonly PruneItemView[] | null;
  busy: boolean;
  note?: string;
}

export const initialPrune: PruneState = { items: null, busy: false };
