#!/usr/bin/env node
'use strict';

// Runs the built CLI (`npm run build`); in a checkout without a build, `npm run cli -- <args>`.
// CommonJS (bin/package.json): Node starts a script without its ES module loader, which is faster.
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

// `--version` answers before anything else loads: scripts call it to check the tool is there, and
// the CLI's modules (Docker, terminals, schemas) take several times Node's own start to load.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
}

// The CLI as one bundled script (scripts/build-cli.mjs), run from a code cache, which starts
// fastest; else electron-vite's build.
const bundled = path.join(__dirname, '../out/cli/claude-bottle.cjs');
if (existsSync(bundled)) {
  require('./runBundle.js').runBundle(bundled, args);
} else {
  const built = path.join(__dirname, '../out/main/cli.js');
  if (!existsSync(built)) {
    process.stderr.write('claude-bottle: not built yet: run `npm run build` (or use `npm run cli -- <args>`)\n');
    process.exit(70);
  }
  import(require('node:url').pathToFileURL(built).href);
}
