// First-run checks (`claude-bottle doctor` and the window's first-run panel): is everything a
// bottle needs in place, and if not, what exactly to do next. Checks never throw: every problem
// becomes a check with a status, and secret values are never read into a message.

import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { findBuiltinBaseImage, pinnedClaudeCodeVersion, defaultRecipeDir } from '../builtin/baseImage';
import { connectDocker, dockerEndpoint, dockerEndpointSource, dockerSocketPath, pingDocker } from '../docker/client';
import { BottleError } from '../errors';
import { imageHasClaudeShell, NO_SHELL_WARNING } from '../docker/imagePasswd';
import { defaultStateRoot } from '../state/stateRoot';

export type DoctorCheckId = 'docker' | 'docker-cli' | 'disk' | 'credentials' | 'base-image';
export type DoctorStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  id: DoctorCheckId;
  status: DoctorStatus;
  title: string;
  detail: string;
  /** The next step, when there is one. */
  fix?: string;
}

export const DOCTOR_LIMITS = {
  /** The base image is about 1.3 GB and every bottle adds a layer: below this, warn. */
  minFreeBytes: 5 * 1024 ** 3,
  /** A local engine answers in milliseconds; a doctor should not hang on a stuck one. */
  pingTimeoutMs: 5_000,
} as const;

/** Either of these lets Claude Code in a bottle talk to Anthropic without /login. */
export const CLAUDE_CREDENTIAL_NAMES = ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'] as const;

export interface DoctorOptions {
  /** Default: `connectDocker()` (DOCKER_HOST, the current Docker context or the platform's socket). */
  docker?: Docker;
  /** Where credentials and PATH are looked up; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default: the state root the app and the CLI use. */
  stateRoot?: string;
  /** Names of the secrets stored in the app (their values are never needed here). */
  secretNames?: string[];
  /** For the platform's fixes; default `process.platform`. */
  platform?: NodeJS.Platform;
  /** The built-in image's recipe folder; default the one this installation ships. */
  recipeDir?: string;
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  let docker: Docker | undefined = options.docker;
  let dockerCheck: DoctorCheck;
  let dockerRoot: string | undefined;
  try {
    docker ??= connectDocker();
    ({ check: dockerCheck, dockerRoot } = await checkDocker(docker, platform, env));
  } catch (error) {
    // connectDocker itself throws on a malformed DOCKER_HOST.
    dockerCheck = dockerFailure(error, platform, env);
  }
  const reachable = dockerCheck.status === 'ok' ? docker : undefined;
  return [
    dockerCheck,
    checkDockerCli(env, platform),
    checkDisk(options.stateRoot ?? defaultStateRoot(env), dockerRoot, dockerCheck.status === 'ok' ? dockerRoot !== undefined : undefined),
    checkCredentials(env, options.secretNames ?? []),
    await checkBaseImage(reachable, env, options.recipeDir),
  ];
}

async function checkDocker(
  docker: Docker,
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
): Promise<{ check: DoctorCheck; dockerRoot?: string }> {
  try {
    await pingDocker(docker, { timeoutMs: DOCTOR_LIMITS.pingTimeoutMs });
  } catch (error) {
    const check = dockerFailure(error, platform, env);
    return { check: { ...check, detail: `${check.detail}${chosenBy(docker)}` } };
  }
  const where = `${dockerEndpoint(docker)}${chosenBy(docker)}`;
  let version = '';
  let dockerRoot: string | undefined;
  try {
    const info = (await docker.info()) as { ServerVersion?: string; DockerRootDir?: string };
    version = info.ServerVersion ? `Docker ${info.ServerVersion} ` : '';
    // Only a local engine's data folder is on this machine's disks.
    if (info.DockerRootDir && dockerSocketPath(docker) && fs.existsSync(info.DockerRootDir)) dockerRoot = info.DockerRootDir;
  } catch {
    // The ping answered; details are a nicety.
  }
  return { check: { id: 'docker', status: 'ok', title: 'Docker is reachable', detail: `${version}at ${where}` }, dockerRoot };
}

/** ` (chosen by DOCKER_HOST)`: which setting picked the engine, since the CLI and the app use it. */
function chosenBy(docker: Docker): string {
  const source = dockerEndpointSource(docker);
  return source ? ` (chosen by ${source})` : '';
}

function dockerFailure(error: unknown, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): DoctorCheck {
  const message = error instanceof Error ? error.message : String(error);
  const denied = /EACCES|EPERM|permission denied/i.test(message);
  return {
    id: 'docker',
    status: 'fail',
    title: 'Docker is not reachable',
    detail: message,
    fix: dockerFix(platform, denied, env),
  };
}

