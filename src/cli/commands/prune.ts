import type { Command } from 'commander';
import { formatBytes } from '../../core/plan/preflight';
import { findPrunable, prune } from '../../core/prune';
import { showUntrusted } from '../../core/text/untrusted';
import { confirmOnTerminal } from '../confirm';
import { EXIT } from '../exitCodes';
import { table } from '../output';
import type { ContextFactory, Runner } from '../command';

// `claude-bottle prune`: lists what the app made and no bottle owns, then removes it once confirmed.

export function registerPruneCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('prune')
    .description('remove containers, sidecars, networks, cached images and state folders no bottle owns (asks first)')
    .option('--dry-run', 'only list them')
    .option('-y, --yes', 'remove without asking')
    .option('--no-images', 'keep cached images (project copies, agent builds, older base and proxy images)')
    .action((flags: { dryRun?: boolean; yes?: boolean; images?: boolean }) =>
      run(async () => {
        const ctx = context();
        const items = await findPrunable(ctx, { images: flags.images !== false });
        if (items.length === 0) {
          process.stdout.write('nothing to prune\n');
          return EXIT.ok;
        }
        const rows = [['KIND', 'NAME', 'SIZE', 'WHY']];
        for (const item of items) rows.push([item.kind, showUntrusted(item.name, 120), item.sizeBytes !== undefined ? formatBytes(item.sizeBytes) : '', showUntrusted(item.why, 200)]);
        process.stdout.write(`${table(rows)}\n`);
        if (flags.dryRun) {
          process.stderr.write('dry run: nothing was removed\n');
          return EXIT.ok;
        }
        if (!flags.yes) {
          if (!process.stdin.isTTY) {
            process.stderr.write('no terminal to confirm on: pass --yes to remove them\n');
            return EXIT.usage;
          }
          if (!(await confirmOnTerminal(`Remove these ${items.length}?`))) {
            process.stderr.write('cancelled: nothing was removed\n');
            return EXIT.cancelled;
          }
        }
        const results = await prune(ctx, items);
        const failed = results.filter((result) => result.error);
        process.stdout.write(`removed ${results.length - failed.length} of ${results.length}\n`);
        for (const result of failed) process.stderr.write(`could not remove ${result.item.kind} ${showUntrusted(result.item.name, 120)}: ${result.error}\n`);
        return failed.length > 0 ? EXIT.failure : EXIT.ok;
      }),
    );
}
