import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { type CoreContext, createCoreContext } from '../../src/core/context';
import { environmentSecrets } from '../../src/core/plan/plan';

export const TEST_IMAGE_TAG = 'claude-bottle-test:latest';

export interface TestProject {
  root: string;
  home: string;
  manifest: string;
  ctx: CoreContext;
  /** Environment for CLI child processes: the same state root. */
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** A temporary project with a manifest and its own state root, so tests never see each other. */
export function makeProject(manifest: object | string, options: { files?: Record<string, string>; secrets?: Record<string, string> } = {}): TestProject {
  const base = fs.mkdtempSync(join(os.tmpdir(), 'cb-test-'));
  const root = join(base, 'project');
  const home = join(base, 'home');
  fs.mkdirSync(root);
  const manifestFile = join(root, 'claude-bottle.json');
  fs.writeFileSync(manifestFile, typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2));
  for (const [name, content] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(join(root, name, '..'), { recursive: true });
    fs.writeFileSync(join(root, name), content);
  }
  const env = { ...process.env, CLAUDE_BOTTLE_HOME: home, ...options.secrets };
  return {
    root,
    home,
    manifest: manifestFile,
    env,
    ctx: createCoreContext({ stateRoot: home, secrets: environmentSecrets(env) }),
    cleanup: () => {
      removeLeftovers(home);
      removeProjectImages(root);
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A one-agent manifest on the fake-claude image, with no network unless the test says otherwise. */
export function testAgentManifest(agent: Record<string, unknown> = {}, name = 'tester'): object {
  return { version: 1, agents: { [name]: { description: 'fake claude for tests', image: TEST_IMAGE_TAG, network: 'none', ...agent } } };
}

/** Every file under a folder, for "found nowhere" checks. */
export function readTree(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  let all = '';
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) all += fs.readFileSync(join(entry.parentPath, entry.name), 'latin1');
  }
  return all;
}

/** Images a test project caused (copy-project, agent builds) are labelled with its root. */
/** What a failed test may leave running under its state root: containers (bottles, sidecars), then networks. */
function removeLeftovers(home: string): void {
  const filter = `label=claude-bottle.home=${home}`;
  const containers = execFileSync('docker', ['ps', '-aq', '--filter', filter]).toString().split('\n').filter(Boolean);
  if (containers.length > 0) execFileSync('docker', ['rm', '-f', ...containers], { stdio: 'ignore' });
  const networks = execFileSync('docker', ['network', 'ls', '-q', '--filter', filter]).toString().split('\n').filter(Boolean);
  if (networks.length > 0) execFileSync('docker', ['network', 'rm', ...networks], { stdio: 'ignore' });
}

function removeProjectImages(root: string): void {
  const ids = execFileSync('docker', ['images', '-q', '--filter', `label=claude-bottle.project=${root}`]).toString().split('\n').filter(Boolean);
  if (ids.length > 0) execFileSync('docker', ['rmi', '-f', ...new Set(ids)], { stdio: 'ignore' });
}
