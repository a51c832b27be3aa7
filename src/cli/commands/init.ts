import path from 'node:path';
import type { Command } from 'commander';
import { initProject } from '../../core/init/starterManifest';
import { reportError } from '../output';

type Run = (action: () => Promise<number>) => Promise<void>;

/** Used when the program does not pass its own `run`: the exit code goes to `process.exitCode`. */
const setExitCode: Run = async (action) => {
  try {
    process.exitCode = await action();
  } catch (error) {
    process.exitCode = reportError(error);
  }
};

/** `claude-bottle init [dir] [--force]`: write a commented starter claude-bottle.json. */
export function registerInitCommand(program: Command, run: Run = setExitCode): void {
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
