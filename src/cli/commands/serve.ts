import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { findManifest } from '../../core/manifest/discover';
import { EXIT } from '../exitCodes';
import { paintDim } from '../output';
import type { ContextFactory, Runner } from '../command';
import { openCliSecretStore } from '../secretStore';

// `claude-bottle serve`: the window's UI in a browser, for headless hosts (docs/window.md). It runs
// the same BottleService as the desktop app, behind a loopback-only server that wants a token.

export function registerServeCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('serve')
    .description('serve the app in a browser, on 127.0.0.1 with a random token')
    .option('-p, --port <n>', 'the port to listen on (default: any free port)', parsePort)
    .option('--open-project <dir>', 'the project the page opens first (default: the current folder, if it is inside a project)')
    .action((flags: { port?: number; openProject?: string }) =>
      run(async () => {
        // The window's side (service, terminals, screen mirrors, WebSocket server) loads only here:
        // every other command starts without it.
        const [{ BottleService }, { startServer }] = await Promise.all([import('../../app/bottleService'), import('../../server/server')]);
        const ctx = context();
        const service = new BottleService({
          ctx,
          // The window's Sign in and Store… write here, as the CLI's login does.
          secretStore: openCliSecretStore(ctx.store.root),
          transport: 'browser',
          version: program.version() ?? '0.0.0',
          initialProject: initialProject(flags.openProject),
        });
        const server = await startServer({ service, host: '127.0.0.1', ...(flags.port !== undefined ? { port: flags.port } : {}) });
        process.stdout.write(`Claude Bottle is serving on ${server.origin}\n`);
        process.stdout.write(`open: ${server.url}\n`);
        process.stdout.write(paintDim('The token in that URL is the key to this server: do not share it. Ctrl-C stops the server.\n'));
        if (!server.rendererDir) process.stderr.write('warning: the window is not built (out/renderer): run `npm run build` first\n');
        await waitForSignal();
        const live = service.liveSessions();
        if (live.length > 0) process.stdout.write(`stopping ${live.length} running bottle(s), preserved: resume them with \`claude-bottle resume <slug>\`\n`);
        await server.close();
        // Nothing is left running that nothing lists: running bottles are stopped and kept.
        await service.shutdown('keep');
        return EXIT.ok;
      }),
    );
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 0 || port > 65_535) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return port;
}

function initialProject(option: string | undefined): string | null {
  if (option !== undefined) return resolve(option);
  return findManifest(process.cwd()) ? process.cwd() : null;
}

function waitForSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
