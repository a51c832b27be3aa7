#!/usr/bin/env node
// Runs the built CLI (`npm run build`); in a checkout without a build, `npm run cli -- <args>`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(built)) {
  process.stderr.write('claude-bottle: not built yet: run `npm run build` (or use `npm run cli -- <args>`)\n');
  process.exit(70);
}
await import(built);
