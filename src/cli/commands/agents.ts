import type { Command } from 'commander';
import { loadManifest } from '../../core/manifest/load';
import type { ResolvedAgent } from '../../core/manifest/types';
import { table } from '../output';
import type { Runner } from '../command';

/** The badges the window shows next to an agent, in words. */
export function agentBadges(agent: ResolvedAgent): string[] {
  const badges = [`network:${agent.network.mode === 'allow' ? 'allow-list' : agent.network.mode}`];
  if (agent.project === 'mount-rw' || agent.mounts.some((mount) => !mount.readonly)) badges.push('rw-mounts');
  if (agent.secrets.length > 0) badges.push(`secrets:${agent.secrets.length}`);
  if (agent.dangerous) badges.push('DANGEROUS');
  return badges;
}

export function registerLsCommand(program: Command, run: Runner): void {
  program
    .command('ls')
    .description("list the project's agents")
    .option('-C, --project <dir>', 'a folder inside the project (default: the current folder)')
    .option('--json', 'print JSON')
    .action((flags: { project?: string; json?: boolean }) =>
      run(async () => {
        const loaded = loadManifest(flags.project ?? process.cwd());
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ manifest: loaded.file, agents: loaded.agents.map((agent) => ({ ...agent, badges: agentBadges(agent) })) }, null, 2)}\n`);
          return 0;
        }
        const rows = [['AGENT', 'IMAGE', 'BADGES', 'DESCRIPTION']];
        for (const agent of loaded.agents) {
          const image = agent.image.kind === 'image' ? agent.image.ref : `build:${agent.image.dockerfile}`;
          rows.push([agent.name, image, agentBadges(agent).join(' '), agent.description]);
        }
        process.stdout.write(`${loaded.file}\n${table(rows)}\n`);
        return 0;
      }),
    );
}
