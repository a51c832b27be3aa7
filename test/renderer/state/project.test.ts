import { describe, expect, it } from 'vitest';
import { created, creating, currentDir, initialProject, opened, opening, untouched } from '../../../src/renderer/src/state/slices/project';
import { projectView } from './fixtures';

const broken = { kind: 'manifest' as const, message: 'claude-bottle.json:3:5: agents must be an object' };

describe('the project slice', () => {
  it('opens a folder: loading, then its agents', () => {
    expect(untouched(initialProject)).toBe(true);
    const asked = opening(initialProject, '/work/p/sub');
    expect(asked).toMatchObject({ requestedDir: '/work/p/sub', loading: true });
    expect(untouched(asked)).toBe(false);
    const open = opened(asked, asked.seq, '/work/p/sub', { ok: true, data: projectView('/work/p') });
    expect(open).toMatchObject({ requestedDir: '/work/p', loading: false, error: null, created: null, view: { root: '/work/p' } });
    expect(currentDir(open)).toBe('/work/p');
  });

  it('keeps the folder asked for when opening it failed, to try again', () => {
    const asked = opening(opened(opening(initialProject, '/a'), 1, '/a', { ok: true, data: projectView('/a') }), '/b');
    const failed = opened(asked, asked.seq, '/b', { ok: false, error: broken });
    expect(failed).toMatchObject({ requestedDir: '/b', view: null, error: broken, loading: false });
    expect(currentDir(failed)).toBe('/b');
  });

  it('drops the answer to an older open (the user opened another folder meanwhile)', () => {
    const first = opening(initialProject, '/a');
    const second = opening(first, '/b');
    expect(opened(second, first.seq, '/a', { ok: true, data: projectView('/a') })).toBe(second);
  });

  it('creating a manifest shows the new file; a failure leaves the project as it was', () => {
    const asked = creating(opening(initialProject, '/p'));
    expect(asked.loading).toBe(true);
    const made = created(asked, asked.seq, { ok: true, data: projectView('/p') });
    expect(made).toMatchObject({ created: '/p/claude-bottle.json', view: { root: '/p' }, loading: false });
    const refused = created(asked, asked.seq, { ok: false, error: { kind: 'usage', message: 'exists' } });
    expect(refused).toEqual({ ...asked, loading: false });
    expect(created(opening(asked, '/q'), asked.seq, { ok: true, data: projectView('/p') }).requestedDir).toBe('/q');
  });
});
