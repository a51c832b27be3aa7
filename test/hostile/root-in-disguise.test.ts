import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { userIds } from '../../src/core/docker/imageUser';
import { BottleError } from '../../src/core/errors';
import { launchPrepared, type PreparedBottle, prepareStart, type RunningBottle } from '../../src/core/launcher';
import { renderPreflight } from '../../src/core/plan/preflight';
import { RUN_ID, TEST_LABELS } from '../core/docker/fixtures';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';
import { requireDocker } from '../helpers/requireDocker';
import { recordOutput } from '../helpers/terminal';
import { ensureTestImage } from '../helpers/testImage';

// Root under another name must never run Claude while the preflight says "non-root user": every
// spelling of uid 0 or gid 0 in the manifest, an alias with uid 0 in the image's own passwd, and
// an image whose USER is root in disguise. The preflight shows the numeric ids the bottle will run
// as, and the launch uses exactly those.

const TOOR_IMAGE = `claude-bottle-test-toor:${RUN_ID}`;
const SWAP_IMAGE = `claude-bottle-test-swap:${RUN_ID}`;
/** Images whose own USER is root in disguise, by that USER. */
const USER_IMAGES: Record<string, string> = {
  '0:1000': `claude-bottle-test-user-a:${RUN_ID}`,
  '00': `claude-bottle-test-user-b:${RUN_ID}`,
  'root:1000': `claude-bottle-test-user-c:${RUN_ID}`,
  '1000:0': `claude-bottle-test-user-d:${RUN_ID}`,
  toor: `claude-bottle-test-user-e:${RUN_ID}`,
};

let project: TestProject | undefined;
afterEach(() => project?.cleanup());

function build(tag: string, dockerfile: string): void {
  const labels = Object.entries(TEST_LABELS).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
  execFileSync('docker', ['build', '-q', '-t', tag, ...labels, '-'], { input: dockerfile, stdio: ['pipe', 'ignore', 'pipe'] });
}

beforeAll(async () => {
  await requireDocker();
  const base = await ensureTestImage();
  // `toor` is root under another name; `builder` is a uid whose passwd group is root's.
  build(TOOR_IMAGE, `FROM ${base}\nRUN echo 'toor:x:0:0:root in disguise:/root:/bin/sh' >> /etc/passwd && echo 'builder:x:1500:0::/tmp:/bin/sh' >> /etc/passwd\n`);
  for (const [user, tag] of Object.entries(USER_IMAGES)) build(tag, `FROM ${TOOR_IMAGE}\nUSER ${user}\n`);
  build(SWAP_IMAGE, `FROM ${base}\n`);
}, 180_000);

afterAll(() => {
  execFileSync('docker', ['rmi', '-f', TOOR_IMAGE, SWAP_IMAGE, ...Object.values(USER_IMAGES)], { stdio: 'ignore' });
});

function stateLeft(p: TestProject): string[] {
  return fs.existsSync(`${p.home}/state`) ? fs.readdirSync(`${p.home}/state`) : [];
}

