import type { Command } from 'commander';
import { answerFromElsewhere } from '../../core/capabilities/pendingRequests';
import { showUntrusted } from '../../core/text/untrusted';
import type { ContextFactory, Runner } from '../command';

// `claude-bottle grant|deny <slug> <capability>`: answers a bottle's capability request from any
// terminal (docs/control-channel.md). `ps` lists the requests waiting.

export function registerRequestCommands(program: Command, context: ContextFactory, run: Runner): void {
  for (const decision of ['grant', 'deny'] as const) {
    program
      .command(decision)
      .description(decision === 'grant' ? 'grant a capability a bottle asked for (it restarts with it; the conversation goes on)' : 'deny a capability a bottle asked for')
      .argument('<slug>', 'the bottle, as `claude-bottle ps` lists it')
      .argument('<capability>', 'the capability it asked for')
      .action((slug: string, capability: string) =>
        run(async () => {
          const answered = await answerFromElsewhere(context(), slug, capability, decision === 'grant' ? 'granted' : 'denied');
          const what = `${decision === 'grant' ? 'granted' : 'denied'} "${showUntrusted(answered.request.capability, 100)}" to ${slug}`;
          const how =
            answered.appliedBy === 'holder'
              ? 'the window or terminal holding the bottle applies it now'
              : answered.appliedBy === 'here'
                ? 'the agent has been told'
                : `no window or terminal holds the bottle: it is applied when one attaches (claude-bottle attach ${slug})`;
          process.stdout.write(`${what}; ${how}\n`);
          return 0;
        }),
      );
  }
}
