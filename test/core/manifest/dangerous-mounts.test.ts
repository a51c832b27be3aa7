import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DANGER_REASONS } from '../../../src/core/manifest';
import { makeManifestProject, type ManifestProject } from './fixtures';

// The Docker socket, "/" and the home folder hand the agent the host: they are refused unless the
// agent says "dangerous": true, and then kept with the reason the preflight shows in red.

// "project": "none": the socket stand-in lives in the project, which would otherwise be refused too.
function manifestMounting(source: string, dangerous: boolean): string {
  return JSON.stringify({ version: 1, agents: { ops: { image: 'docker:cli', dangerous, project: 'none', mounts: [{ source, target: '/mnt/host' }] } } });
}

describe('dangerous mount sources', () => {
  // A socket named docker.sock in the project stands in for the daemon's.
  let socketProject: ManifestProject;
  let server: net.Server;
  beforeAll(async () => {
    socketProject = makeManifestProject('{}', { dirs: ['run'] });
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(socketProject.root, 'run', 'docker.sock'), resolve));
    fs.symlinkSync(path.join(socketProject.root, 'run', 'docker.sock'), path.join(socketProject.root, 'innocent-link'));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    socketProject.cleanup();
  });

  let project: ManifestProject | undefined;
  afterEach(() => project?.cleanup());

  function rewrite(text: string): ManifestProject {
    fs.writeFileSync(socketProject.file, text);
    return socketProject;
  }

  it('keeps a socket named docker.sock when the agent is dangerous, with the reason', () => {
    const loaded = rewrite(manifestMounting('run/docker.sock', true)).load();
    expect(loaded.agents[0]?.mounts).toEqual([
      { source: path.join(socketProject.root, 'run', 'docker.sock'), target: '/mnt/host', readonly: true, dangerousReason: DANGER_REASONS.dockerSocket, reachesSocket: true },
    ]);
    expect(loaded.agents[0]?.dangerous).toBe(true);
  });

  it('refuses a socket named docker.sock when the agent is not dangerous', () => {
    const issues = rewrite(manifestMounting('run/docker.sock', false)).issues();
    expect(issues).toHaveLength(1);
    expect(issues[0]?.keyPath).toBe('agents.ops.mounts[0].source');
    expect(issues[0]?.message).toContain(DANGER_REASONS.dockerSocket);
  });

  it('sees through a symlink to the socket', () => {
    const issues = rewrite(manifestMounting('innocent-link', false)).issues();
    expect(issues[0]?.message).toContain(`innocent-link is the Docker socket ${path.join(socketProject.root, 'run', 'docker.sock')}, which gives full control of the host`);
  });

  it.skipIf(!fs.existsSync('/var/run/docker.sock'))('keeps the real /var/run/docker.sock when the agent is dangerous', () => {
    project = makeManifestProject(manifestMounting('/var/run/docker.sock', true));
    expect(project.load().agents[0]?.mounts[0]).toMatchObject({ source: '/var/run/docker.sock', dangerousReason: DANGER_REASONS.dockerSocket });
  });

  it('keeps "/" and the home folder when the agent is dangerous, each with its reason', () => {
    project = makeManifestProject(
      JSON.stringify({
        version: 1,
        agents: {
          ops: {
            image: 'x',
            dangerous: true,
            mounts: [
              { source: '/', target: '/host' },
              { source: '~', target: '/home/agent/host', readonly: false },
            ],
          },
        },
      }),
    );
    expect(project.load().agents[0]?.mounts).toEqual([
      { source: '/', target: '/host', readonly: true, dangerousReason: DANGER_REASONS.root, reachesSocket: true },
      { source: project.home, target: '/home/agent/host', readonly: false, dangerousReason: DANGER_REASONS.home },
    ]);
  });

  it('refuses a folder that holds the home folder, as it hands the home folder over just the same', () => {
    project = makeManifestProject(manifestMounting('..', false));
    const issues = project.issues();
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain(`holds the home folder ${project.home}, which exposes all your files`);
  });

  it('does not treat an ordinary folder of the project as dangerous', () => {
    project = makeManifestProject(manifestMounting('.', false), { dirs: ['src'] });
    expect(project.load().agents[0]?.mounts[0]?.dangerousReason).toBeUndefined();
  });
});
