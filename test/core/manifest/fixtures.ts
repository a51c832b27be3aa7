import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManifestError, type ManifestIssue } from '../../../src/core/errors';
import { type LoadedManifest, loadManifestText } from '../../../src/core/manifest';

/** A throwaway project folder beside a throwaway home folder. */
export interface ManifestProject {
  base: string;
  root: string;
  home: string;
  file: string;
  load(): LoadedManifest;
  /** The issues loading reports; fails when loading succeeds. */
  issues(): ManifestIssue[];
  cleanup(): void;
}

export interface ProjectSetup {
  /** Files to create in the project, by relative path. */
  files?: Record<string, string>;
  /** Folders to create in the project, by relative path. */
  dirs?: string[];
}

/** Writes `text` (with {{root}} and {{home}} replaced) as the project's claude-bottle.json. */
export function makeManifestProject(text: string, setup: ProjectSetup = {}): ManifestProject {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-manifest-'));
  const root = path.join(base, 'project');
  const home = path.join(base, 'home');
  fs.mkdirSync(root);
  fs.mkdirSync(home);
  for (const dir of setup.dirs ?? []) fs.mkdirSync(path.join(root, dir), { recursive: true });
  for (const [name, content] of Object.entries(setup.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  const file = path.join(root, 'claude-bottle.json');
  fs.writeFileSync(file, fillIn(text, { root, home }));
  // The text as loading reads it: these tests are about what a manifest says (reading the file is
  // discovery.test.ts's and test/hostile's).
  const load = (): LoadedManifest => loadManifestText(file, fs.readFileSync(file, 'utf8'), { home });
  return {
    base,
    root,
    home,
    file,
    load,
    issues: () => {
      try {
        load();
      } catch (error) {
        if (error instanceof ManifestError) return error.issues;
        throw error;
      }
      throw new Error('expected the manifest to be refused, but it loaded');
    },
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

export function fillIn(text: string, places: { root: string; home: string }): string {
  return text.replaceAll('{{root}}', places.root).replaceAll('{{home}}', places.home);
}

/** Lines joined with "\n", so a manifest's line N is the array's entry N-1. */
export function lines(...text: string[]): string {
  return text.join('\n');
}

/**
 * A manifest with one agent "reviewer" whose body lines start on line 5, indented by six spaces:
 *
 *     1 {
 *     2   "version": 1,
 *     3   "agents": {
 *     4     "reviewer": {
 *     5       <body[0]>
 */
export function reviewer(...body: string[]): string {
  return lines('{', '  "version": 1,', '  "agents": {', '    "reviewer": {', ...body, '    }', '  }', '}');
}
