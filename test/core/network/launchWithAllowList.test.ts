import fs from 'node:fs';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listBottles } from '../../../src/core/bottles';
import { ensureBuiltinBaseImage } from '../../../src/core/builtin/baseImage';
import { cancelPrepared, isolationCheckedAhead, launchPrepared, makeAheadOfConfirm, prepareResume, prepareStart, reattachBottle, type RunningBottle } from '../../../src/core/launcher';
import { grantRequest } from '../../../src/core/capabilities/answerRequest';
import { EGRESS_DEFAULTS, egressNames } from '../../../src/core/network/bottleEgress';
import { EGRESS_ENV } from '../../../src/core/network/egressForBottle';
import { readEgressLog } from '../../../src/core/network/egressLogFile';
import { renderPreflight } from '../../../src/core/plan/preflight';
import { DEBIAN_IMAGE, ensureTestEgressImage } from '../../helpers/egressImage';
import { makeProject, testAgentManifest, type TestProject } from '../../helpers/project';
import { type StandInAnthropic, type StandInInternet, startStandInAnthropic, startStandInInternet } from '../../helpers/standInInternet';
import { CLI_COMMAND, recordOutput, runCliInTerminal, type Transcript } from '../../helpers/terminal';
import { TEST_LABELS, execIn, setUpEngine, tearDownEngine } from '../docker/fixtures';

// Bottles with an allow-list, launched by the launcher as every front door does, on real Docker
// against a stand-in internet and a stand-in Anthropic API: the fake Claude of the test image, and
// the real Claude Code of builtin:base holding a conversation through the proxy.

const REAL_KEY = 'sk-ant-api03-the-users-real-key-never-in-a-bottle-0000';

let docker: Docker;
let internet: StandInInternet;
let api: StandInAnthropic;
let project: TestProject | undefined;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  ({ docker } = await setUpEngine());
  const egressImage = await ensureTestEgressImage(docker);
  internet = await startStandInInternet(docker, { image: egressImage, labels: TEST_LABELS, subnetByte: 78 });
  api = await startStandInAnthropic(docker, internet, { image: egressImage, labels: TEST_LABELS });
  // What a user behind a corporate network would set; here they point at the stand-ins.
  for (const [name, value] of [
    [EGRESS_ENV.upstream, api.url],
    [EGRESS_ENV.outsideNetwork, internet.network],
    [EGRESS_ENV.dnsServers, internet.address],
    // No registry here: images build FROM the local debootstrap Debian.
    ['CLAUDE_BOTTLE_BASE_FROM', DEBIAN_IMAGE],
  ] as const) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
}, 25 * 60_000);

afterEach(() => project?.cleanup());

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await api?.dispose();
  await internet?.dispose();
  await tearDownEngine(docker);
});

async function start(p: TestProject, prompt: string | RegExp): Promise<{ running: RunningBottle; screen: Transcript }> {
  const prepared = await prepareStart(p.ctx, { projectDir: p.root, agent: 'tester' });
  const running = await launchPrepared(p.ctx, prepared, { cols: 120, rows: 40 });
  const screen = recordOutput((listener) => running.session.onData(listener));
  await screen.waitFor(prompt, 60_000);
  return { running, screen };
}

