import { ensureBuiltinBaseImage } from '/work/main/src/core/builtin/baseImage';
import { createCoreContext } from '/work/main/src/core/context';
import { benchCliLaunch } from '/work/main/bench/cliLaunch';
const { tag } = await ensureBuiltinBaseImage(createCoreContext().docker, { baseImage: 'claude-bottle-debian:bookworm' });
process.env.CLAUDE_BOTTLE_BASE_FROM = 'claude-bottle-debian:bookworm';
console.log(JSON.stringify(await benchCliLaunch([
  { name: 'standInImage', manifestImage: 'claude-bottle-test:latest', image: 'claude-bottle-test:latest', firstScreen: 'Welcome to Claude Code', seedBare: false, quit: 'exit\r' },
  { name: 'realClaudeCode', manifestImage: 'builtin:base', image: tag, firstScreen: 'bypass permissions on', seedBare: true, quit: '\x03\x03' },
], Number(process.env.R ?? 3)), null, 2));
