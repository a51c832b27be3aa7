import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';
import { createCoreContext } from '../../src/core/context';
import { ensureTestEgressImage } from '../helpers/egressImage';
import { requireDocker } from '../helpers/requireDocker';
import { CLI_COMMAND, runCliInTerminal } from '../helpers/terminal';

let project: TestProject | undefined;
afterEach(() => project?.cleanup());
beforeAll(() => requireDocker());

const cli = (args: string[], p: TestProject) => runCliInTerminal(args, { env: p.env, cwd: p.root });
const stateEntries = (p: TestProject): string[] => (fs.existsSync(join(p.home, 'state')) ? fs.readdirSync(join(p.home, 'state')) : []);
const bottleContainers = (p: TestProject): string =>
  execFileSync('docker', ['ps', '-a', '--format', '{{.Names}}', '--filter', `label=claude-bottle.home=${p.home}`]).toString().trim();

describe('claude-bottle on the command line', () => {
  it('every command has --help and a bad command is a usage error', async () => {
    project = makeProject(testAgentManifest());
    for (const command of ['start', 'resume', 'ls', 'ps', 'stop', 'discard', 'init', 'doctor', 'serve', 'update-claude', 'grant', 'deny', 'prune', 'attach']) {
      const run = cli([command, '--help'], project);
      expect(await run.exited).toBe(0);
      expect(run.text()).toContain(`Usage: claude-bottle ${command}`);
    }
    const bad = cli(['launch-everything'], project);
    expect(await bad.exited).toBe(64);
    expect(bad.text()).toContain("unknown command 'launch-everything'");
  });

  it('ls lists the agents with their badges', async () => {
    project = makeProject(testAgentManifest({ network: 'none', secrets: ['SOME_TOKEN'], description: 'the tester' }));
    const run = cli(['ls'], project);
    expect(await run.exited).toBe(0);
    expect(run.text()).toMatch(/tester\s+claude-bottle-test:latest\s+network:none rw-mounts secrets:1\s+the tester/);
  });

  it('an invalid manifest exits 65 with file, line and column', async () => {
    project = makeProject('{\n  "version": 1,\n  "agents": { "Bad Name": { "image": "x" } }\n}\n');
    const run = cli(['start', '--yes', 'x'], project);
    expect(await run.exited).toBe(65);
    expect(run.text()).toContain(`${project.manifest}:3:`);
    expect(stateEntries(project)).toEqual([]);
  });

  it('--dry-run and CLAUDE_BOTTLE_DRY_RUN=1 show the preflight and start nothing', async () => {
    project = makeProject(testAgentManifest());
    const run = cli(['start', '--dry-run', 'tester'], project);
    expect(await run.exited).toBe(0);
    expect(run.text()).toContain('all Linux capabilities dropped');
    expect(run.text()).toContain('dry run: nothing was started');
    const viaEnv = runCliInTerminal(['start', 'tester'], { env: { ...project.env, CLAUDE_BOTTLE_DRY_RUN: '1' }, cwd: project.root });
    expect(await viaEnv.exited).toBe(0);
    expect(stateEntries(project)).toEqual([]);
    expect(bottleContainers(project)).toBe('');
  });

  it('answering no at the preflight starts nothing', async () => {
    project = makeProject(testAgentManifest());
    const run = cli(['start', 'tester'], project);
    await run.waitFor('Start this bottle? [y/N]');
    run.write('n\r');
    expect(await run.exited).toBe(130);
    expect(stateEntries(project)).toEqual([]);
    expect(bottleContainers(project)).toBe('');
  });

  it('a preflight left open by a killed CLI started nothing, and ps tidies it away', async () => {
    project = makeProject(testAgentManifest());
    const run = cli(['start', 'tester'], project);
    await run.waitFor('Start this bottle? [y/N]');
    expect(stateEntries(project)).toHaveLength(1);
    process.kill(run.pid, 'SIGKILL');
    await run.exited;
    const ps = cli(['ps'], project);
    expect(await ps.exited).toBe(0);
    expect(ps.text()).toContain('no bottles');
    expect(stateEntries(project)).toEqual([]);
    expect(bottleContainers(project)).toBe('');
  });

  it('behind an allow-list, the network made while the question waits goes with no, and with a killed CLI at the next ps', async () => {
    const egressImage = await ensureTestEgressImage(createCoreContext().docker);
    project = makeProject(testAgentManifest({ network: { allow: [] } }));
    const env = { ...project.env, CLAUDE_BOTTLE_EGRESS_IMAGE: egressImage };
    const networks = (p: TestProject): string => execFileSync('docker', ['network', 'ls', '--format', '{{.Name}}', '--filter', `label=claude-bottle.home=${p.home}`]).toString().trim();
    for (const ending of ['no', 'killed'] as const) {
      const run = runCliInTerminal(['start', 'tester'], { env, cwd: project.root });
      await run.waitFor('Start this bottle? [y/N]');
      // The sidecar and the holder of the bottle's namespace are made while the question waits.
      await expect.poll(() => bottleContainers(project!).split('\n').sort().map((name) => name.replace(/^.*-(egress|netns)$/, '$1')), { timeout: 20_000 }).toEqual(['egress', 'netns']);
      expect(networks(project)).toMatch(/-net$/);
      if (ending === 'no') {
        run.write('n\r');
        expect(await run.exited).toBe(130);
      } else {
        process.kill(run.pid, 'SIGKILL');
        await run.exited;
        const ps = runCliInTerminal(['ps'], { env, cwd: project.root });
        expect(await ps.exited).toBe(0);
        expect(ps.text()).toContain('no bottles');
      }
      expect(stateEntries(project)).toEqual([]);
      expect(bottleContainers(project)).toBe('');
      expect(networks(project)).toBe('');
    }
    // The sidecar's image may be built here first (on a machine where no other test built it yet).
  }, 25 * 60_000);

  it('start hands the terminal to Claude, exit 3 preserves, resume continues, and the terminal comes back intact', async () => {
    project = makeProject(testAgentManifest());
    const shell = `stty -g; ${CLI_COMMAND.join(' ')} start tester; echo "code=$?"; stty -g`;
    const run = runCliInTerminal([], { env: project.env, cwd: project.root, command: ['sh', '-c', shell] });
    await run.waitFor('Start this bottle? [y/N]');
    run.write('y\r');
    await run.waitFor('> ');
    run.write('the password is swordfish\r');
    await run.waitFor('you said: the password is swordfish');
    run.write('exit 3\r');
    await run.exited;
    const text = run.text();
    expect(text).toContain('code=3');
    expect(text).toMatch(/resume it with: claude-bottle resume (tester-\d{8}T\d{6}-[0-9a-f]{4})/);
    const slug = /resume it with: claude-bottle resume (\S+)/.exec(text)?.[1] as string;
    const sttyLines = text.split(/\r?\n/).filter((line) => /^[0-9a-f]+(:[0-9a-f]+){10,}/.test(line.trim()));
    expect(sttyLines).toHaveLength(2);
    expect(sttyLines[0]?.trim()).toBe(sttyLines[1]?.trim());

    const ps = cli(['ps'], project);
    expect(await ps.exited).toBe(0);
    expect(ps.text()).toMatch(new RegExp(`${slug}\\s+tester\\s+preserved`));

    const resume = cli(['resume', '--yes', slug], project);
    await resume.waitFor('previous: the password is swordfish');
    resume.write('exit\r');
    expect(await resume.exited).toBe(0);
    expect(stateEntries(project)).toEqual([]);
    expect(bottleContainers(project)).toBe('');
  });

  it('stop from another process ends a running session, which settles it', async () => {
    project = makeProject(testAgentManifest());
    const run = cli(['start', '--yes', 'tester'], project);
    await run.waitFor('> ');
    const [slug] = stateEntries(project);
    const stop = cli(['stop', slug as string], project);
    expect(await stop.exited).toBe(0);
    expect(stop.text()).toContain('container and state removed');
    await run.exited;
    expect(stateEntries(project)).toEqual([]);
    expect(bottleContainers(project)).toBe('');
  });

  it('Ctrl-C during a build cancels the launch and leaves nothing behind', async () => {
    project = makeProject(testAgentManifest({ image: undefined, build: { context: 'img' } }), { files: { 'img/Dockerfile': 'FROM claude-bottle-test:latest\nRUN sleep 30\n' } });
    const run = cli(['start', '--yes', 'tester'], project);
    await run.waitFor('sleep 30');
    run.write('\x03');
    expect(await run.exited).toBe(130);
    expect(stateEntries(project)).toEqual([]);
    expect(bottleContainers(project)).toBe('');
  });

  it('ps with the daemon down still lists preserved bottles, and says why running ones are missing', async () => {
    project = makeProject(testAgentManifest());
    const slug = 'tester-20261130T000000-beef';
    await project.ctx.store.create({
      version: 1,
      slug,
      agent: 'tester',
      projectRoot: project.root,
      manifestFile: project.manifest,
      containerName: `claude-bottle-${slug}`,
      createdAt: '2026-11-30T00:00:00.000Z',
      updatedAt: '2026-11-30T00:00:00.000Z',
      status: 'preserved',
      options: { copyProject: false, remoteControl: false },
      grantedCapabilities: [],
      sessions: 1,
      preserved: { reason: 'exit', detail: 'Claude exited with code 3', at: '2026-11-30T00:00:00.000Z', exitCode: 3 },
    });
    const run = runCliInTerminal(['ps'], { env: { ...project.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, cwd: project.root });
    expect(await run.exited).toBe(0);
    expect(run.text()).toContain('Docker is not reachable');
    expect(run.text()).toMatch(new RegExp(`${slug}\\s+tester\\s+preserved`));
  });

  it('a stopped daemon is reported clearly with exit 69', async () => {
    project = makeProject(testAgentManifest());
    const run = runCliInTerminal(['start', '--yes', 'tester'], { env: { ...project.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, cwd: project.root });
    expect(await run.exited).toBe(69);
    expect(run.text()).toContain('Docker is not reachable');
    expect(stateEntries(project)).toEqual([]);
  });
});

describe('capability requests on the command line', () => {
  function pushProject(): TestProject {
    const shared = fs.mkdtempSync('/tmp/cb-shared-');
    fs.chmodSync(shared, 0o755);
    return makeProject(testAgentManifest({ capabilities: { push: { description: 'push branches', secrets: ['PUSH_TOKEN'], mounts: [{ source: shared, target: '/mnt/shared', readonly: true }] } } }), { secrets: { PUSH_TOKEN: 'push-token-value' } });
  }

  it('start asks in its own terminal; a denial goes back to the agent, a grant relaunches and the conversation goes on', async () => {
    project = pushProject();
    const run = cli(['start', '--yes', 'tester'], project);
    await run.waitFor('> ');
    run.write('request push first try\r');
    await run.waitFor('asks for "push"');
    expect(run.text()).toContain('adds secrets PUSH_TOKEN');
    await run.waitFor('[y/N]');
    run.write('n');
    await run.waitFor('request exit 1');
    run.write('request push second try\r');
    await run.waitFor(/second try[\s\S]*\[y\/N\]/);
    run.write('y');
    await run.waitFor(/Resuming conversation[\s\S]*previous: request push second try\s*> /);
    run.write('secret PUSH_TOKEN\r');
    await run.waitFor('PUSH_TOKEN is set (16 chars)');
    run.write('exit\r');
    expect(await run.exited).toBe(0);
    expect(stateEntries(project)).toEqual([]);
  });

  it('ps lists what a bottle asks for and whether Claude waits; deny answers from another terminal', async () => {
    project = pushProject();
    const run = cli(['start', '--yes', 'tester'], project);
    await run.waitFor('> ');
    run.write('hello\r');
    await run.waitFor('you said: hello');
    run.write('request push from the other side\r');
    await run.waitFor('[y/N]');
    const slug = fs.readdirSync(join(project.home, 'state'))[0] as string;
    const ps = cli(['ps'], project);
    expect(await ps.exited).toBe(0);
    expect(ps.text()).toMatch(/asks for "push": from the other side \(claude-bottle grant\|deny \S+ push\)/);
    const deny = cli(['deny', slug, 'push'], project);
    expect(await deny.exited).toBe(0);
    expect(deny.text()).toContain(`denied "push" to ${slug}; the window or terminal holding the bottle applies it now`);
    await run.waitFor('request exit 1');
    const none = cli(['grant', slug, 'push'], project);
    expect(await none.exited).not.toBe(0);
    expect(none.text()).toContain(`bottle ${slug} has no request for "push" waiting`);
    run.write('exit\r');
    expect(await run.exited).toBe(0);
  });
});
