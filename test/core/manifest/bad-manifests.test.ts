import { afterAll, describe, expect, it } from 'vitest';
import { fillIn, lines, makeManifestProject, reviewer, type ManifestProject, type ProjectSetup } from './fixtures';

// Every row is a manifest that must be refused with exactly one issue, at an exact line and column,
// naming the key path and saying what was expected. {{root}} and {{home}} stand for the project
// and home folders of the row's temporary project.

interface BadManifest {
  name: string;
  text: string;
  setup?: ProjectSetup;
  line: number;
  column: number;
  keyPath: string;
  says: string;
}

const table: BadManifest[] = [
  // Syntax
  {
    name: 'a missing comma between two keys',
    text: lines('{', '  "version": 1', '  "agents": {}', '}'),
    line: 3, column: 3, keyPath: '', says: 'expected a comma',
  },
  {
    name: 'an unterminated string',
    text: lines('{', '  "version": 1,', '  "agents": { "reviewer": { "image": "ubuntu } }', '}'),
    line: 3, column: 38, keyPath: '', says: 'unterminated string',
  },
  {
    name: 'trailing garbage after the document',
    text: lines('{ "version": 1, "agents": {} }', 'oops'),
    line: 2, column: 1, keyPath: '', says: 'unexpected text after the end of the document',
  },
  {
    name: 'a file cut off in the middle of an object',
    text: lines('{', '  "version": 1,', '  "agents": {'),
    line: 3, column: 14, keyPath: '', says: 'unexpected end of file: expected a closing "}"',
  },
  {
    name: 'an empty file',
    text: '',
    line: 1, column: 1, keyPath: '', says: 'the file is empty',
  },
  {
    name: 'a file of comments only',
    text: lines('// nothing here yet', ''),
    line: 2, column: 1, keyPath: '', says: 'unexpected end of file: expected a value',
  },
  {
    name: 'a key without quotes',
    text: lines('{', '  version: 1,', '  "agents": {}', '}'),
    line: 2, column: 3, keyPath: '', says: 'unexpected character',
  },
  {
    name: 'a duplicate key in one object',
    text: lines('{', '  "version": 1,', '  "agents": {', '    "reviewer": { "image": "a", "image": "b" }', '  }', '}'),
    line: 4, column: 33, keyPath: 'agents.reviewer.image', says: 'duplicate key "image" (already set on line 4)',
  },

  // The document
  {
    name: 'a document that is not an object',
    text: '[]',
    line: 1, column: 1, keyPath: '', says: 'expected an object, got a list',
  },
  {
    name: 'a wrong version',
    text: lines('{', '  "version": 2,', '  "agents": {}', '}'),
    line: 2, column: 14, keyPath: 'version', says: 'expected 1, got 2',
  },
  {
    name: 'no agents',
    text: lines('{', '  "version": 1', '}'),
    line: 1, column: 1, keyPath: 'agents', says: 'missing required key "agents": expected an object',
  },
  {
    name: 'agents given as a list',
    text: lines('{', '  "version": 1,', '  "agents": []', '}'),
    line: 3, column: 13, keyPath: 'agents', says: 'expected an object, got a list',
  },
  {
    name: 'an unknown top-level key',
    text: lines('{', '  "version": 1,', '  "agent": {},', '  "agents": {}', '}'),
    line: 3, column: 3, keyPath: 'agent', says: 'unknown key "agent" (did you mean "agents"?); allowed keys: $schema, version, defaults, agents',
  },
  {
    name: 'a "__proto__" key, refused where it stands (it would reach the prototype)',
    text: '{ "version": 1, "agents": {}, "__proto__": {} }',
    line: 1, column: 31, keyPath: '__proto__', says: '"__proto__" cannot be used as a key',
  },
  {
    name: 'defaults with an unknown key',
    text: lines('{', '  "version": 1,', '  "defaults": { "memory": "4g" },', '  "agents": {}', '}'),
    line: 3, column: 17, keyPath: 'defaults.memory', says: 'unknown key "memory"; allowed keys: network, resources',
  },
  {
    name: 'a default memory below Docker\'s minimum, reported once for all agents',
    text: lines(
      '{',
      '  "version": 1,',
      '  "defaults": { "resources": { "memory": "1m" } },',
      '  "agents": { "a": { "image": "x" }, "b": { "image": "y" } }',
      '}',
    ),
    line: 3, column: 42, keyPath: 'defaults.resources.memory', says: 'expected a memory size from "6m"',
  },

  // Agents
  {
    name: 'an agent name with a capital letter',
    text: lines('{', '  "version": 1,', '  "agents": {', '    "Reviewer": { "image": "ubuntu" }', '  }', '}'),
    line: 4, column: 5, keyPath: 'agents.Reviewer', says: 'bad name "Reviewer": expected an agent name of lowercase letters',
  },
  {
    name: 'an agent with neither image nor build',
    text: reviewer('      "description": "reads code"'),
    line: 4, column: 17, keyPath: 'agents.reviewer', says: 'expected an "image" or a "build" (exactly one of them)',
  },
  {
    name: 'an agent with both image and build',
    text: reviewer('      "image": "ubuntu",', '      "build": { "context": "." }'),
    line: 6, column: 16, keyPath: 'agents.reviewer.build', says: 'expected either "image" or "build", not both',
  },
  {
    name: 'an unknown agent key',
    text: reviewer('      "image": "ubuntu",', '      "mount": []'),
    line: 6, column: 7, keyPath: 'agents.reviewer.mount', says: 'unknown key "mount" (did you mean "mounts"?)',
  },
  {
    name: 'a relative workdir',
    text: reviewer('      "image": "ubuntu",', '      "workdir": "workspace"'),
    line: 6, column: 18, keyPath: 'agents.reviewer.workdir', says: 'expected an absolute container path (starting with "/")',
  },
  {
    name: 'a user with a space in it',
    text: reviewer('      "image": "ubuntu",', '      "user": "claude agent"'),
    line: 6, column: 15, keyPath: 'agents.reviewer.user', says: 'expected a user name or uid[:gid]',
  },
  {
    name: 'an unknown project mode',
    text: reviewer('      "image": "ubuntu",', '      "project": "clone"'),
    line: 6, column: 18, keyPath: 'agents.reviewer.project', says: 'expected one of "mount-rw", "mount-ro", "copy" or "none", got "clone"',
  },
  {
    name: '"dangerous" written as a string',
    text: reviewer('      "image": "ubuntu",', '      "dangerous": "yes"'),
    line: 6, column: 20, keyPath: 'agents.reviewer.dangerous', says: 'expected true or false, got a string',
  },

  // Resources
  {
    name: 'cpus as a string',
    text: reviewer('      "image": "ubuntu",', '      "resources": { "cpus": "2" }'),
    line: 6, column: 30, keyPath: 'agents.reviewer.resources.cpus', says: 'expected a number, got a string',
  },
  {
    name: 'zero cpus',
    text: reviewer('      "image": "ubuntu",', '      "resources": { "cpus": 0 }'),
    line: 6, column: 30, keyPath: 'agents.reviewer.resources.cpus', says: "expected at least 0.01 CPUs (Docker's minimum)",
  },
  {
    name: 'a fractional pids limit',
    text: reviewer('      "image": "ubuntu",', '      "resources": { "pids": 1.5 }'),
    line: 6, column: 30, keyPath: 'agents.reviewer.resources.pids', says: 'expected a whole number, got 1.5',
  },
  {
    name: 'memory "lots"',
    text: reviewer('      "image": "ubuntu",', '      "resources": { "memory": "lots" }'),
    line: 6, column: 32, keyPath: 'agents.reviewer.resources.memory', says: 'expected a memory size such as "512m" or "4g"',
  },
  {
    name: 'memory below Docker\'s minimum',
    text: reviewer('      "image": "ubuntu",', '      "resources": { "memory": "4m" }'),
    line: 6, column: 32, keyPath: 'agents.reviewer.resources.memory', says: 'expected a memory size from "6m" (Docker\'s minimum) to "1048576g", got "4m"',
  },

  // Mounts
  {
    name: 'a mount key typed "readOnly"',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "source": ".", "target": "/src", "readOnly": true }]'),
    line: 6, column: 53, keyPath: 'agents.reviewer.mounts[0].readOnly', says: 'unknown key "readOnly" (did you mean "readonly"?); allowed keys: source, target, readonly',
  },
  {
    name: 'a relative mount target',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "source": ".", "target": "src" }]'),
    line: 6, column: 45, keyPath: 'agents.reviewer.mounts[0].target', says: 'expected an absolute container path (starting with "/")',
  },
  {
    name: 'a mount without a source',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "target": "/x" }]'),
    line: 6, column: 18, keyPath: 'agents.reviewer.mounts[0].source', says: 'missing required key "source": expected a string',
  },
  {
    name: 'a mount source that does not exist',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "source": "nope", "target": "/nope" }]'),
    line: 6, column: 30, keyPath: 'agents.reviewer.mounts[0].source', says: 'does not exist: {{root}}/nope',
  },
  {
    name: 'the Docker socket without "dangerous"',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "source": "/var/run/docker.sock", "target": "/var/run/docker.sock" }]'),
    line: 6, column: 30, keyPath: 'agents.reviewer.mounts[0].source', says: 'refused: the Docker socket gives full control of the host; set "dangerous": true',
  },
  {
    name: 'the root folder without "dangerous"',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "source": "/", "target": "/host" }]'),
    line: 6, column: 30, keyPath: 'agents.reviewer.mounts[0].source', says: 'refused: the root folder "/" exposes the whole host file system',
  },
  {
    name: 'the home folder as "~" without "dangerous"',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "source": "~", "target": "/home/agent/host" }]'),
    line: 6, column: 30, keyPath: 'agents.reviewer.mounts[0].source', says: 'refused: the home folder exposes all your files',
  },
  {
    name: 'the home folder by its absolute path without "dangerous"',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "source": "{{home}}/", "target": "/home/agent/host" }]'),
    line: 6, column: 30, keyPath: 'agents.reviewer.mounts[0].source', says: 'refused: the home folder exposes all your files',
  },
  {
    name: 'two mounts on the same target',
    text: reviewer(
      '      "image": "ubuntu",',
      '      "mounts": [',
      '        { "source": ".", "target": "/data" },',
      '        { "source": ".", "target": "/data/" }',
      '      ]',
    ),
    line: 8, column: 36, keyPath: 'agents.reviewer.mounts[1].target', says: '/data/ is already the target of agents.reviewer.mounts[0]',
  },
  {
    name: 'a mount on the workdir where the project is mounted',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "source": ".", "target": "/workspace" }]'),
    line: 6, column: 45, keyPath: 'agents.reviewer.mounts[0].target', says: 'is already the target of the project',
  },
  {
    name: 'a mount over the container\'s root',
    text: reviewer('      "image": "ubuntu",', '      "mounts": [{ "source": ".", "target": "/" }]'),
    line: 6, column: 45, keyPath: 'agents.reviewer.mounts[0].target', says: 'cannot mount over the root "/" of the container',
  },

  // Network, secrets, env
  {
    name: 'an unknown network value',
    text: reviewer('      "image": "ubuntu",', '      "network": "closed"'),
    line: 6, column: 18, keyPath: 'agents.reviewer.network', says: 'expected one of "none", "open" or { "allow": [...] }',
  },
  {
    name: 'an allow-list entry with a scheme and a path',
    text: reviewer('      "image": "ubuntu",', '      "network": { "allow": ["github.com", "https://evil.example/x"] }'),
    line: 6, column: 44, keyPath: 'agents.reviewer.network.allow[1]', says: 'is not a host name, an address or a range',
  },
  {
    name: 'a network object without "allow"',
    text: reviewer('      "image": "ubuntu",', '      "network": {}'),
    line: 6, column: 18, keyPath: 'agents.reviewer.network.allow', says: 'missing required key "allow": expected a list',
  },
  {
    name: 'a bad host in the allow list',
    text: reviewer('      "image": "ubuntu",', '      "network": { "allow": ["github.com", "bad host"] }'),
    line: 6, column: 44, keyPath: 'agents.reviewer.network.allow[1]', says: 'expected a host name ("github.com"',
  },
  {
    name: 'a secret listed twice',
    text: reviewer('      "image": "ubuntu",', '      "secrets": ["API_TOKEN", "API_TOKEN"]'),
    line: 6, column: 32, keyPath: 'agents.reviewer.secrets[1]', says: '"API_TOKEN" is listed twice',
  },
  {
    name: 'a secret whose value is also written in env',
    text: reviewer('      "image": "ubuntu",', '      "env": { "API_TOKEN": "abc" },', '      "secrets": ["API_TOKEN"]'),
    line: 6, column: 29, keyPath: 'agents.reviewer.env.API_TOKEN', says: 'in "env" or in "secrets", not both',
  },
  {
    name: 'a bad secret name',
    text: reviewer('      "image": "ubuntu",', '      "secrets": ["GITHUB-TOKEN"]'),
    line: 6, column: 19, keyPath: 'agents.reviewer.secrets[0]', says: 'expected an environment variable name',
  },
  {
    name: 'an env variable with a bad name',
    text: reviewer('      "image": "ubuntu",', '      "env": { "MY-VAR": "1" }'),
    line: 6, column: 16, keyPath: 'agents.reviewer.env.MY-VAR', says: 'bad name "MY-VAR": expected an environment variable name',
  },
  {
    name: 'an env value that is not a string',
    text: reviewer('      "image": "ubuntu",', '      "env": { "DEBUG": true }'),
    line: 6, column: 25, keyPath: 'agents.reviewer.env.DEBUG', says: 'expected a string, got true',
  },

  // Capabilities
  {
    name: 'a bad capability name',
    text: reviewer('      "image": "ubuntu",', '      "capabilities": { "Push": { "description": "push" } }'),
    line: 6, column: 25, keyPath: 'agents.reviewer.capabilities.Push', says: 'bad name "Push": expected a capability name',
  },
  {
    name: 'a capability with an unknown key',
    text: reviewer('      "image": "ubuntu",', '      "capabilities": { "push": { "description": "push", "grant": true } }'),
    line: 6, column: 58, keyPath: 'agents.reviewer.capabilities.push.grant', says: 'unknown key "grant"; allowed keys: description, mounts, secrets, network',
  },
  {
    name: 'a capability mount whose source does not exist',
    text: reviewer(
      '      "image": "ubuntu",',
      '      "capabilities": { "push": { "description": "push", "mounts": [{ "source": "nope", "target": "/n" }] } }',
    ),
    line: 6, column: 81, keyPath: 'agents.reviewer.capabilities.push.mounts[0].source', says: 'does not exist: {{root}}/nope',
  },
  {
    name: 'a capability mounting the Docker socket without "dangerous"',
    text: reviewer(
      '      "image": "ubuntu",',
      '      "capabilities": { "ops": { "description": "ops", "mounts": [{ "source": "/run/docker.sock", "target": "/d" }] } }',
    ),
    line: 6, column: 79, keyPath: 'agents.reviewer.capabilities.ops.mounts[0].source', says: 'the Docker socket gives full control of the host',
  },

  // Build
  {
    name: 'a build context that does not exist',
    text: reviewer('      "build": { "context": "docker" }'),
    line: 5, column: 29, keyPath: 'agents.reviewer.build.context', says: 'does not exist: {{root}}/docker',
  },
  {
    name: 'a build context that is a file',
    text: reviewer('      "build": { "context": "docker" }'),
    setup: { files: { docker: 'FROM ubuntu\n' } },
    line: 5, column: 29, keyPath: 'agents.reviewer.build.context', says: 'is not a folder: {{root}}/docker',
  },
  {
    name: 'a named Dockerfile that does not exist',
    text: reviewer('      "build": { "context": ".bottle", "dockerfile": "Agent.Dockerfile" }'),
    setup: { dirs: ['.bottle'] },
    line: 5, column: 54, keyPath: 'agents.reviewer.build.dockerfile', says: 'does not exist: {{root}}/.bottle/Agent.Dockerfile',
  },
  {
    name: 'a build context without the default Dockerfile',
    text: reviewer('      "build": { "context": ".bottle" }'),
    setup: { dirs: ['.bottle'] },
    line: 5, column: 16, keyPath: 'agents.reviewer.build.dockerfile', says: 'does not exist: {{root}}/.bottle/Dockerfile (the default',
  },
  {
    name: 'a Dockerfile outside the build context',
    text: reviewer('      "build": { "context": ".bottle", "dockerfile": "../Dockerfile" }'),
    setup: { dirs: ['.bottle'], files: { Dockerfile: 'FROM ubuntu\n' } },
    line: 5, column: 54, keyPath: 'agents.reviewer.build.dockerfile', says: 'must be inside the build context',
  },

  // Claude
  {
    name: 'claude.args that are not strings',
    text: reviewer('      "image": "ubuntu",', '      "claude": { "args": ["--model", 4] }'),
    line: 6, column: 39, keyPath: 'agents.reviewer.claude.args[1]', says: 'expected a string, got 4',
  },
  {
    name: 'claude.remoteControl as a string',
    text: reviewer('      "image": "ubuntu",', '      "claude": { "remoteControl": "yes" }'),
    line: 6, column: 36, keyPath: 'agents.reviewer.claude.remoteControl', says: 'expected true or false, got a string',
  },
  {
    name: 'claude.inherit naming a part of the Claude folder that cannot be inherited',
    text: reviewer('      "image": "ubuntu",', '      "claude": { "inherit": ["CLAUDE.md", ".credentials.json"] }'),
    line: 6, column: 44, keyPath: 'agents.reviewer.claude.inherit[1]', says: 'expected one of "CLAUDE.md", "settings.json", "agents", "commands", "skills", got ".credentials.json"',
  },
  {
    name: 'claude.inherit naming a part twice',
    text: reviewer('      "image": "ubuntu",', '      "claude": { "inherit": ["agents", "skills", "agents"] }'),
    line: 6, column: 51, keyPath: 'agents.reviewer.claude.inherit[2]', says: 'expected each part once; "agents" is listed twice',
  },
  {
    name: 'claude.inherit as a string',
    text: reviewer('      "image": "ubuntu",', '      "claude": { "inherit": "CLAUDE.md" }'),
    line: 6, column: 30, keyPath: 'agents.reviewer.claude.inherit', says: 'expected a list, got a string',
  },
  {
    name: 'defaults.claude.inherit with an unknown part',
    text: lines('{', '  "version": 1,', '  "defaults": { "claude": { "inherit": ["history"] } },', '  "agents": {}', '}'),
    line: 3, column: 41, keyPath: 'defaults.claude.inherit[0]', says: 'expected one of "CLAUDE.md"',
  },
  {
    name: 'defaults.claude with a key only an agent may set',
    text: lines('{', '  "version": 1,', '  "defaults": { "claude": { "args": [] } },', '  "agents": {}', '}'),
    line: 3, column: 29, keyPath: 'defaults.claude.args', says: 'unknown key "args"; allowed keys: inherit',
  },

  // Scale and odd shapes (see scale-and-shape.test.ts for the sizes)
  {
    name: 'nesting deeper than 64 levels, at the first too-deep bracket',
    text: reviewer('      "image": "ubuntu",', `      "env": ${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    line: 6, column: 75, keyPath: '', says: 'nested deeper than 64 levels',
  },
  {
    name: '"__proto__" as an agent name',
    text: lines('{', '  "version": 1,', '  "agents": {', '    "__proto__": { "image": "ubuntu" }', '  }', '}'),
    line: 4, column: 5, keyPath: 'agents.__proto__', says: '"__proto__" cannot be used as a key',
  },
  {
    name: '"__proto__" as an env variable',
    text: reviewer('      "image": "ubuntu",', '      "env": { "__proto__": "x" }'),
    line: 6, column: 16, keyPath: 'agents.reviewer.env.__proto__', says: '"__proto__" cannot be used as a key',
  },
  {
    name: 'an env variable starting with a digit',
    text: reviewer('      "image": "ubuntu",', '      "env": { "1PASSWORD": "x" }'),
    line: 6, column: 16, keyPath: 'agents.reviewer.env["1PASSWORD"]', says: 'bad name "1PASSWORD": expected an environment variable name',
  },
  {
    name: 'a memory size past a pebibyte',
    text: reviewer('      "image": "ubuntu",', '      "resources": { "memory": "99999999999999999999999g" }'),
    line: 6, column: 32, keyPath: 'agents.reviewer.resources.memory', says: 'to "1048576g", got "99999999999999999999999g"',
  },
  {
    name: 'an absurd default memory size that no agent uses',
    text: lines('{', '  "version": 1,', '  "defaults": { "resources": { "memory": "2000000g" } },', '  "agents": { "a": { "image": "ubuntu", "resources": { "memory": "1g" } } }', '}'),
    line: 3, column: 42, keyPath: 'defaults.resources.memory', says: 'to "1048576g", got "2000000g"',
  },
  {
    name: 'cpus too small for Docker',
    text: reviewer('      "image": "ubuntu",', '      "resources": { "cpus": 1e-9 }'),
    line: 6, column: 30, keyPath: 'agents.reviewer.resources.cpus', says: "expected at least 0.01 CPUs (Docker's minimum)",
  },
  {
    name: 'cpus too large to hold',
    text: reviewer('      "image": "ubuntu",', '      "resources": { "cpus": 1e999 }'),
    line: 6, column: 30, keyPath: 'agents.reviewer.resources.cpus', says: 'got a number too large to hold',
  },
  {
    name: 'an absurd pids limit',
    text: reviewer('      "image": "ubuntu",', '      "resources": { "pids": 99999999999 }'),
    line: 6, column: 30, keyPath: 'agents.reviewer.resources.pids', says: 'expected a number at most 1000000',
  },
  {
    name: 'a uid past 2^31-1',
    text: reviewer('      "image": "ubuntu",', '      "user": "4294967296"'),
    line: 6, column: 15, keyPath: 'agents.reviewer.user', says: 'expected uids and gids from 0 to 2147483647',
  },
  {
    name: 'a gid past 2^31-1',
    text: reviewer('      "image": "ubuntu",', '      "user": "agent:99999999999999999999"'),
    line: 6, column: 15, keyPath: 'agents.reviewer.user', says: 'expected uids and gids from 0 to 2147483647',
  },
  {
    name: 'a user name longer than 32 characters',
    text: reviewer('      "image": "ubuntu",', `      "user": "${'u'.repeat(33)}"`),
    line: 6, column: 15, keyPath: 'agents.reviewer.user', says: 'at most 32 characters',
  },
  {
    name: 'a user with an empty group',
    text: reviewer('      "image": "ubuntu",', '      "user": "1000:"'),
    line: 6, column: 15, keyPath: 'agents.reviewer.user', says: 'expected a user name or uid[:gid]',
  },
  {
    name: 'more secrets than the preflight shows',
    text: reviewer('      "image": "ubuntu",', `      "secrets": [${Array.from({ length: 101 }, (_, i) => `"S${i}"`).join(', ')}]`),
    line: 6, column: 18, keyPath: 'agents.reviewer.secrets', says: 'expected a list of at most 100 entries',
  },
  {
    name: 'more env variables than the preflight shows',
    text: reviewer('      "image": "ubuntu",', `      "env": { ${Array.from({ length: 201 }, (_, i) => `"V${i}": "x"`).join(', ')} }`),
    line: 6, column: 14, keyPath: 'agents.reviewer.env', says: 'expected at most 200 variables',
  },
];

describe('a bad manifest is refused with the line, column, key path and what was expected', () => {
  const projects: ManifestProject[] = [];
  afterAll(() => projects.forEach((project) => project.cleanup()));

  it('covers at least 35 kinds of mistake', () => {
    expect(table.length).toBeGreaterThanOrEqual(35);
  });

  it.each(table)('$name', (row) => {
    const project = makeManifestProject(row.text, row.setup);
    projects.push(project);
    const issues = project.issues();
    expect(issues).toEqual([
      {
        file: project.file,
        line: row.line,
        column: row.column,
        keyPath: row.keyPath,
        message: expect.stringContaining(fillIn(row.says, project)),
      },
    ]);
    // Plain words only: none of zod's defaults leak through.
    expect(issues[0]?.message).not.toMatch(/Invalid input|invalid_|Unrecognized key/);
  });
});
