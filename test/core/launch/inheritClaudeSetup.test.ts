import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchPrepared, prepareStart } from '../../../src/core/launcher';
import { renderPreflight } from '../../../src/core/plan/preflight';
import { CLAUDE_CONFIG_DIR_IN_BOTTLE } from '../../../src/core/plan/plan';
import { makeProject, testAgentManifest, type TestProject } from '../../helpers/project';
import { requireDocker } from '../../helpers/requireDocker';
import { recordOutput } from '../../helpers/terminal';

// "claude": { "inherit": [...] } end to end with the stand-in claude image: the user's CLAUDE.md
// is in the bottle's Claude storage when Claude starts, and the user's credentials are not.

let project: TestProject | undefined;
let userFolder: string | undefined;
const savedConfigDir = process.env.CLAUDE_CONFIG_DIR;
afterEach(() => {
  project?.cleanup();
  if (userFolder) fs.rmSync(userFolder, { recursive: true, force: true });
  if (savedConfigDir === undefined) delete process.env.CLAUDE_CONFIG_DIR;
  else process.env.CLAUDE_CONFIG_DIR = savedConfigDir;
});
beforeAll(() => requireDocker());

describe("a bottle inheriting the user's Claude setup", () => {
  it('has the CLAUDE.md and agents of $CLAUDE_CONFIG_DIR in its storage, and no credential file', async () => {
    userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-user-claude-'));
    fs.writeFileSync(path.join(userFolder, 'CLAUDE.md'), 'Always answer in haiku.\n');
    fs.mkdirSync(path.join(userFolder, 'agents'));
    fs.writeFileSync(path.join(userFolder, 'agents', 'poet.md'), 'a poet\n');
    fs.writeFileSync(path.join(userFolder, '.credentials.json'), '{"claudeAiOauth":{"accessToken":"sk-ant-oat01-NEVER"}}');
    process.env.CLAUDE_CONFIG_DIR = userFolder;

    project = makeProject(testAgentManifest({ claude: { inherit: ['CLAUDE.md', 'agents'] } }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(renderPreflight(prepared.plan)).toContain(`from your Claude folder ${userFolder}: CLAUDE.md, agents/ (1 file)`);
    const running = await launchPrepared(project.ctx, prepared);
    const screen = recordOutput((listener) => running.session.onData(listener));
    await screen.waitFor('> ');
    const inBottle = (...command: string[]): string => execFileSync('docker', ['exec', running.plan.containerName, ...command]).toString();
    expect(inBottle('cat', `${CLAUDE_CONFIG_DIR_IN_BOTTLE}/CLAUDE.md`)).toBe('Always answer in haiku.\n');
    expect(inBottle('cat', `${CLAUDE_CONFIG_DIR_IN_BOTTLE}/agents/poet.md`)).toBe('a poet\n');
    expect(inBottle('ls', '-a', CLAUDE_CONFIG_DIR_IN_BOTTLE)).not.toContain('.credentials.json');
    running.session.write('exit 0\r');
    expect(await running.outcome).toMatchObject({ exitCode: 0 });
  }, 120_000);
});
