import { Command, CommanderError } from 'commander';
import type { ContextFactory, Runner } from './command';
import { registerLsCommand } from './commands/agents';
import { registerDiscardCommand, registerPsCommand, registerStopCommand } from './commands/bottles';
import { registerRequestCommands } from './commands/requests';
import { registerPruneCommand } from './commands/prune';
import { registerDoctorCommand } from './commands/doctor';
import { registerInitCommand } from './commands/init';
import { registerAttachCommand, registerResumeCommand, registerStartCommand } from './commands/launch';
import { registerLoginCommand } from './commands/login';
import { registerLogsCommand } from './commands/logs';
import { registerServeCommand } from './commands/serve';
import { registerUpdateClaudeCommand } from './commands/update';
import { EXIT } from './exitCodes';
import { reportError } from './output';
import { createCliContext, openCliSecretStore } from './secretStore';

/** Builds the `claude-bottle` program; `exit` receives the code each command ends with. */
export function buildProgram(exit: (code: number) => void, context: ContextFactory = createCliContext): Command {
  const run: Runner = async (action) => {
    try {
      exit(await action());
    } catch (error) {
      exit(reportError(error));
    }
  };
  const program = new Command('claude-bottle')
    .description('Run Claude Code agents in disposable, hardened Docker containers')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStartCommand(program, context, run);
  registerResumeCommand(program, context, run);
  registerAttachCommand(program, context, run);
  registerLsCommand(program, run);
  registerPsCommand(program, context, run);
  registerStopCommand(program, context, run);
  registerDiscardCommand(program, context, run);
  registerRequestCommands(program, context, run);
  registerPruneCommand(program, context, run);
  registerLogsCommand(program, context, run);
  registerInitCommand(program, run);
  registerDoctorCommand(program, run);
  registerServeCommand(program, context, run);
  registerUpdateClaudeCommand(program, context, run);
  registerLoginCommand(program, () => openCliSecretStore(), run);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((result) => (code = result));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; a bad argument is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(error);
  }
  return code;
}