/** What to do about an unreachable engine, in the words of the platform. */
export function dockerFix(platform: NodeJS.Platform, permissionDenied = false, env: NodeJS.ProcessEnv = process.env): string {
  const viaHost = env.DOCKER_HOST ? ` DOCKER_HOST is set to ${env.DOCKER_HOST}: check that it is right, or unset it.` : '';
  switch (platform) {
    case 'darwin':
      return `Start Docker Desktop (install it from https://docs.docker.com/desktop/), or install colima and run \`colima start\`.${viaHost}`;
    case 'win32':
      return `Start Docker Desktop (install it from https://docs.docker.com/desktop/, with the WSL 2 backend).${viaHost}`;
    default:
      if (permissionDenied) {
        return `Your user may not use the Docker socket: run \`sudo usermod -aG docker $USER\`, then log out and in again.${viaHost}`;
      }
      return (
        'Install and start Docker: `sudo apt-get install docker.io` and `sudo systemctl start docker`; ' +
        `to use it without sudo, \`sudo usermod -aG docker $USER\` and log in again.${viaHost}`
      );
  }
}

function checkDockerCli(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): DoctorCheck {
  const found = findOnPath('docker', env, platform);
  if (found) return { id: 'docker-cli', status: 'ok', title: 'The docker command is installed', detail: found };
  const elsewhere = COMMON_DOCKER_DIRS[platform]?.map((dir) => path.join(dir, 'docker')).find(isExecutable);
  const detail = elsewhere
    ? `docker is at ${elsewhere}, which is not on this program's PATH; terminals run \`docker exec -it\``
    : 'docker is not on PATH; terminals attach to bottles with `docker exec -it`';
  const fix = elsewhere
    ? `Add ${path.dirname(elsewhere)} to PATH (for the app: start it from a shell that has it).`
    : platform === 'linux'
      ? 'Install the Docker CLI: `sudo apt-get install docker.io` (or docker-ce-cli from Docker\'s repository).'
      : 'Install Docker Desktop, which includes the docker command, or the CLI alone (`brew install docker` with colima).';
  return { id: 'docker-cli', status: 'fail', title: 'The docker command is missing', detail, fix };
}

/** Where installers put `docker` when a GUI app's PATH does not include it. */
const COMMON_DOCKER_DIRS: Partial<Record<NodeJS.Platform, string[]>> = {
  darwin: ['/usr/local/bin', '/opt/homebrew/bin', '/Applications/Docker.app/Contents/Resources/bin'],
  linux: ['/usr/bin', '/usr/local/bin', '/snap/bin'],
};

