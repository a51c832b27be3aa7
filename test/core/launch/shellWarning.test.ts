import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinBaseImage } from '../../../src/core/builtin/baseImage';
import { imageHasClaudeShell } from '../../../src/core/docker/imagePasswd';
import { prepareStart } from '../../../src/core/launcher';
import { renderPreflight } from '../../../src/core/plan/preflight';
import { DEBIAN_IMAGE } from '../../helpers/egressImage';
import { makeProject, testAgentManifest, type TestProject } from '../../helpers/project';
import { requireDocker } from '../../helpers/requireDocker';

// Claude Code's Bash tool needs bash or zsh: an image with only a POSIX sh gets a warning in the
// preflight, and builtin:base has bash.

let project: TestProject | undefined;
afterEach(() => project?.cleanup());
beforeAll(() => requireDocker());

describe("an image without Claude's shell", () => {
  it('is named in the preflight; builtin:base has bash', async () => {
    project = makeProject(testAgentManifest());
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(renderPreflight(prepared.plan)).toContain("Claude's Bash tool needs bash or zsh, and this image has neither");
    const { tag } = await ensureBuiltinBaseImage(project.ctx.docker, { baseImage: DEBIAN_IMAGE });
    expect(await imageHasClaudeShell(project.ctx.docker, tag)).toBe(true);
    expect(await imageHasClaudeShell(project.ctx.docker, 'claude-bottle-test:latest')).toBe(false);
  }, 20 * 60_000);
});
