// `claude-bottle init` and the window's "Create claude-bottle.json": a commented starter manifest
// with one agent on the built-in base image, so a newcomer never writes a Dockerfile.

import fs from 'node:fs';
import path from 'node:path';
import { BUILTIN_BASE } from '../builtin/baseImage';
import { BottleError } from '../errors';
import { AGENT_NAME_PATTERN } from '../manifest/schema';
import { DEFAULT_RESOURCES, MANIFEST_FILE_NAME } from '../manifest/types';

/** The agent name when the folder's name has nothing usable in it. */
export const FALLBACK_AGENT_NAME = 'claude';

/**
 * An agent name from a folder name, matching `^[a-z0-9][a-z0-9_.-]{0,62}$`: lower case, accents
 * dropped, every other run of characters a single dash; `claude` when nothing is left.
 */
export function agentNameFrom(folderName: string): string {
  const name = folderName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63)
    .replace(/[_.-]+$/, '');
  return AGENT_NAME_PATTERN.test(name) ? name : FALLBACK_AGENT_NAME;
}

export interface StarterOptions {
  /** Usually the project folder's name; the agent is named after it. */
  projectName: string;
}

/** The text of a starter claude-bottle.json (JSON with comments), valid against the schema. */
export function starterManifest({ projectName }: StarterOptions): string {
  const agent = agentNameFrom(projectName);
  const label = projectName.trim() || agent;
  const { memory, cpus, pids } = DEFAULT_RESOURCES;
  const lines = [
    '// claude-bottle.json: the agents of this project. Each runs Claude Code in its own Docker',
    '// container (a "bottle") that sees only what is declared here. Comments are allowed.',
    '// Start one with `claude-bottle start <agent>`, or from the Claude Bottle window.',
    '{',
    '  "version": 1,',
    '  "agents": {',
    '    // The agent\'s name (lower case letters, digits, "_", "." and "-").',
    `    ${JSON.stringify(agent)}: {`,
    `      "description": ${JSON.stringify(`Claude Code working on ${label}`)},`,
    '      // The built-in image: slim Debian with Node, git, ripgrep, jq and Claude Code. It is built',
    '      // on first use (a few minutes, once). Or name any image, or "build" your own Dockerfile.',
    `      "image": ${JSON.stringify(BUILTIN_BASE)},`,
    '      // This folder appears at /workspace, read-write: Claude edits your files in place.',
    '      // "mount-ro" to let it only read them, "copy" to work on a copy baked into the image.',
    '      "project": "mount-rw",',
    '      // Names of host environment variables the bottle gets (a GITHUB_TOKEN, say). Only names:',
    '      // values never enter this file, the image or any log. Claude\'s own credential',
    '      // (ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN) needs no entry: it never enters the bottle.',
    '      "secrets": [],',
    '      // Limits for the container: memory, CPU cores and processes.',
    `      "resources": { "memory": ${JSON.stringify(memory)}, "cpus": ${cpus}, "pids": ${pids} },`,
    '      // The network: Claude\'s API (through the egress proxy, with your credential) and nothing',
    '      // else. Add the hosts your work needs ("registry.npmjs.org", "*.github.com"), or say',
    '      // "none" (no network at all) or "open" (anything this machine can reach).',
    '      "network": { "allow": [] }',
    '    }',
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}

export interface InitOptions {
  /** Replace an existing claude-bottle.json. */
  force?: boolean;
}

/**
 * Writes a starter claude-bottle.json into `dir` and returns its path. An existing one is never
 * replaced unless `force` is set.
 */
export function initProject(dir: string, options: InitOptions = {}): string {
  const root = path.resolve(dir);
  const stat = fs.statSync(root, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new BottleError('not-found', `${root} is not a folder`, 'Create the folder first, or name an existing one.');
  }
  const file = path.join(root, MANIFEST_FILE_NAME);
  const text = starterManifest({ projectName: path.basename(root) });
  try {
    // 'wx' refuses atomically when the file appeared since anyone looked.
    fs.writeFileSync(file, text, { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new BottleError('usage', `${file} already exists; it was left as it is`, 'Edit it, or pass --force to replace it with a new starter.');
    }
    throw new BottleError('state', `could not write ${file}: ${(error as Error).message}`, undefined, { cause: error });
  }
  return file;
}
