import type { Command } from 'commander';
import { loadManifest } from '../../core/manifest/load';
import { agentBadges } from '../../core/manifest/badges';
import { showUntrusted, untrustedJson } from '../../core/text/untrusted';
import { table } from '../output';
import type { Runner } from '../command';

export function registerLsCommand(program: Command, run: Runner): void {
  program
    .command('ls')
    .description("list the project's agents")
    .option('-C, --project <dir>', 'a folder inside the project (default: the current folder)')
    .option('--json', 'print JSON')
    .action((flags: { project?: string; json?: boolean }) =>
      run(async () => {
        const loaded = await loadManifest(flags.project ?? process.cwd());
        if (flags.json) {
          process.stdout.write(`${untrustedJson({ manifest: loaded.file, agents: loaded.agents.map((agent) => ({ ...agent, badges: agentBadges(agent) })) })}\n`);
          return 0;
        }
        const rows = [['AGENT', 'IMAGE', 'BADGES', 'DESCRIPTION']];
        for (const agent of loaded.agents) {
          const image = agent.image.kind === 'image' ? agent.image.ref : `build:${agent.image.dockerfile}`;
          // Manifest text is shown with its control characters escaped: it cannot redraw the screen.
          rows.push([agent.name, showUntrusted(image, 200), agentBadges(agent).join(' '), showUntrusted(agent.description, 200)]);
        }
        process.stdout.write(`${showUntrusted(loaded.file)}\n${table(rows)}\n`);
        return 0;
      }),
    );
}
