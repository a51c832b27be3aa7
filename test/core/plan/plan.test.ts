import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { confirmedPlanOf, describeChanges } from '../../../src/core/plan/confirmedPlan';
import type { LoadedManifest, ResolvedAgent } from '../../../src/core/manifest/types';
import { capabilityPrompt, CLAUDE_CONFIG_DIR_IN_BOTTLE, environmentSecrets, preparePlan, type PlanInputs } from '../../../src/core/plan/plan';
import { describePreflight, renderPreflight } from '../../../src/core/plan/preflight';
import { PreflightRowSchema } from '../../../src/shared/contract';
import { makeSlug } from '../../../src/core/plan/slug';

function agent(overrides: Partial<ResolvedAgent> = {}): ResolvedAgent {
  return {
    name: 'reviewer',
    description: 'Reads the repo',
    image: { kind: 'image', ref: 'acme/agent:1' },
    workdir: '/workspace',
    project: 'mount-rw',
    mounts: [],
    env: { TZ: 'UTC' },
    secrets: ['API_TOKEN'],
    network: { mode: 'open' },
    resources: { memory: 4 * 1024 ** 3, cpus: 2, pids: 512 },
    capabilities: {
      push: { name: 'push', description: 'push branches', mounts: [{ source: '/home/u/.ssh', target: '/home/agent/.ssh', readonly: true }], secrets: ['GITHUB_TOKEN'], network: { mode: 'open' } },
    },
    claudeArgs: ['--model', 'opus'],
    remoteControl: false,
    dangerous: false,
    ...overrides,
  };
}

function inputs(a: ResolvedAgent, more: Partial<PlanInputs> = {}): PlanInputs {
  const loaded: LoadedManifest = { file: '/p/claude-bottle.json', projectRoot: '/p', manifest: { version: 1, agents: {} }, agents: [a] };
  return {
    loaded,
    agentName: a.name,
    slug: 'reviewer-20261130T000000-abcd',
    options: {},
    stateRoot: '/state',
    claudeStorage: '/state/state/reviewer-20261130T000000-abcd/claude',
    secrets: environmentSecrets({ API_TOKEN: 'value-never-shown' }),
    ...more,
  };
}

