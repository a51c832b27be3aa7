import path from 'node:path';
import type { Command } from 'commander';
import { initProject } from '../../core/init/starterManifest';
import type { Runner } from '../command';

/** `claude-bottle init [dir] [--force]`: write a commented starter claude-bottle.json. */
export function registerInitCommand(program: Command, run: Runner): void {
  program
    .command('init')
    .description('create a starter claude-bottle.json (one agent on the built-in image)')
    .argument('[dir]', 'the project folder', '.')
    .option('-f, --force', 'replace an existing claude-bottle.json')
    .action((dir: string, flags: { force?: boolean }) =>
      run(async () => {
        const file = initProject(path.resolve(dir), { force: flags.force === true });
        process.stdout.write(
          `Created ${file}\n` +
            'Next: `claude-bottle doctor` to check Docker and credentials, then `claude-bottle start` with the agent it names\n' +
            '(the built-in image is built on the first start, which takes a few minutes).\n',
        );
        return 0;
      }),
    );
}
