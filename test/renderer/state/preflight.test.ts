import { describe, expect, it } from 'vitest';
import {
  cancelled,
  closed,
  confirmed,
  confirming,
  dropped,
  initialPreflight,
  type PrepareRequest,
  prepared,
  preparing,
  networkChecked,
  planShown,
  shownNetworkCheck,
  toggledRequest,
} from '../../../src/renderer/src/state/slices/preflight';
import { prepared as preparedView } from './fixtures';

const START: PrepareRequest = { kind: 'start', projectDir: '/work/p', agent: 'reviewer', options: { copyProject: false, remoteControl: false } };
const notFound = { kind: 'not-found' as const, message: 'gone' };

/** A dialog holding the prepared bottle `slug`. */
function ready(slug = 'reviewer-1') {
  const asked = preparing(initialPreflight, START);
  return prepared(asked, asked.seq, { ok: true, data: preparedView(slug) }).state;
}

describe('the preflight slice', () => {
  it('shows "preparing", then the plan and the prepared bottle', () => {
    const asked = preparing(initialPreflight, START);
    expect(asked.dialog).toMatchObject({ phase: 'preparing', agent: 'reviewer', resume: false, view: null });
    const answer = prepared(asked, asked.seq, { ok: true, data: preparedView('reviewer-1') });
    expect(answer.orphan).toBeNull();
    expect(answer.state.slug).toBe('reviewer-1');
    expect(answer.state.dialog).toMatchObject({ phase: 'ready', error: null, view: { slug: 'reviewer-1' } });
  });

  it('a resume keeps the options shown, and says it is a resume', () => {
    const asked = preparing(initialPreflight, { kind: 'resume', slug: 'reviewer-20250101T120000-ab12', agent: 'reviewer' });
    expect(asked.dialog).toMatchObject({ resume: true, options: { copyProject: false, remoteControl: false } });
    expect(toggledRequest(asked, 'copyProject', true)).toBeNull();
  });

  it('shows why there is no plan', () => {
    const asked = preparing(initialPreflight, START);
    const answer = prepared(asked, asked.seq, { ok: false, error: notFound });
    expect(answer.state.slug).toBeNull();
    expect(answer.state.dialog).toMatchObject({ phase: 'ready', view: null, error: notFound });
  });

  it('an answer to an older prepare changes nothing, and its bottle is to be cancelled', () => {
    const asked = preparing(initialPreflight, START);
    const gone = cancelled(asked);
    expect(gone.cancel).toBeNull();
    const late = prepared(gone.state, asked.seq, { ok: true, data: preparedView('reviewer-1') });
    expect(late.state).toBe(gone.state);
    expect(late.orphan).toBe('reviewer-1');
    expect(prepared(gone.state, asked.seq, { ok: false, error: notFound }).orphan).toBeNull();
  });

  it('a toggle drops the prepared bottle and prepares again, keeping the old plan on screen meanwhile', () => {
    const state = ready();
    const request = toggledRequest(state, 'copyProject', true);
    expect(request).toEqual({ ...START, options: { copyProject: true, remoteControl: false } });
    const drop = dropped(state);
    expect(drop.cancel).toBe('reviewer-1');
    expect(drop.state.slug).toBeNull();
    const again = preparing(drop.state, request as PrepareRequest);
    expect(again.dialog).toMatchObject({ phase: 'preparing', options: { copyProject: true }, view: { slug: 'reviewer-1' } });
    // The first plan's answer, arriving late, is nobody's.
    expect(prepared(again, state.seq, { ok: true, data: preparedView('reviewer-1') }).orphan).toBe('reviewer-1');
  });

  it('Cancel closes the dialog and cancels its prepared bottle', () => {
    const { state, cancel } = cancelled(ready());
    expect(cancel).toBe('reviewer-1');
    expect(state).toMatchObject({ dialog: null, request: null, slug: null });
  });

  it('Show plan only keeps the plan as text and cancels the prepared bottle', () => {
    const shown = planShown(ready());
    expect(shown?.cancel).toBe('reviewer-1');
    expect(shown?.state.dialog?.phase).toBe('plan');
    expect(shown?.state.dialog?.planText).toContain('claude-bottle-test:latest');
    expect(shown?.state.slug).toBeNull();
    expect(planShown(preparing(initialPreflight, START))).toBeNull();
    expect(closed(shown!.state).dialog).toBeNull();
  });

  it('Confirm launches only a ready plan, then closes the dialog', () => {
    expect(confirming(preparing(initialPreflight, START))).toBeNull();
    const launch = confirming(ready());
    expect(launch).toMatchObject({ slug: 'reviewer-1', agent: 'reviewer' });
    expect(launch?.state.dialog?.phase).toBe('confirming');
    expect(confirming(launch!.state)).toBeNull();
    const done = confirmed(launch!.state, launch!.seq, { ok: true, data: { slug: 'reviewer-1', agent: 'reviewer', status: 'starting' } });
    expect(done).toMatchObject({ dialog: null, request: null, slug: null });
  });

  it('a refused launch shows why, and keeps the bottle for Cancel to clean up', () => {
    const launch = confirming(ready())!;
    const refused = confirmed(launch.state, launch.seq, { ok: false, error: notFound });
    expect(refused?.dialog).toMatchObject({ phase: 'ready', view: null, error: notFound });
    expect(refused?.slug).toBe('reviewer-1');
    expect(cancelled(refused!).cancel).toBe('reviewer-1');
  });

  it('ignores a launch answer after the dialog was cancelled', () => {
    const launch = confirming(ready())!;
    const gone = cancelled(launch.state).state;
    expect(confirmed(gone, launch.seq, { ok: true, data: { slug: 'reviewer-1', agent: 'reviewer', status: 'starting' } })).toBeNull();
  });
});

describe("the preflight's network check", () => {
  it('is shown for the bottle the dialog holds, whichever of the check and the plan came first', () => {
    const check = { slug: 'reviewer-20260101T000000-abcd', ok: true, lines: ['ok   direct connection to 10.0.0.1:3128 fails (ENETUNREACH)'] };
    const opened = preparing(initialPreflight, START);
    const early = networkChecked(opened, check);
    expect(shownNetworkCheck(early)).toBeNull();
    const planned = prepared(early, early.seq, { ok: true, data: preparedView('reviewer-20260101T000000-abcd') }).state;
    expect(shownNetworkCheck(planned)).toEqual(check);
    expect(shownNetworkCheck(networkChecked(planned, { ...check, slug: 'reviewer-20260101T000000-ffff' }))).toBeNull();
  });
});
