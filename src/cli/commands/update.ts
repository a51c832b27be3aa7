import type { Command } from 'commander';
import { ensureBuiltinBaseImage } from '../../core/builtin/baseImage';
import { pingDocker } from '../../core/docker/client';
import { paintDim } from '../output';
import type { ContextFactory, Runner } from '../command';

/** `claude-bottle update-claude`: rebuild the built-in base image with the newest Claude Code. */
export function registerUpdateClaudeCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('update-claude')
    .description('rebuild the built-in base image ("builtin:base") with the newest Claude Code from npm')
    .action(() =>
      run(async () => {
        const ctx = context();
        await pingDocker(ctx.docker, { timeoutMs: 5_000 });
        const abort = new AbortController();
        const onSigint = (): void => abort.abort();
        process.on('SIGINT', onSigint);
        try {
          const result = await ensureBuiltinBaseImage(ctx.docker, {
            force: true,
            claudeCodeVersion: 'latest',
            signal: abort.signal,
            onProgress: (progress) => process.stderr.write(paintDim(`${progress.message}\n`, process.stderr)),
          });
          process.stdout.write(`built ${result.tag}${result.claudeCodeVersion ? ` with Claude Code ${result.claudeCodeVersion}` : ''}\n`);
          process.stdout.write('new bottles on "builtin:base" use it from now on\n');
          return 0;
        } finally {
          process.off('SIGINT', onSigint);
        }
      }),
    );
}
