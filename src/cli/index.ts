import { runCli } from './program';

// The `claude-bottle` command. Exits only after stdout has drained, so piped output is complete.
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => process.exit(code));
else process.exit(code);
