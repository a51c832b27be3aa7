import type { BottleList, PreparedView, ProjectView, SessionView } from '../../../src/shared/contract';

// Views as the core sends them, for the window's state tests.

export function session(slug: string, status: SessionView['status'] = 'running'): SessionView {
  return { slug, agent: slug.replace(/-\d+$/, ''), status, projectRoot: '/work/p', image: 'claude-bottle-test:latest', network: 'none', behindProxy: false, startedAt: '2026-01-01T00:00:00.000Z' };
}

export function bottleList(sessions: SessionView[], more: Partial<BottleList> = {}): BottleList {
  return { sessions, detached: [], preserved: [], corrupt: [], ...more };
}

export function prepared(slug: string, options = { copyProject: false, remoteControl: false }): PreparedView {
  return {
    slug,
    agent: 'reviewer',
    projectRoot: '/work/p',
    resume: false,
    options,
    title: 'Start reviewer',
    subtitle: '/work/p',
    rows: [{ label: 'Image', lines: [{ text: 'claude-bottle-test:latest', tone: 'normal' }] }],
    warnings: [],
  };
}

export function projectView(root: string): ProjectView {
  return { root, manifestFile: `${root}/claude-bottle.json`, name: 'p', agents: [] };
}