describe('the plan', () => {
  it('slugs are <agent>-<yyyymmddThhmmss>-<4 hex>', () => {
    expect(makeSlug('reviewer', new Date('2026-11-30T01:02:03Z'), 'beef')).toBe('reviewer-20261130T010203-beef');
    expect(makeSlug('a.b_c')).toMatch(/^a\.b_c-\d{8}T\d{6}-[0-9a-f]{4}$/);
  });

  it('lists mounts, secrets with their availability, labels and the claude command', () => {
    const plan = preparePlan(inputs(agent()));
    expect(plan.containerName).toBe('claude-bottle-reviewer-20261130T000000-abcd');
    expect(plan.mounts).toEqual([
      { source: '/p', target: '/workspace', readonly: false, origin: 'project' },
      { source: '/state/state/reviewer-20261130T000000-abcd/claude', target: CLAUDE_CONFIG_DIR_IN_BOTTLE, readonly: false, origin: 'claude-storage' },
      { source: '/state/state/reviewer-20261130T000000-abcd/channel', target: '/claude-bottle/channel', readonly: false, origin: 'control-channel' },
      { source: '/state/state/reviewer-20261130T000000-abcd/answers', target: '/claude-bottle/answers', readonly: true, origin: 'control-channel' },
      { source: '/state/state/reviewer-20261130T000000-abcd/bin', target: '/claude-bottle/bin', readonly: true, origin: 'control-channel' },
    ]);
    expect(plan.secrets).toEqual([{ name: 'API_TOKEN', available: true, from: 'environment', origin: 'agent' }]);
    expect(plan.labels).toMatchObject({ 'claude-bottle.slug': plan.slug, 'claude-bottle.agent': 'reviewer', 'claude-bottle.project': '/p' });
    // The agent can ask for "push": Claude is told how, after the app's own flags.
    expect(plan.claude.args).toEqual(['claude', '--dangerously-skip-permissions', '--append-system-prompt', capabilityPrompt(plan.requestable), '--model', 'opus']);
    expect(plan.claude.args[3]).toContain('- push: push branches');
    expect(plan.requestable).toEqual([{ name: 'push', description: 'push branches', mounts: [{ source: '/home/u/.ssh', target: '/home/agent/.ssh', readonly: true }], secrets: ['GITHUB_TOKEN'], hosts: 'open' }]);
    expect(JSON.stringify(plan)).not.toContain('value-never-shown');
    const preflight = renderPreflight(plan);
    expect(preflight).toMatch(/push — push branches/);
    expect(preflight).toMatch(/adds mount ro {2}\/home\/u\/\.ssh → \/home\/agent\/\.ssh/);
    expect(preflight).toMatch(/adds secrets GITHUB_TOKEN/);
    expect(preflight).toMatch(/<how to ask for the capabilities below>/);
  });

  it('copy-project replaces the project mount and remote control and --continue reach the command', () => {
    const plan = preparePlan(inputs(agent(), { options: { copyProject: true, remoteControl: true }, resume: { continueConversation: true } }));
    expect(plan.project).toBe('copy');
    expect(plan.mounts.some((mount) => mount.origin === 'project')).toBe(false);
    expect(plan.claude.args).toEqual(['claude', '--dangerously-skip-permissions', '--remote-control', '--continue', '--append-system-prompt', capabilityPrompt(plan.requestable), '--model', 'opus']);
  });

  it('a granted capability adds its mounts, secrets and network', () => {
    const plan = preparePlan(inputs(agent({ network: { mode: 'none' } }), { grantedCapabilities: ['push'] }));
    expect(plan.mounts.map((mount) => mount.origin)).toContain('capability:push');
    expect(plan.secrets.map((secret) => `${secret.name}:${secret.available}`)).toEqual(['API_TOKEN:true', 'GITHUB_TOKEN:false']);
    expect(plan.network).toEqual({ mode: 'open' });
    expect(renderPreflight(plan)).toMatch(/granted\s+push/);
  });

  it('refuses root unless dangerous', () => {
    expect(() => preparePlan(inputs(agent({ user: 'root' })))).toThrow(/run as root/);
    expect(preparePlan(inputs(agent({ user: 'root', dangerous: true }))).warnings.join()).toContain('dangerous');
  });

  it("plans an allow-list behind the egress proxy, with Claude's credential kept out of the bottle", () => {
    const plan = preparePlan(inputs(agent({ network: { mode: 'allow', hosts: ['github.com'] }, secrets: ['ANTHROPIC_API_KEY', 'API_TOKEN'] }), { secrets: { get: (name: string) => (name === 'ANTHROPIC_API_KEY' ? 'sk-ant-api03-xyzw' : 'v'), whereIs: () => 'environment' } }));
    expect(plan.claudeApi).toEqual({ via: 'proxy', credential: { kind: 'api-key', name: 'ANTHROPIC_API_KEY', from: 'environment', last4: 'xyzw' } });
    expect(plan.secrets.map((secret) => secret.name)).toEqual(['API_TOKEN']);
    const text = renderPreflight(plan);
    expect(text).toMatch(/allow-list: github.com/);
    expect(text).toMatch(/through the proxy with your API key …xyzw \(environment\)/);
    expect(text).not.toContain('sk-ant-api03');
  });

  it('says what listing the Anthropic API opens, however the entry spells it', () => {
    const WARNING = 'the list names the Anthropic API';
    for (const entry of ['api.anthropic.com', 'API.Anthropic.COM.', '*.anthropic.com', 'api.anthropic.com:443']) {
      expect(renderPreflight(preparePlan(inputs(agent({ network: { mode: 'allow', hosts: [entry] } })))), entry).toContain(WARNING);
    }
    for (const entry of ['anthropic.com', 'api.anthropic.com:8443', 'api.anthropic.com.evil.test']) {
      expect(renderPreflight(preparePlan(inputs(agent({ network: { mode: 'allow', hosts: [entry] } })))), entry).not.toContain(WARNING);
    }
  });

  it('wraps a long allow-list into lines the window takes: a thousand long hosts all shown, within the contract', () => {
    const hosts = Array.from({ length: 1000 }, (_, i) => `*.${'sub'.repeat(70)}-${i}.example.com`);
    const plan = preparePlan(inputs(agent({ network: { mode: 'allow', hosts } })));
    const network = describePreflight(plan).rows.find((row) => row.label === 'network');
    expect(network).toBeDefined();
    expect(PreflightRowSchema.safeParse(network).error?.issues ?? []).toEqual([]);
    const listed = network!.lines.filter((entry) => entry.tone === 'normal').map((entry) => entry.text);
    expect(listed.length).toBeGreaterThan(1);
    expect(listed.join(' ').replace(/^allow-list: /, '').split(/,?\s+/).filter(Boolean)).toEqual(hosts);
    const short = describePreflight(preparePlan(inputs(agent({ network: { mode: 'allow', hosts: ['a.test', 'b.test'] } })))).rows.find((row) => row.label === 'network');
    expect(short!.lines[0]!.text).toBe('allow-list: a.test, b.test');
  });

  it('a dangerous mount of "/" lets the container layer mount it (it holds the socket), and says so', () => {
    const rootMount = agent({ dangerous: true, mounts: [{ source: '/', target: '/host', readonly: true, dangerousReason: 'the root folder "/" exposes the whole host file system', reachesSocket: true }] });
    const plan = preparePlan(inputs(rootMount));
    expect(plan.hardening.dockerSocket).toBe(true);
    expect(preparePlan(inputs(agent())).hardening.dockerSocket).toBe(false);
  });

  it('a dangerous mount that reaches no socket leaves "no Docker socket" true to its word', () => {
    const sysMount = agent({ dangerous: true, mounts: [{ source: '/sys', target: '/host-sys', readonly: true, dangerousReason: "/sys exposes the kernel's and the devices' controls" }] });
    const plan = preparePlan(inputs(sysMount));
    expect(plan.hardening.dockerSocket).toBe(false);
    expect(plan.warnings).toContain("DANGEROUS mount /sys → /host-sys: /sys exposes the kernel's and the devices' controls");
  });

  it('the preflight shows hardening, limits, missing secrets and dangerous mounts in words', () => {
    const dangerous = agent({
      dangerous: true,
      secrets: ['MISSING_ONE'],
      mounts: [{ source: '/var/run/docker.sock', target: '/var/run/docker.sock', readonly: false, dangerousReason: 'the Docker socket gives full control of the host', reachesSocket: true }],
    });
    const text = renderPreflight(preparePlan(inputs(dangerous)));
    expect(text).toContain('all Linux capabilities dropped');
    expect(text).toContain('no-new-privileges');
    expect(text).toContain('memory 4 GiB · 2 CPUs · 512 processes');
    expect(text).toMatch(/MISSING_ONE\s+MISSING/);
    expect(text).toContain('the Docker socket may be reachable');
    expect(text).toContain('! DANGEROUS mount /var/run/docker.sock');
    expect(text).toContain("claude --dangerously-skip-permissions --append-system-prompt <how to ask for the capabilities below> --model opus");
    expect(renderPreflight(preparePlan(inputs(dangerous)), { color: true })).toContain('\x1b[1;31m');
  });

  it("lists what is copied from the user's Claude folder: present parts with their file counts, missing ones, what is skipped", () => {
    const from = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-plan-claude-'));
    try {
      fs.writeFileSync(path.join(from, 'CLAUDE.md'), '# rules\n');
      fs.mkdirSync(path.join(from, 'agents'));
      for (const name of ['a.md', 'b.md', 'c.md']) fs.writeFileSync(path.join(from, 'agents', name), name);
      fs.symlinkSync('/etc/passwd', path.join(from, 'agents', 'passwd.md'));
      execFileSync('mkfifo', [path.join(from, 'agents', 'pipe.md')]);
      fs.writeFileSync(path.join(from, '.credentials.json'), '{}');
      const plan = preparePlan(inputs(agent({ claudeInherit: ['CLAUDE.md', 'agents', 'skills'] }), { userClaudeFolder: from }));
      expect(plan.claudeSetup).toMatchObject({ from, items: ['CLAUDE.md', 'agents', 'skills'] });
      const row = describePreflight(plan).rows.find((candidate) => candidate.label === 'Claude setup');
      expect(PreflightRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
      expect(row!.lines.map((entry) => entry.text)).toEqual([
        `from your Claude folder ${from}: CLAUDE.md, agents/ (3 files)`,
        'missing there, not copied: skills/',
        'skipped agents/passwd.md: is a symbolic link; not followed',
        'skipped agents/pipe.md: is a FIFO, not a regular file',
        'copied at each launch over the earlier copies; never credentials, history or other sessions',
      ]);
      expect(renderPreflight(plan)).toMatch(/Claude setup\s+from your Claude folder/);
    } finally {
      fs.rmSync(from, { recursive: true, force: true });
    }
  });

  it('has no Claude setup row for an agent that inherits nothing, and a resume names a part added to the list', () => {
    const plain = preparePlan(inputs(agent()));
    expect(plain.claudeSetup).toBeUndefined();
    expect(describePreflight(plain).rows.map((row) => row.label)).not.toContain('Claude setup');
    const widened = preparePlan(inputs(agent({ claudeInherit: ['settings.json'] }), { userClaudeFolder: '/nonexistent/claude' }));
    expect(describePreflight(widened).rows.find((row) => row.label === 'Claude setup')!.lines[0]!.text).toBe('from your Claude folder /nonexistent/claude: nothing');
    expect(describeChanges(confirmedPlanOf(plain), confirmedPlanOf(widened))).toEqual(['inherited from your Claude folder added: settings.json']);
  });
});
