import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, testAgentManifest, type TestProject } from '../helpers/project';
import { runCliInTerminal } from '../helpers/terminal';

// The CLI users run is the bundled one (`npm run build` → out/cli/claude-bottle.cjs, which
// bin/claude-bottle.js prefers): the tests above run it from source, this one runs the bundle.

const BIN = fileURLToPath(new URL('../../bin/claude-bottle.js', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../out/cli/claude-bottle.cjs', import.meta.url));

let project: TestProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

describe('the bundled claude-bottle', () => {
  it('is built, and lists agents, shows a preflight and answers --version as the source does', async () => {
    expect(fs.existsSync(BUNDLE), 'out/cli/claude-bottle.cjs is missing: run `npm run build` first').toBe(true);
    project = makeProject(testAgentManifest({ capabilities: { push: { description: 'push branches', secrets: ['GITHUB_TOKEN'] } } }));
    const run = (args: string[]) => runCliInTerminal([], { env: project!.env, cwd: project!.root, command: [process.execPath, BIN, ...args] });
    const version = run(['--version']);
    expect(await version.exited).toBe(0);
    expect(version.text().trim()).toBe((JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
    const ls = run(['ls']);
    expect(await ls.exited).toBe(0);
    expect(ls.text()).toMatch(/tester\s+claude-bottle-test:latest/);
    const dry = run(['start', '--dry-run', 'tester']);
    expect(await dry.exited).toBe(0);
    expect(dry.text()).toContain('push — push branches');
    expect(dry.text()).toContain('dry run: nothing was started');
    const bad = run(['launch-everything']);
    expect(await bad.exited).toBe(64);
  });

  it('loads what only `serve` needs when it runs, and serves the window', async () => {
    project = makeProject(testAgentManifest());
    const serve = runCliInTerminal([], { env: project.env, cwd: project.root, command: [process.execPath, BIN, 'serve', '--port', '0'] });
    try {
      await serve.waitFor(/open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/, 20_000);
      const url = /open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(serve.text())?.[1] as string;
      const handOver = await fetch(url, { redirect: 'manual' }); // the token moves into a cookie
      const cookie = handOver.headers.get('set-cookie')?.split(';')[0] ?? '';
      const page = await fetch(new URL('/', url), { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      serve.write('\x03');
      await serve.exited;
    }
  });
});