describe('a bottle launched with an allow-list', () => {
  it('goes out only through its proxy, holds a placeholder, logs its requests and leaves nothing behind', async () => {
    project = makeProject(testAgentManifest({ network: { allow: ['allowed.test'] } }), { secrets: { ANTHROPIC_API_KEY: REAL_KEY } });
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    const preflight = renderPreflight(prepared.plan);
    expect(preflight).toContain('allow-list: allowed.test');
    expect(preflight).toContain('checked from inside the bottle before Claude starts');
    expect(preflight).toContain('through the proxy with your API key …0000 (environment)');
    const progress: string[] = [];
    const running = await launchPrepared(project.ctx, prepared, { cols: 120, rows: 40, onProgress: (update) => progress.push(update.message) });
    const screen = recordOutput((listener) => running.session.onData(listener));
    await screen.waitFor('> ');
    const container = docker.getContainer(running.plan.containerName);
    // The self-check's result is in the launch log, one clause per check.
    expect(progress.find((message) => message.startsWith('network self-check passed:'))).toMatch(/direct connection to .* fails .*; DNS lookup of .* fails .*; egress proxy at .* answers/);

    expect((await execIn(container, ['wget', '-qO-', 'http://allowed.test/x'])).stdout).toContain('stand-in http allowed.test /x');
    const refused = await execIn(container, ['wget', '-qO-', 'http://other.test/']);
    expect(refused.exitCode).not.toBe(0);
    expect((await execIn(container, ['timeout', '5', 'wget', '-qO-', '-Y', 'off', `http://${internet.address}/`])).exitCode).not.toBe(0);

    // Claude's session sees a placeholder of the key's kind, never the key.
    running.session.write('secret ANTHROPIC_API_KEY\r');
    await screen.waitFor(/ANTHROPIC_API_KEY is set \(\d+ chars\)/);
    expect(screen.text()).not.toContain(`(${REAL_KEY.length} chars)`);
    const everything = JSON.stringify([await container.inspect(), await docker.getContainer(egressNames(running.plan.slug).sidecar).inspect()]);
    expect(everything).not.toContain(REAL_KEY);
    // Every process of the bottle's user (Claude's included): what a hostile agent could read.
    const environs = await execIn(container, ['sh', '-c', 'cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"'], { user: '1000' });
    expect(environs.stdout).toContain('sk-ant-api03-claude-bottle-placeholder-');
    expect(environs.stdout).not.toContain(REAL_KEY);

    const listed = await listBottles(project.ctx);
    expect(listed.live.map((bottle) => bottle.slug)).toEqual([running.plan.slug]);

    await expect.poll(async () => (await readEgressLog(project!.ctx.store.bottleDir(running.plan.slug))).map((entry) => `${entry.host} ${entry.verdict}`)).toEqual(
      expect.arrayContaining(['allowed.test allowed', 'other.test refused']),
    );
    running.session.write('exit 0\r');
    await running.outcome;
    const names = egressNames(running.plan.slug);
    await expect(docker.getContainer(names.sidecar).inspect()).rejects.toThrow();
    await expect(docker.getNetwork(names.network).inspect()).rejects.toThrow();
  });

  it('a granted capability that only adds hosts widens the proxy in place: the same session, no relaunch', async () => {
    project = makeProject(testAgentManifest({ network: { allow: ['allowed.test'] }, capabilities: { other: { description: 'reach other.test', network: { allow: ['other.test'] } } } }));
    const { running, screen } = await start(project, '> ');
    running.session.write('fetch http://other.test/before\r');
    await screen.waitFor('fetch failed');
    const asked = new Promise<string>((resolve) => running.channel.onRequest((request) => resolve(request.id)));
    running.session.write('request other to read other.test\r');
    const granted = await grantRequest(project.ctx, running, await asked);
    expect(granted).toMatchObject({ inPlace: true });
    expect(granted.running).toBe(running);
    await screen.waitFor('request exit 0');
    expect(screen.text()).toContain('these hosts are reachable now: other.test');
    running.session.write('fetch http://other.test/after\r');
    await screen.waitFor('fetched: stand-in http other.test /after');
    running.session.write('fetch http://allowed.test/still\r');
    await screen.waitFor('fetched: stand-in http allowed.test /still');
    const record = await project.ctx.store.read(running.plan.slug);
    expect(record.grantedCapabilities).toEqual(['other']);
    expect(record.confirmedPlan?.allowHosts).toEqual(['allowed.test', 'other.test']);
    running.session.write('exit 0\r');
    await running.outcome;
  });

  it('makes its network while the preflight is read, holding no policy until Confirm, and the launch uses it', async () => {
    project = makeProject(testAgentManifest({ network: { allow: ['allowed.test'] } }), { secrets: { ANTHROPIC_API_KEY: REAL_KEY } });
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    makeAheadOfConfirm(project.ctx, prepared);
    const ahead = await prepared.networkAhead;
    expect(ahead).toBeDefined();
    const holder = await ahead!.holder;
    expect(holder.alive()).toBe(true);
    // What the preflight shows: the checks that need no proxy, done before Confirm.
    const isolation = await isolationCheckedAhead(prepared);
    expect(isolation?.ok).toBe(true);
    expect(isolation?.lines).toEqual([expect.stringMatching(/^ok +direct connection to .* fails/), expect.stringMatching(/^ok +DNS lookup of .* fails/)]);
    const names = egressNames(prepared.plan.slug);
    const [sidecarBefore, holderBefore] = await Promise.all([docker.getContainer(names.sidecar).inspect(), docker.getContainer(names.holder).inspect()]);
    expect(sidecarBefore.State.Running).toBe(true);
    // Before Confirm the proxy has no policy and no credential, and does not even listen.
    const proxy = ahead!.booting.proxyAddress;
    const knock = await execIn(docker.getContainer(names.holder), ['bash', '-c', `exec 3<>/dev/tcp/${proxy}/${EGRESS_DEFAULTS.proxyPort}`]);
    expect(knock.exitCode).not.toBe(0);
    expect(knock.stderr).toContain('Connection refused');
    expect(JSON.stringify(sidecarBefore)).not.toContain(REAL_KEY);

    const running = await launchPrepared(project.ctx, prepared, { cols: 120, rows: 40 });
    const screen = recordOutput((listener) => running.session.onData(listener));
    await screen.waitFor('> ');
    // The same sidecar and holder: the bottle joined the namespace checked while the preflight was read.
    const container = docker.getContainer(running.plan.containerName);
    expect((await container.inspect()).HostConfig.NetworkMode).toBe(`container:${holderBefore.Id}`);
    expect((await docker.getContainer(names.sidecar).inspect()).Id).toBe(sidecarBefore.Id);
    expect((await execIn(container, ['wget', '-qO-', 'http://allowed.test/ahead'])).stdout).toContain('stand-in http allowed.test /ahead');
    expect((await execIn(container, ['wget', '-qO-', 'http://other.test/'])).exitCode).not.toBe(0);
    running.session.write('exit 0\r');
    await running.outcome;
    for (const name of [names.sidecar, names.holder]) await expect(docker.getContainer(name).inspect()).rejects.toThrow();
    await expect(docker.getNetwork(names.network).inspect()).rejects.toThrow();
  });

  it('removes the network made ahead when the preflight is cancelled', async () => {
    project = makeProject(testAgentManifest({ network: { allow: [] } }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    makeAheadOfConfirm(project.ctx, prepared);
    await (await prepared.networkAhead)!.holder;
    await cancelPrepared(project.ctx, prepared);
    const names = egressNames(prepared.plan.slug);
    for (const name of [names.sidecar, names.holder]) await expect(docker.getContainer(name).inspect()).rejects.toThrow();
    await expect(docker.getNetwork(names.network).inspect()).rejects.toThrow();
    expect(await listBottles(project.ctx)).toMatchObject({ live: [], preserved: [], interrupted: [] });
  });

  it('makes the network again at launch when what was made ahead stopped meanwhile', async () => {
    project = makeProject(testAgentManifest({ network: { allow: ['allowed.test'] } }));
    const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
    makeAheadOfConfirm(project.ctx, prepared);
    await (await prepared.networkAhead)!.holder;
    const names = egressNames(prepared.plan.slug);
    const killed = await docker.getContainer(names.sidecar).inspect();
    await docker.getContainer(names.sidecar).kill();
    const running = await launchPrepared(project.ctx, prepared, { cols: 120, rows: 40 });
    const screen = recordOutput((listener) => running.session.onData(listener));
    await screen.waitFor('> ');
    expect((await docker.getContainer(names.sidecar).inspect()).Id).not.toBe(killed.Id);
    expect((await execIn(docker.getContainer(running.plan.containerName), ['wget', '-qO-', 'http://allowed.test/again'])).stdout).toContain('stand-in http allowed.test /again');
    running.session.write('exit 0\r');
    await running.outcome;
  });

  it('re-attached after its owner died, keeps its policy through the same proxy and holder, and still notices losing its network', async () => {
    project = makeProject(testAgentManifest({ network: { allow: ['allowed.test'] } }));
    const p = project;
    const cli = runCliInTerminal([], { env: p.env, cwd: p.root, command: ['sh', '-c', `exec ${CLI_COMMAND.join(' ')} start --yes tester`] });
    await cli.waitFor('> ', 60_000);
    cli.write('fetch http://allowed.test/before\r');
    await cli.waitFor('fetched: stand-in http allowed.test /before');
    process.kill(cli.pid, 'SIGKILL');
    await cli.exited.catch(() => undefined);
    const [bottle] = (await listBottles(p.ctx)).live;
    expect(bottle).toBeDefined();
    const names = egressNames(bottle!.slug);
    const holder = await docker.getContainer(names.holder).inspect();

    const running = await reattachBottle(p.ctx, bottle!.slug, { cols: 120, rows: 40 }, { by: 'test' });
    const screen = recordOutput((listener) => running.session.onData(listener));
    running.session.write('fetch http://allowed.test/after\r');
    await screen.waitFor('fetched: stand-in http allowed.test /after');
    running.session.write('fetch http://other.test/\r');
    await screen.waitFor('fetch failed');
    expect((await docker.getContainer(running.plan.containerName).inspect()).HostConfig.NetworkMode).toBe(`container:${holder.Id}`);
    // The log goes on where the dead owner left it: nothing lost in between, nothing twice.
    await expect
      .poll(async () => (await readEgressLog(p.ctx.store.bottleDir(bottle!.slug))).filter((entry) => entry.host !== 'claude-bottle-self-check.invalid').map((entry) => `${entry.host} ${entry.verdict}`))
      .toEqual(['allowed.test allowed', 'allowed.test allowed', 'other.test refused']);
    const lost = new Promise<string>((resolve) => running.egress?.onExit(resolve));
    await docker.getContainer(names.holder).kill();
    expect(await lost).toBe('holder');
    await running.stop();
    for (const name of [names.sidecar, names.holder]) await expect(docker.getContainer(name).inspect()).rejects.toThrow();
    await expect(docker.getNetwork(names.network).inspect()).rejects.toThrow();
  }, 120_000);

  it('fails closed when the sidecar cannot start: no container, no network, no state', async () => {
    project = makeProject(testAgentManifest({ network: { allow: [] } }));
    const saved = process.env.CLAUDE_BOTTLE_EGRESS_IMAGE;
    process.env.CLAUDE_BOTTLE_EGRESS_IMAGE = 'claude-bottle-no-such-egress:0';
    try {
      const prepared = await prepareStart(project.ctx, { projectDir: project.root, agent: 'tester' });
      await expect(launchPrepared(project.ctx, prepared)).rejects.toMatchObject({ kind: 'image-missing' });
      expect(await listBottles(project.ctx)).toMatchObject({ live: [], preserved: [], interrupted: [] });
      await expect(docker.getNetwork(egressNames(prepared.plan.slug).network).inspect()).rejects.toThrow();
    } finally {
      if (saved === undefined) delete process.env.CLAUDE_BOTTLE_EGRESS_IMAGE;
      else process.env.CLAUDE_BOTTLE_EGRESS_IMAGE = saved;
    }
  });
});

describe('the real Claude Code behind the proxy', () => {
  it('lands on its prompt and holds a conversation, the stand-in API receiving the real key', async () => {
    const { tag } = await ensureBuiltinBaseImage(docker, { baseImage: DEBIAN_IMAGE });
    project = makeProject({ version: 1, agents: { tester: { image: tag, network: { allow: [] } } } }, { secrets: { ANTHROPIC_API_KEY: REAL_KEY } });
    const { running, screen } = await start(project, 'bypass permissions on');
    running.session.write('hello from the bottle');
    await new Promise((resolve) => setTimeout(resolve, 300));
    running.session.write('\r');
    // Claude draws its reply word by word with cursor moves: the reply's first word is enough.
    await screen.waitFor('stand-in', 60_000);
    // Its hooks reached the app through the control channel: working on the message, then waiting.
    await expect.poll(() => running.channel.attention?.state, { timeout: 30_000 }).toBe('waiting');
    const records = await api.records();
    const turns = records.filter((record) => record.path === '/v1/messages' && record.messages.some((message) => message.content.includes('hello from the bottle')));
    expect(turns.length).toBeGreaterThan(0);
    expect(new Set(records.map((record) => record.xApiKey))).toEqual(new Set([REAL_KEY]));

    // A crash: the bottle is preserved; resumed, Claude shows the earlier turn and its next request
    // to the API carries it.
    // Once Claude has written the turn to its session file (it does so just after drawing it).
    const storage = project.ctx.store.claudeDir(running.plan.slug);
    const saved = (): boolean =>
      fs.existsSync(storage) &&
      fs.readdirSync(storage, { recursive: true }).some((name) => String(name).endsWith('.jsonl') && fs.readFileSync(`${storage}/${String(name)}`, 'utf8').includes('stand-in reply'));
    await expect.poll(saved, { timeout: 30_000 }).toBe(true);
    await project.ctx.docker.getContainer(running.plan.containerName).exec({ Cmd: ['sh', '-c', 'kill -9 $(pidof claude)'], User: '1000' }).then((exec) => exec.start({}));
    const crashed = await running.outcome;
    expect(crashed.preserved).toBe(true);
    const resuming = await prepareResume(project.ctx, crashed.slug);
    // The resumed bottle keeps its policy, and its preflight says so.
    expect(resuming.plan.network).toEqual({ mode: 'allow', hosts: [] });
    expect(renderPreflight(resuming.plan)).toContain("allow-list: nothing but Claude's API");
    const resumed = await launchPrepared(project.ctx, resuming, { cols: 120, rows: 40 });
    const again = recordOutput((listener) => resumed.session.onData(listener));
    await again.waitFor('bypass permissions on', 60_000);
    await again.waitFor('hello', 30_000);
    resumed.session.write('second question');
    await new Promise((resolve) => setTimeout(resolve, 300));
    resumed.session.write('\r');
    const asked = async (): Promise<Awaited<ReturnType<typeof api.records>>> => (await api.records()).filter((record) => record.path === '/v1/messages' && record.messages.some((message) => message.content.includes('second question')));
    await expect.poll(async () => (await asked()).length, { timeout: 60_000 }).toBeGreaterThan(0);
    const later = await asked();
    expect(later.some((record) => record.messages.some((message) => message.content.includes('hello from the bottle')))).toBe(true);
    await resumed.stop();
  }, 20 * 60_000);

  it('runs bottle-request itself; granted, the bottle relaunches and the resumed Claude carries the earlier turns', async () => {
    const { tag } = await ensureBuiltinBaseImage(docker, { baseImage: DEBIAN_IMAGE });
    const capabilities = { deploy: { description: 'deploy with a token', secrets: ['DEPLOY_TOKEN'], network: { allow: ['other.test'] } } };
    project = makeProject({ version: 1, agents: { tester: { image: tag, network: { allow: [] }, capabilities } } }, { secrets: { ANTHROPIC_API_KEY: REAL_KEY, DEPLOY_TOKEN: 'deploy-token-value' } });
    const { running } = await start(project, 'bypass permissions on');
    const asked = new Promise<string>((resolve) => running.channel.onRequest((request) => resolve(request.id)));
    // The stand-in API answers "run: <command>" with a Bash tool call: the real Claude runs the helper.
    running.session.write('run: bottle-request deploy "the release is ready"');
    await new Promise((resolve) => setTimeout(resolve, 300));
    running.session.write('\r');
    const id = await asked;
    expect(running.channel.pending[0]).toMatchObject({ capability: 'deploy', reason: 'the release is ready' });
    const granted = await grantRequest(project.ctx, running, id, { cols: 120, rows: 40 });
    expect(granted.inPlace).toBe(false);
    const after = recordOutput((listener) => granted.running.session.onData(listener));
    await after.waitFor('bypass permissions on', 60_000);
    expect(granted.running.plan.claude.args).toContain('--continue');
    expect((await execIn(docker.getContainer(granted.running.plan.containerName), ['curl', '-s', 'http://other.test/granted'])).stdout).toContain('stand-in http other.test /granted');
    granted.running.session.write('after the grant');
    await new Promise((resolve) => setTimeout(resolve, 300));
    granted.running.session.write('\r');
    const carried = async (): Promise<boolean> =>
      (await api.records()).some(
        (record) => record.path === '/v1/messages' && record.messages.some((message) => message.content.includes('after the grant')) && record.messages.some((message) => message.content.includes('bottle-request deploy')),
      );
    await expect.poll(carried, { timeout: 60_000 }).toBe(true);
    await granted.running.stop();
  }, 20 * 60_000);

  it('lands on its prompt with a subscription token, which reaches the API as a bearer credential', async () => {
    const { tag } = await ensureBuiltinBaseImage(docker, { baseImage: DEBIAN_IMAGE });
    const token = 'sk-ant-oat01-the-users-real-token-0000';
    project = makeProject({ version: 1, agents: { tester: { image: tag, network: { allow: [] } } } }, { secrets: { CLAUDE_CODE_OAUTH_TOKEN: token } });
    const { running, screen } = await start(project, 'bypass permissions on');
    running.session.write('hello with a token');
    await new Promise((resolve) => setTimeout(resolve, 300));
    running.session.write('\r');
    await screen.waitFor('stand-in', 60_000);
    const turns = (await api.records()).filter((record) => record.messages.some((message) => message.content.includes('hello with a token')));
    expect(turns.length).toBeGreaterThan(0);
    expect(new Set(turns.map((record) => record.authorization))).toEqual(new Set([`Bearer ${token}`]));
    expect(turns.every((record) => record.xApiKey === null)).toBe(true);
    await running.stop();
  }, 20 * 60_000);
});
