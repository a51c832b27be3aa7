import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RESOURCES, loadManifestText, parseMemorySize } from '../../../src/core/manifest';
import { lines, makeManifestProject, type ManifestProject } from './fixtures';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('a good manifest loads into resolved agents', () => {
  let project: ManifestProject | undefined;
  afterEach(() => project?.cleanup());

  it('accepts comments and trailing commas', () => {
    project = makeManifestProject(
      lines(
        '// the agents of this project',
        '{',
        '  "version": 1, /* the only version */',
        '  "agents": {',
        '    "reviewer": { "image": "ubuntu:24.04", }, // trailing comma above and here',
        '  },',
        '}',
      ),
    );
    const loaded = project.load();
    expect(loaded.agents.map((agent) => agent.name)).toEqual(['reviewer']);
    expect(loaded.file).toBe(project.file);
    expect(loaded.projectRoot).toBe(project.root);
  });

  it('fills every field an agent leaves out with its default', () => {
    project = makeManifestProject('{ "version": 1, "agents": { "reviewer": { "image": "ubuntu" } } }');
    expect(project.load().agents[0]).toEqual({
      name: 'reviewer',
      description: '',
      image: { kind: 'image', ref: 'ubuntu' },
      workdir: '/workspace',
      project: 'mount-rw',
      mounts: [],
      env: {},
      secrets: [],
      network: { mode: 'allow', hosts: [] },
      resources: { memory: 4 * GiB, cpus: DEFAULT_RESOURCES.cpus, pids: DEFAULT_RESOURCES.pids },
      capabilities: {},
      claudeArgs: [],
      remoteControl: false,
      dangerous: false,
    });
  });

  it('takes network and resources from "defaults", field by field, when the agent does not set them', () => {
    project = makeManifestProject(
      JSON.stringify({
        version: 1,
        defaults: { network: 'none', resources: { memory: '1.5g', pids: 256 } },
        agents: {
          plain: { image: 'ubuntu' },
          own: { image: 'ubuntu', network: { allow: ['github.com', 'api.anthropic.com'] }, resources: { cpus: 0.5, memory: '512m' } },
        },
      }),
    );
    const [plain, own] = project.load().agents;
    expect(plain?.network).toEqual({ mode: 'none' });
    expect(plain?.resources).toEqual({ memory: 1.5 * GiB, cpus: 2, pids: 256 });
    expect(own?.network).toEqual({ mode: 'allow', hosts: ['github.com', 'api.anthropic.com'] });
    expect(own?.resources).toEqual({ memory: 512 * MiB, cpus: 0.5, pids: 256 });
  });

  it('takes claude.inherit from "defaults" unless the agent sets its own list, which replaces it whole', () => {
    project = makeManifestProject(
      JSON.stringify({
        version: 1,
        defaults: { claude: { inherit: ['CLAUDE.md', 'agents'] } },
        agents: {
          plain: { image: 'ubuntu' },
          own: { image: 'ubuntu', claude: { inherit: ['skills', 'settings.json'] } },
          none: { image: 'ubuntu', claude: { inherit: [] } },
        },
      }),
    );
    const [plain, own, none] = project.load().agents;
    expect(plain?.claudeInherit).toEqual(['CLAUDE.md', 'agents']);
    expect(own?.claudeInherit).toEqual(['skills', 'settings.json']);
    expect(none && 'claudeInherit' in none).toBe(false);
  });

  it('keeps every field the agent sets', () => {
    project = makeManifestProject(
      JSON.stringify({
        version: 1,
        agents: {
          writer: {
            description: 'writes code',
            image: 'ghcr.io/acme/agent:1.4',
            workdir: '/src',
            user: '1000:1000',
            project: 'copy',
            env: { TZ: 'UTC' },
            secrets: ['ANTHROPIC_API_KEY'],
            claude: { args: ['--model', 'opus'], remoteControl: true },
          },
        },
      }),
    );
    expect(project.load().agents[0]).toMatchObject({
      description: 'writes code',
      image: { kind: 'image', ref: 'ghcr.io/acme/agent:1.4' },
      workdir: '/src',
      user: '1000:1000',
      project: 'copy',
      env: { TZ: 'UTC' },
      secrets: ['ANTHROPIC_API_KEY'],
      claudeArgs: ['--model', 'opus'],
      remoteControl: true,
    });
  });

  it('resolves mount sources against the project root and expands "~", read-only unless "readonly": false', () => {
    project = makeManifestProject(
      JSON.stringify({
        version: 1,
        agents: {
          reviewer: {
            image: 'ubuntu',
            mounts: [
              { source: 'data', target: '/data' },
              { source: './data/../notes.txt', target: '/notes.txt', readonly: false },
              { source: '~/.gitconfig', target: '/home/agent/.gitconfig', readonly: true },
              { source: '/usr', target: '/host-usr' },
            ],
          },
        },
      }),
      { dirs: ['data'], files: { 'notes.txt': 'hi' } },
    );
    fs.writeFileSync(path.join(project.home, '.gitconfig'), '[user]\n');
    expect(project.load().agents[0]?.mounts).toEqual([
      { source: path.join(project.root, 'data'), target: '/data', readonly: true },
      { source: path.join(project.root, 'notes.txt'), target: '/notes.txt', readonly: false },
      { source: path.join(project.home, '.gitconfig'), target: '/home/agent/.gitconfig', readonly: true },
      { source: '/usr', target: '/host-usr', readonly: true },
    ]);
  });

  it('allows a mount on the workdir when the project is not mounted there', () => {
    project = makeManifestProject(
      JSON.stringify({ version: 1, agents: { a: { image: 'x', project: 'none', mounts: [{ source: '.', target: '/workspace' }] } } }),
    );
    expect(project.load().agents[0]?.mounts).toEqual([{ source: project.root, target: '/workspace', readonly: true }]);
  });

  it('resolves a build against the project root, with "Dockerfile" in the context by default', () => {
    project = makeManifestProject(
      JSON.stringify({
        version: 1,
        agents: {
          built: { build: { context: '.bottle', args: { BASE: 'ubuntu' } } },
          named: { build: { context: '.', dockerfile: '.bottle/Agent.Dockerfile' } },
        },
      }),
      { files: { '.bottle/Dockerfile': 'FROM ubuntu\n', '.bottle/Agent.Dockerfile': 'FROM ubuntu\n' } },
    );
    const [built, named] = project.load().agents;
    expect(built?.image).toEqual({
      kind: 'build',
      context: path.join(project.root, '.bottle'),
      dockerfile: path.join(project.root, '.bottle', 'Dockerfile'),
      args: { BASE: 'ubuntu' },
    });
    expect(named?.image).toEqual({
      kind: 'build',
      context: project.root,
      dockerfile: path.join(project.root, '.bottle', 'Agent.Dockerfile'),
      args: {},
    });
  });

  it('resolves capabilities like the agent: mounts checked, secrets and network kept', () => {
    project = makeManifestProject(
      JSON.stringify({
        version: 1,
        agents: {
          reviewer: {
            image: 'ubuntu',
            capabilities: {
              push: { description: 'push branches', secrets: ['GITHUB_TOKEN'], network: { allow: ['github.com'] } },
              notes: { description: 'read notes', mounts: [{ source: 'notes', target: '/notes' }] },
            },
          },
        },
      }),
      { dirs: ['notes'] },
    );
    expect(project.load().agents[0]?.capabilities).toEqual({
      push: { name: 'push', description: 'push branches', mounts: [], secrets: ['GITHUB_TOKEN'], network: { mode: 'allow', hosts: ['github.com'] } },
      notes: { name: 'notes', description: 'read notes', mounts: [{ source: path.join(project.root, 'notes'), target: '/notes', readonly: true }], secrets: [] },
    });
  });

  it('lists agents in the order the file does, number-like names included', () => {
    project = makeManifestProject('{ "version": 1, "agents": { "zeta": { "image": "x" }, "10": { "image": "x" }, "alpha": { "image": "x" } } }');
    expect(project.load().agents.map((agent) => agent.name)).toEqual(['zeta', '10', 'alpha']);
  });

  it('loads text in hand with loadManifestText, the project root being the file\'s folder', () => {
    project = makeManifestProject('{}');
    const loaded = loadManifestText(project.file, '{ "version": 1, "agents": { "a": { "image": "x", "mounts": [{ "source": ".", "target": "/p" }] } } }', {
      home: project.home,
    });
    expect(loaded.projectRoot).toBe(project.root);
    expect(loaded.agents[0]?.mounts[0]?.source).toBe(project.root);
  });
});

describe('memory sizes are converted to bytes', () => {
  it.each([
    ['512m', 512 * MiB],
    ['1.5g', 1.5 * GiB],
    ['4G', 4 * GiB],
    ['2048k', 2 * MiB],
    ['8388608', 8 * MiB],
    ['100b', 100],
  ])('%s is %d bytes', (size, bytes) => {
    expect(parseMemorySize(size)).toBe(bytes);
  });

  it('refuses what is not a size', () => {
    expect(parseMemorySize('lots')).toBeUndefined();
    expect(parseMemorySize('4gb')).toBeUndefined();
  });
});
