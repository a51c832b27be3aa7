import { describe, expect, it } from 'vitest';
import {
  checksAnswered,
  checksDismissed,
  checksRunning,
  checksShown,
  imageProgressed,
  imageUpdateAnswered,
  imageUpdateStarted,
  initialChecks,
  worstCheck,
} from '../../../src/renderer/src/state/slices/checks';
import type { DoctorCheckView } from '../../../src/shared/contract';

const ok: DoctorCheckView = { id: 'docker', status: 'ok', title: 'Docker', detail: 'running' };
const warn: DoctorCheckView = { id: 'disk', status: 'warn', title: 'Disk', detail: 'low' };
const fail: DoctorCheckView = { id: 'credentials', status: 'fail', title: 'Credentials', detail: 'none' };

describe('the checks slice', () => {
  it('opens the panel by itself on start only when a check needs attention and it was not dismissed', () => {
    const running = checksRunning(initialChecks);
    expect(running.loading).toBe(true);
    expect(checksAnswered(running, { ok: true, data: { checks: [ok, warn] } }, { auto: true, dismissed: false })).toMatchObject({ visible: true, loading: false, checks: [ok, warn] });
    expect(checksAnswered(running, { ok: true, data: { checks: [ok] } }, { auto: true, dismissed: false }).visible).toBe(false);
    expect(checksAnswered(running, { ok: true, data: { checks: [fail] } }, { auto: true, dismissed: true }).visible).toBe(false);
    expect(checksAnswered(running, { ok: true, data: { checks: [fail] } }, { auto: false, dismissed: false }).visible).toBe(false);
  });

  it('keeps an open panel open, and shows why the checks could not run', () => {
    const shown = checksShown(initialChecks);
    expect(shown).toMatchObject({ visible: true, requested: true });
    expect(checksAnswered(checksRunning(shown), { ok: true, data: { checks: [ok] } }, { auto: false, dismissed: false }).visible).toBe(true);
    const failed = checksAnswered(checksRunning(shown), { ok: false, error: { kind: 'internal', message: 'boom' } }, { auto: false, dismissed: false });
    expect(failed).toMatchObject({ loading: false, error: { message: 'boom' }, checks: null });
    expect(checksDismissed(shown)).toMatchObject({ visible: false, requested: false });
  });

  it('names the worst result', () => {
    expect(worstCheck(initialChecks)).toBeUndefined();
    expect(worstCheck({ ...initialChecks, checks: [ok] })).toBe('ok');
    expect(worstCheck({ ...initialChecks, checks: [ok, warn] })).toBe('warn');
    expect(worstCheck({ ...initialChecks, checks: [warn, fail] })).toBe('fail');
  });

  it('runs one "Update Claude Code" at a time, and shows its result or error', () => {
    const started = imageUpdateStarted(initialChecks);
    expect(started?.update).toEqual({ running: true, progress: null, result: null, error: null });
    expect(imageUpdateStarted(started!)).toBeNull();
    const failed = imageUpdateAnswered(started!, { ok: false, error: { kind: 'build-failed', message: 'npm failed' } });
    expect(failed.update).toMatchObject({ running: false, error: { message: 'npm failed' } });
  });

  it('shows another window’s build running, and its end', () => {
    const progress = imageProgressed(initialChecks, { message: 'step 1/5', done: false });
    expect(progress.update).toMatchObject({ running: true, progress: { message: 'step 1/5' } });
    const done = imageProgressed(progress, { message: 'failed', done: true, error: { kind: 'build-failed', message: 'npm failed' } });
    expect(done.update).toMatchObject({ running: false, error: { message: 'npm failed' } });
  });
});
