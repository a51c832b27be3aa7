import { describe, expect, it } from 'vitest';
import type { CapabilityRequestView } from '../../../src/shared/contract';
import { answeringSet, initialRequests, requestReceived, requestSettled, requestsLoaded, shownRequest } from '../../../src/renderer/src/state/slices/requests';

const request = (slug: string, id: string): CapabilityRequestView => ({
  slug,
  id,
  agent: 'tester',
  capability: 'push',
  reason: 'to push',
  at: '2026-12-04T06:00:00.000Z',
  expiresAt: '2026-12-04T06:10:00.000Z',
  rows: [{ label: 'grants', lines: [{ text: 'push — push branches', tone: 'normal' }] }],
  known: true,
});

describe('the requests slice', () => {
  it('shows the oldest request of a bottle first, each once, and the next when it is settled', () => {
    let state = requestReceived(initialRequests, request('a-1', 'r1'));
    state = requestReceived(state, request('a-1', 'r2'));
    state = requestReceived(state, request('a-1', 'r1'));
    state = requestReceived(state, request('b-1', 'r3'));
    expect(state.bySlug['a-1']?.map((entry) => entry.id)).toEqual(['r1', 'r2']);
    expect(shownRequest(state, 'a-1')?.id).toBe('r1');
    state = requestSettled(state, 'a-1', 'r1');
    expect(shownRequest(state, 'a-1')?.id).toBe('r2');
    state = requestSettled(state, 'a-1', 'r2');
    expect(state.bySlug['a-1']).toBeUndefined();
    expect(shownRequest(state, 'b-1')?.id).toBe('r3');
  });

  it('marks a request being answered until it is settled', () => {
    let state = requestReceived(initialRequests, request('a-1', 'r1'));
    state = answeringSet(state, 'r1', true);
    expect(state.answering.has('r1')).toBe(true);
    state = requestSettled(state, 'a-1', 'r1');
    expect(state.answering.has('r1')).toBe(false);
    expect(answeringSet(answeringSet(state, 'x', true), 'x', false).answering.size).toBe(0);
  });

  it("takes the core's list after a reload as the whole truth for that bottle", () => {
    let state = requestReceived(initialRequests, request('a-1', 'stale'));
    state = requestsLoaded(state, 'a-1', [request('a-1', 'r9')]);
    expect(state.bySlug['a-1']?.map((entry) => entry.id)).toEqual(['r9']);
    expect(requestsLoaded(state, 'a-1', []).bySlug['a-1']).toBeUndefined();
  });
});
