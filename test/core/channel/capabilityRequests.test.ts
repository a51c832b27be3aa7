import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { denyRequest, grantRequest } from '../../../src/core/capabilities/answerRequest';
import type { Attention } from '../../../src/core/channel/bottleChannel';
import type { CapabilityRequest } from '../../../src/core/channel/messages';
import { launchPrepared, prepareStart, type RunningBottle } from '../../../src/core/launcher';
import { makeProject, testAgentManifest, type TestProject } from '../../helpers/project';
import { requireDocker } from '../../helpers/requireDocker';
import { recordOutput, type Transcript } from '../../helpers/terminal';
import { execIn } from '../docker/fixtures';

// Capability requests end to end against real Docker, with the stand-in claude running the real
// `bottle-request` helper in the bottle (docs/control-channel.md).

let project: TestProject | undefined;
const running: RunningBottle[] = [];
afterEach(async () => {
  for (const bottle of running.splice(0)) await bottle.stop().catch(() => undefined);
  project?.cleanup();
  project = undefined;
});
beforeAll(() => requireDocker());

function manifestWithPush(extra: Record<string, unknown> = {}): object {
  const shared = fs.mkdtempSync('/tmp/cb-shared-');
  fs.chmodSync(shared, 0o755);
  fs.writeFileSync(join(shared, 'deploy-key'), 'the mounted deploy key\n', { mode: 0o644 });
  return testAgentManifest({
    capabilities: {
      push: { description: 'push branches to the remote', secrets: ['PUSH_TOKEN'], mounts: [{ source: shared, target: '/mnt/shared', readonly: true }] },
    },
    ...extra,
  });
}

async function start(p: TestProject): Promise<{ bottle: RunningBottle; screen: Transcript }> {
  const prepared = await prepareStart(p.ctx, { projectDir: p.root, agent: 'tester' });
  const bottle = await launchPrepared(p.ctx, prepared);
  running.push(bottle);
  const screen = recordOutput((listener) => bottle.session.onData(listener));
  await screen.waitFor('> ');
  return { bottle, screen };
}

function nextRequest(bottle: RunningBottle): Promise<CapabilityRequest> {
  return new Promise((resolve) => {
    const subscription = bottle.channel.onRequest((request) => {
      subscription.dispose();
      resolve(request);
    });
  });
}

describe('a capability request from inside a bottle', () => {
  it('is shown with the reason in the agent words; a denial is printed and the session goes on', async () => {
    project = makeProject(manifestWithPush());
    const { bottle, screen } = await start(project);
    const asked = nextRequest(bottle);
    bottle.session.write('request push the tests pass \x1b[31mand\x1b[0m I need to open a PR\r');
    const request = await asked;
    expect(request).toMatchObject({ capability: 'push', reason: 'the tests pass \x1b[31mand\x1b[0m I need to open a PR' });
    expect(bottle.channel.pending.map((entry) => entry.id)).toEqual([request.id]);
    await denyRequest(bottle, request.id);
    await screen.waitFor('request exit 1');
    expect(screen.text()).toContain('the user denied "push"');
    expect(bottle.channel.pending).toEqual([]);
    bottle.session.write('still here\r');
    await screen.waitFor('you said: still here');
  });

  it('granted, relaunches the bottle with the secret and the mount, and the conversation goes on', async () => {
    project = makeProject(manifestWithPush(), { secrets: { PUSH_TOKEN: 'push-token-value' } });
    const { bottle, screen } = await start(project);
    bottle.session.write('secret PUSH_TOKEN\r');
    await screen.waitFor('PUSH_TOKEN is not set');
    const asked = nextRequest(bottle);
    bottle.session.write('request push to publish the branch\r');
    const request = await asked;
    const granted = await grantRequest(project.ctx, bottle, request.id);
    expect(granted.inPlace).toBe(false);
    running.push(granted.running);
    expect(screen.text()).toContain('granted "push"');
    const after = recordOutput((listener) => granted.running.session.onData(listener));
    await after.waitFor('previous: request push to publish the branch');
    await after.waitFor('> ');
    granted.running.session.write('secret PUSH_TOKEN\r');
    await after.waitFor('PUSH_TOKEN is set (16 chars)');
    const mounted = await execIn(project.ctx.docker.getContainer(granted.running.plan.containerName), ['cat', '/mnt/shared/deploy-key']);
    expect(mounted.stdout).toContain('the mounted deploy key');
    const record = await project.ctx.store.read(bottle.plan.slug);
    expect(record.grantedCapabilities).toEqual(['push']);
    expect(granted.running.plan.requestable).toEqual([]);
  });

  it('an unknown capability is refused in the bottle, listing those that exist', async () => {
    project = makeProject(manifestWithPush());
    const { bottle, screen } = await start(project);
    bottle.session.write('request nope because\r');
    await screen.waitFor('request exit 3');
    expect(screen.text()).toContain('unknown capability "nope"');
    expect(screen.text()).toMatch(/push {2}push branches to the remote/);
    expect(bottle.channel.pending).toEqual([]);
  });

  it('a request nobody answers times out in the bottle and is withdrawn from the app', async () => {
    project = makeProject(manifestWithPush({ env: { BOTTLE_REQUEST_TIMEOUT: '2' } }));
    const { bottle, screen } = await start(project);
    const asked = nextRequest(bottle);
    const withdrawn = new Promise<string>((resolve) => bottle.channel.onSettled(resolve));
    bottle.session.write('request push nobody is there\r');
    const request = await asked;
    await screen.waitFor('request exit 4');
    expect(screen.text()).toContain('no answer within 2 s');
    expect(await withdrawn).toBe(request.id);
    expect(bottle.channel.pending).toEqual([]);
  });

  it("follows Claude's hooks: waiting at the prompt, working on a message, waiting again after the reply", async () => {
    project = makeProject(testAgentManifest());
    const { bottle, screen } = await start(project);
    const states: Attention['state'][] = [];
    const messages: string[] = [];
    bottle.channel.onAttention((attention) => {
      states.push(attention.state);
      if (attention.message) messages.push(attention.message);
    });
    await expect.poll(() => bottle.channel.attention?.state, { timeout: 5_000 }).toBe('waiting');
    bottle.session.write('hello\r');
    await screen.waitFor('you said: hello');
    await expect.poll(() => states.join(' '), { timeout: 5_000 }).toMatch(/working waiting$/);
    bottle.session.write('notify Claude is waiting for your input\r');
    await expect.poll(() => messages, { timeout: 5_000 }).toEqual(['Claude is waiting for your input']);
    const attention = JSON.parse(fs.readFileSync(join(project.ctx.store.bottleDir(bottle.plan.slug), 'attention.json'), 'utf8')) as Attention;
    expect(attention.state).toBe('waiting');
  });
});
