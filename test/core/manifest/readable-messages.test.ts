import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ManifestError, formatManifestIssue, toErrorInfo } from '../../../src/core/errors';
import { formatKeyPath } from '../../../src/core/manifest';
import { makeManifestProject, reviewer, type ManifestProject } from './fixtures';

describe('manifest errors read as file:line:column: key path: what was expected', () => {
  let project: ManifestProject | undefined;
  afterEach(() => project?.cleanup());

  it('formats an issue the way compilers do', () => {
    project = makeManifestProject(
      reviewer(
        '      "image": "ubuntu",',
        '      "mounts": [',
        '        { "source": ".", "target": "/a" },',
        '        { "source": ".",',
        '          "target": "b" }',
        '      ]',
      ),
    );
    const [issue] = project.issues();
    expect(issue && formatManifestIssue(issue)).toBe(
      `${project.file}:9:21: agents.reviewer.mounts[1].target: expected an absolute container path (starting with "/")`,
    );
  });

  it('reports every issue at once, in the order of the file, in one error', () => {
    project = makeManifestProject(
      [
        '{',
        '  "version": 1,',
        '  "agents": {',
        '    "b": { "image": "x", "network": "closed" },',
        '    "a": { "image": "x", "resources": { "cpus": "2" } },',
        '    "c": { "image": "x", "mounts": [{ "source": "missing", "target": "/m" }] }',
        '  },',
        '  "extra": true',
        '}',
      ].join('\n'),
    );
    let error: unknown;
    try {
      project.load();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestError);
    const issues = (error as ManifestError).issues;
    // The path check of agent "c" still runs though other agents are invalid.
    expect(issues.map((issue) => [issue.line, issue.keyPath])).toEqual([
      [4, 'agents.b.network'],
      [5, 'agents.a.resources.cpus'],
      [6, 'agents.c.mounts[0].source'],
      [8, 'extra'],
    ]);
    expect((error as ManifestError).message.split('\n')).toHaveLength(4);
    expect(toErrorInfo(error).issues).toEqual(issues);
  });

  it('points at the real column after a byte-order mark', () => {
    project = makeManifestProject('{}');
    fs.writeFileSync(project.file, '\uFEFF{ "version": 3, "agents": {} }');
    expect(project.issues()[0]).toMatchObject({ line: 1, column: 14, keyPath: 'version' });
  });
});

describe('key paths', () => {
  it('put array indices in brackets and quote keys that are not plain words', () => {
    expect(formatKeyPath(['agents', 'reviewer', 'mounts', 1, 'target'])).toBe('agents.reviewer.mounts[1].target');
    expect(formatKeyPath(['agents', 'v1.2', 'image'])).toBe('agents["v1.2"].image');
    expect(formatKeyPath(['agents', 'code-review'])).toBe('agents.code-review');
    expect(formatKeyPath([])).toBe('');
  });
});
