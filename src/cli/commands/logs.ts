import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { BottleError } from '../../core/errors';
import { EgressLogFollower } from '../../core/network/egressLogFile';
import type { EgressLogEntry } from '../../proxy/egressLog';
import type { ContextFactory, Runner } from '../command';
import { paintDim } from '../output';

/** How often `--follow` looks for new lines. */
const FOLLOW_INTERVAL_MS = 500;

export function registerLogsCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('logs')
    .description("print a bottle's logs: --egress, every request its egress proxy allowed or refused")
    .argument('<slug>', 'the bottle, as `claude-bottle ps` lists it')
    .option('--egress', 'the egress log (the only log there is so far)')
    .option('-f, --follow', 'keep printing new entries until interrupted')
    .option('--json', 'print the entries as JSON lines')
    .action((slug: string, flags: { egress?: boolean; follow?: boolean; json?: boolean }) =>
      run(async () => {
        if (!flags.egress) throw new BottleError('usage', 'say which log to print', `claude-bottle logs ${slug} --egress`);
        const ctx = context();
        if (!(await ctx.store.exists(slug))) throw new BottleError('not-found', `no bottle "${slug}"`, 'list bottles with `claude-bottle ps`');
        const dir = ctx.store.bottleDir(slug);
        const print = (entry: EgressLogEntry): void => void process.stdout.write(flags.json ? `${JSON.stringify(entry)}\n` : `${formatEgressEntry(entry)}\n`);
        // The follower goes on exactly where the tail ends: nothing printed twice, nothing skipped.
        const { entries, follower } = await EgressLogFollower.afterTail(dir);
        if (entries.length === 0 && !flags.follow) process.stdout.write(paintDim('no egress entries (the bottle has no allow-list, or nothing went out yet)\n'));
        entries.forEach(print);
        if (!flags.follow) return 0;
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        while (!stop.signal.aborted) {
          await sleep(FOLLOW_INTERVAL_MS, undefined, { signal: stop.signal }).catch(() => undefined);
          (await follower.readNew()).forEach(print);
        }
        return 0;
      }),
    );
}

/** `12:03:04  refused  CONNECT evil.example:443  …reason`; what the bottle asked for is shown escaped. */
export function formatEgressEntry(entry: EgressLogEntry): string {
  const time = entry.time.slice(11, 19);
  const target = `${visible(entry.host)}${entry.port ? `:${entry.port}` : ''}`;
  const what = entry.anthropic ? `${entry.method} Anthropic API ${visible(entry.path ?? '')}` : `${entry.method} ${target}`;
  const bytes = entry.verdict === 'allowed' ? `  ↑${entry.bytesUp} ↓${entry.bytesDown}` : '';
  const reason = entry.reason ? `  ${visible(entry.reason)}` : '';
  return `${time}  ${entry.verdict.padEnd(7)}  ${what}${bytes}${reason}`;
}

/** Control characters as escapes: a host name the bottle chose cannot move the cursor. */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