function findOnPath(command: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const pathValue = env.PATH ?? env.Path ?? '';
  const separator = platform === 'win32' ? ';' : ':';
  const names = platform === 'win32' ? [`${command}.exe`, `${command}.cmd`] : [command];
  for (const dir of pathValue.split(separator)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `dockerMeasurable`: false when the engine answered but its data folder is not on this machine. */
function checkDisk(stateRoot: string, dockerRoot: string | undefined, dockerMeasurable?: boolean): DoctorCheck {
  const places = [
    ...(dockerRoot ? [{ what: 'Docker', dir: dockerRoot }] : []),
    { what: 'bottle state', dir: stateRoot },
  ];
  const measured: { what: string; dir: string; free: number; device: number }[] = [];
  for (const place of places) {
    const existing = nearestExisting(place.dir);
    try {
      const stats = fs.statfsSync(existing);
      measured.push({ ...place, free: stats.bavail * stats.bsize, device: fs.statSync(existing).dev });
    } catch {
      // Unmeasurable (a permission problem): say nothing rather than guess.
    }
  }
  if (measured.length === 0) {
    return { id: 'disk', status: 'warn', title: 'Free disk space is unknown', detail: `could not measure ${places.map((p) => p.dir).join(', ')}` };
  }
  // One line per filesystem.
  const byDevice = new Map<number, { whats: string[]; dirs: string[]; free: number }>();
  for (const place of measured) {
    const entry = byDevice.get(place.device) ?? { whats: [], dirs: [], free: place.free };
    entry.whats.push(place.what);
    entry.dirs.push(place.dir);
    byDevice.set(place.device, entry);
  }
  const distinct = [...byDevice.values()];
  const detail = distinct.map((entry) => `${formatBytes(entry.free)} free for ${entry.whats.join(' and ')} (${entry.dirs.join(', ')})`).join('; ');
  const low = distinct.filter((entry) => entry.free < DOCTOR_LIMITS.minFreeBytes);
  const note = dockerMeasurable === false ? "; Docker's own disk (in its VM or on another host) was not measured" : '';
  if (low.length === 0) return { id: 'disk', status: 'ok', title: 'Enough free disk space', detail: detail + note };
  return {
    id: 'disk',
    status: 'warn',
    title: 'Little free disk space',
    detail: detail + note,
    fix: `Free at least ${formatBytes(DOCTOR_LIMITS.minFreeBytes)} on ${low.map((entry) => entry.dirs[0]).join(' and ')}: the base image alone takes about 1.3 GB (\`docker system prune\` removes unused images).`,
  };
}

function nearestExisting(dir: string): string {
  let current = path.resolve(dir);
  while (!fs.existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

function checkCredentials(env: NodeJS.ProcessEnv, secretNames: string[]): DoctorCheck {
  // Only names are looked at and reported; a value is never copied anywhere.
  const inEnv = CLAUDE_CREDENTIAL_NAMES.filter((name) => Boolean(env[name]));
  const inApp = CLAUDE_CREDENTIAL_NAMES.filter((name) => secretNames.includes(name));
  if (inEnv.length > 0 || inApp.length > 0) {
    const where = [
      ...(inEnv.length > 0 ? [`${inEnv.join(' and ')} in the environment`] : []),
      ...(inApp.length > 0 ? [`${inApp.join(' and ')} stored in the app`] : []),
    ].join('; ');
    return { id: 'credentials', status: 'ok', title: 'Credentials for Claude are available', detail: where };
  }
  return {
    id: 'credentials',
    status: 'warn',
    title: 'No credentials for Claude',
    detail: `neither ${CLAUDE_CREDENTIAL_NAMES.join(' nor ')} is set; Claude will ask you to log in`,
    fix: 'run `claude-bottle login` (or Sign in in the window), or set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN) in your environment',
  };
}

async function checkBaseImage(docker: Docker | undefined, env: NodeJS.ProcessEnv, recipeDir: string | undefined): Promise<DoctorCheck> {
  const title = 'The built-in base image';
  let recipe: string;
  let pinned: string;
  try {
    recipe = recipeDir ?? defaultRecipeDir();
    pinned = pinnedClaudeCodeVersion(recipe);
  } catch (error) {
    const message = error instanceof BottleError ? error.message : String(error);
    const fix = error instanceof BottleError ? error.hint : undefined;
    return { id: 'base-image', status: 'fail', title: `${title} cannot be built`, detail: message, ...(fix ? { fix } : {}) };
  }
  if (!docker) {
    return { id: 'base-image', status: 'warn', title: `${title} was not checked`, detail: 'Docker is not reachable, so its images cannot be listed' };
  }
  try {
    const found = await findBuiltinBaseImage(docker, { recipeDir: recipe, env });
    if (found) {
      const version = found.claudeCodeVersion ? ` (Claude Code ${found.claudeCodeVersion})` : '';
      if (!(await imageHasClaudeShell(docker, found.tag).catch(() => true))) {
        return { id: 'base-image', status: 'fail', title: `${title} has no bash`, detail: `${found.tag}: ${NO_SHELL_WARNING}`, fix: 'rebuild it: claude-bottle update-claude' };
      }
      return { id: 'base-image', status: 'ok', title: `${title} is built`, detail: `${found.tag}${version}, with bash for Claude's Bash tool` };
    }
    return {
      id: 'base-image',
      status: 'warn',
      title: `${title} is not built yet`,
      detail: `it will be built on first use (a few minutes, once; Claude Code ${pinned})`,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { id: 'base-image', status: 'warn', title: `${title} was not checked`, detail: message };
  }
}

const MARKS: Record<DoctorStatus, string> = { ok: '✓', warn: '!', fail: '✗' };
const COLORS: Record<DoctorStatus, string> = { ok: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[1;31m' };

/** The checks for a terminal: one line each (✓ / ! / ✗), details and fixes indented, a summary. */
export function formatDoctorReport(checks: DoctorCheck[], options: { color?: boolean } = {}): string {
  const paint = (status: DoctorStatus, text: string): string => (options.color ? `${COLORS[status]}${text}\x1b[0m` : text);
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${paint(check.status, MARKS[check.status])} ${check.title}`);
    lines.push(`    ${check.detail}`);
    if (check.fix) lines.push(`    fix: ${check.fix}`);
  }
  const failures = checks.filter((check) => check.status === 'fail').length;
  const warnings = checks.filter((check) => check.status === 'warn').length;
  const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
  lines.push('');
  if (failures === 0 && warnings === 0) lines.push('Everything is ready.');
  else if (failures === 0) lines.push(`Ready, with ${plural(warnings, 'warning')}.`);
  else lines.push(`Not ready: ${plural(failures, 'problem')} to fix${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}.`);
  return `${lines.join('\n')}\n`;
}
