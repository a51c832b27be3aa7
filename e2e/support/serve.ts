// Browser mode for the end-to-end tests: the same BottleService and server `claude-bottle serve`
// runs, started with `node --import tsx e2e/support/serve.ts` by the global setup. It prints one
// JSON line `{"url": ..., "origin": ..., "pid": ...}` once it listens, and on SIGTERM stops every
// bottle it runs (state removed) before it exits, so a test run leaves no container behind.
//
// A second mode, `--leave`, lets the bottles' containers run on at exit: the "app died" test uses
// it to find them again from a new server as detached bottles.

import fs from 'node:fs';
import { BottleService } from '../../src/app/bottleService';
import { openCliSecretStore } from '../../src/cli/secretStore';
import { createCoreContext } from '../../src/core/context';
import { layeredSecrets } from '../../src/core/secrets/appSecretStore';
import { startServer } from '../../src/server/server';

const leave = process.argv.includes('--leave');
const rendererDir = process.env.CLAUDE_BOTTLE_RENDERER_DIR;
// A restart on the same port with the same token lets an open page reconnect by itself.
const port = Number(process.env.E2E_SERVE_PORT ?? 0);
const token = process.env.E2E_SERVE_TOKEN;

const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
// As `claude-bottle serve`: the app's secret store, usable where an OS keychain's tool is on PATH.
const secretStore = openCliSecretStore();
const ctx = createCoreContext({ secrets: layeredSecrets(secretStore, process.env) });
const service = new BottleService({ ctx, secretStore, transport: 'browser', version, initialProject: null });
const server = await startServer({ service, host: '127.0.0.1', port, ...(token ? { token } : {}), ...(rendererDir ? { rendererDir } : {}) });
process.stdout.write(`${JSON.stringify({ url: server.url, origin: server.origin, port: server.port, token: server.token, pid: process.pid, stateRoot: ctx.store.root })}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await server.close().catch(() => undefined);
  await service.shutdown(leave ? 'leave' : 'stop').catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