function containersLeft(p: TestProject): string {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=claude-bottle.home=${p.home}`]).toString().trim();
}

async function failure(promise: Promise<unknown>): Promise<BottleError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BottleError);
  return error as BottleError;
}

/** Launches the prepared bottle and asks the running Claude for its ids. */
async function idOfClaude(prepared: PreparedBottle, p: TestProject): Promise<{ running: RunningBottle; id: string; configUser: string }> {
  const running = await launchPrepared(p.ctx, prepared);
  const screen = recordOutput((listener) => running.session.onData(listener));
  await screen.waitFor('> ');
  running.session.write('whoami\r');
  await screen.waitFor(/uid=\d+.*gid=\d+/);
  const configUser = execFileSync('docker', ['inspect', '--format', '{{.Config.User}}', prepared.plan.containerName]).toString().trim();
  return { running, id: /uid=\d+\S*\s+gid=\d+\S*/.exec(screen.text())?.[0] ?? '', configUser };
}

async function finish(running: RunningBottle): Promise<void> {
  running.session.write('exit\r');
  await running.outcome;
}

describe('uid 0 in disguise', () => {
  it.each(['0', '00', '0000', '0:1000', 'root:1000', '1000:0', '1000:root'])('"user": "%s" is refused before anything starts', async (user) => {
    project = makeProject(testAgentManifest({ user }));
    const error = await failure(prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' }));
    expect(error.message).toMatch(/root/);
    expect(error.message).toContain(user);
    expect(stateLeft(project)).toEqual([]);
  });

  it.each([
    ['4294967296', /expected uids and gids from 0 to 2147483647/],
    ['1000:4294967296', /expected uids and gids from 0 to 2147483647/],
    ['99999999999999999999999', /expected uids and gids from 0 to 2147483647/],
    ['-1', /expected a user name or uid\[:gid\]/],
    ['1000:1000:1000', /expected a user name or uid\[:gid\]/],
    ['a b', /expected a user name or uid\[:gid\]/],
    ['', /expected a user name or uid\[:gid\]/],
  ])('"user": "%s" is a manifest error at its key, not a crash', async (user, expected) => {
    project = makeProject(testAgentManifest({ user }));
    const error = await failure(prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' }));
    expect(error.kind).toBe('manifest');
    expect(error.message).toMatch(/claude-bottle\.json:\d+:\d+: agents\.tester\.user:/);
    expect(error.message).toMatch(expected);
  });

  it("an alias with uid 0 in the image's passwd is refused before the preflight, with nothing left behind", async () => {
    project = makeProject(testAgentManifest({ image: TOOR_IMAGE, user: 'toor' }));
    const error = await failure(prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' }));
    expect(error.message).toMatch(/"user": "toor", which is uid 0, gid 0 in image .*: root/);
    expect(stateLeft(project)).toEqual([]);
    expect(containersLeft(project)).toBe('');
    // The image was read from a created, never started container, which is gone too.
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `ancestor=${TOOR_IMAGE}`]).toString().trim()).toBe('');
  });

  it("a uid whose passwd group is root's gets that group, and so is refused; naming a group fixes it", async () => {
    project = makeProject(testAgentManifest({ image: TOOR_IMAGE, user: '1500' }));
    expect((await failure(prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' }))).message).toMatch(/"1500", which is uid 1500, gid 0 .*: root/);
    project.cleanup();

    project = makeProject(testAgentManifest({ image: TOOR_IMAGE, user: 'builder:agent' }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(prepared.plan.runAs).toMatchObject({ uid: 1500, gid: 1000 });
    expect(renderPreflight(prepared.plan)).toMatch(/user\s+builder:agent \(uid 1500, gid 1000\)/);
  });

  it.each(Object.keys(USER_IMAGES))('an image whose USER is %s runs Claude as 1000:1000, as the preflight says', async (imageUser) => {
    project = makeProject(testAgentManifest({ image: USER_IMAGES[imageUser] }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(prepared.plan.runAs).toMatchObject({ uid: 1000, gid: 1000, from: 'fallback' });
    const text = renderPreflight(prepared.plan);
    expect(text).toContain(`uid 1000, gid 1000 (the image's user ${imageUser} is root or not in its passwd)`);
    expect(text).toContain('non-root user');
    const { running, id, configUser } = await idOfClaude(prepared, project);
    expect(id).toMatch(/^uid=1000\S* gid=1000/);
    expect(configUser).toBe('1000:1000');
    await finish(running);
  });

  it('a named non-root user runs with the numeric ids the preflight showed', async () => {
    project = makeProject(testAgentManifest({ user: 'agent' }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(renderPreflight(prepared.plan)).toMatch(/user\s+agent \(uid 1000, gid 1000\)/);
    const { running, id, configUser } = await idOfClaude(prepared, project);
    expect(id).toMatch(/^uid=1000\S* gid=1000/);
    expect(configUser).toBe('1000:1000');
    await finish(running);
  });

  it('root still works when the agent is dangerous, and the preflight says so in red', async () => {
    project = makeProject(testAgentManifest({ image: TOOR_IMAGE, user: 'toor', dangerous: true }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    const text = renderPreflight(prepared.plan, { color: true });
    expect(text).toMatch(/toor \(uid 0, gid 0\)/);
    expect(text).toContain('\x1b[1;31mROOT user');
    expect(text).not.toContain('non-root user');
    expect(prepared.plan.warnings).toContain('the bottle runs as root ("user": "toor"), allowed by "dangerous": true');
    const { running, id, configUser } = await idOfClaude(prepared, project);
    expect(id).toMatch(/^uid=0\S* gid=0/);
    expect(configUser).toBe('0:0');
    await finish(running);
  });

  it('an image still to pull is resolved at launch, and the preflight says so', async () => {
    project = makeProject(testAgentManifest({ image: `claude-bottle-test/absent-${RUN_ID}:latest`, user: 'agent' }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(prepared.plan.runAs).toBeUndefined();
    expect(renderPreflight(prepared.plan)).toMatch(/user\s+agent \(resolved against the image once it is here; uid and gid 0 refused\)/);
  });

  it('an image that changed between the preflight and the launch is not run as other ids', async () => {
    project = makeProject(testAgentManifest({ image: SWAP_IMAGE, user: 'agent' }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    expect(prepared.plan.runAs).toMatchObject({ uid: 1000, gid: 1000 });
    // Someone retags the image: `agent` has other ids in it now.
    build(SWAP_IMAGE, `FROM ${TOOR_IMAGE}\nRUN sed -i 's/^agent:x:1000:1000:/agent:x:1234:1234:/' /etc/passwd\n`);
    const error = await failure(launchPrepared(project.ctx, prepared));
    expect(error.message).toMatch(/the image changed since the preflight: the bottle would run as uid 1234, gid 1234, not as the uid 1000, gid 1000 you confirmed/);
    expect(containersLeft(project)).toBe('');
    expect(stateLeft(project)).toEqual([]);
  });
});

describe('resolving a user against account files', () => {
  const accounts = {
    passwd: '# comment\nroot:x:0:0::/root:/bin/sh\nagent:x:1000:1000::/home/agent:/bin/sh\nweird:x:abc:1000::/:/bin/sh\nhuge:x:9999999999:1::/:/bin/sh\nstaffer:x:1200:50::/:/bin/sh\n',
    group: 'root:x:0:\nstaff:x:50:\nagent:x:1000:\n',
  };
  const ids = (user: string) => userIds(user, accounts, 'test');

  it('turns names and numbers into numeric ids, the gid from passwd or the uid', () => {
    expect(ids('agent')).toEqual({ uid: 1000, gid: 1000 });
    expect(ids('1200')).toEqual({ uid: 1200, gid: 50 });
    expect(ids('4321')).toEqual({ uid: 4321, gid: 4321 });
    expect(ids('agent:staff')).toEqual({ uid: 1000, gid: 50 });
    expect(ids('4321:50')).toEqual({ uid: 4321, gid: 50 });
    expect(ids('00')).toEqual({ uid: 0, gid: 0 });
    expect(ids('1000:0')).toEqual({ uid: 1000, gid: 0 });
  });

  it('names what is wrong', () => {
    expect(() => ids('nobody')).toThrow(/user "nobody" is not in the image's \/etc\/passwd/);
    expect(() => ids('weird')).toThrow(/user "weird" is not in the image's \/etc\/passwd \(or has no valid uid there\)/);
    expect(() => ids('huge')).toThrow(/user "huge"/);
    expect(() => ids('agent:wheel')).toThrow(/group "wheel" is not in the image's \/etc\/group/);
    expect(() => ids('4294967296')).toThrow(/4294967296 in "4294967296" is out of range/);
    expect(() => ids('a:b:c')).toThrow(/not a user name or uid\[:gid\]/);
  });
});
