#!/usr/bin/env node
// Runs the built CLI (`npm run build`); in a checkout without a build, `npm run cli -- <args>`.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `--version` answers before anything else loads: scripts call it to check the tool is there, and
// the CLI's modules (Docker, terminals, schemas) take several times Node's own start to load.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
}

// The CLI as one bundled script (scripts/build-cli.mjs), run from a code cache, which starts
// fastest; else electron-vite's build.
const bundled = fileURLToPath(new URL('../out/cli/claude-bottle.cjs', import.meta.url));
if (existsSync(bundled)) {
  const { runBundle } = await import('./runBundle.js');
  await runBundle(bundled, args);
} else {
  const built = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
  if (!existsSync(built)) {
    process.stderr.write('claude-bottle: not built yet: run `npm run build` (or use `npm run cli -- <args>`)\n');
    process.exit(70);
  }
  await import(built);
}
