import type { Command } from 'commander';
import type { CoreContext } from '../../core/context';
import { BottleError } from '../../core/errors';
import { type BottleOutcome, cancelPrepared, type LaunchProgress, launchPrepared, makeAheadOfConfirm, type PreparedBottle, prepareResume, prepareStart, reattachBottle, type RunningBottle } from '../../core/launcher';
import { renderPreflight } from '../../core/plan/preflight';
import { attachTerminal } from '../attachTerminal';
import { type Decide, TerminalRequestPrompt } from '../requestPrompt';
import { denyRequest, grantRequest } from '../../core/capabilities/answerRequest';
import { confirmOnTerminal } from '../confirm';
import { EXIT } from '../exitCodes';
import { paintDim } from '../output';
import type { ContextFactory, Runner } from '../command';

// `start` and `resume`: the same preflight → confirm → launch → attach flow, from two resolvers.

export interface LaunchFlags {
  dryRun?: boolean;
  yes?: boolean;
}

export function registerStartCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('start')
    .description("start a bottle for one of the project's agents and attach to its Claude session")
    .argument('<agent>', 'agent name from claude-bottle.json')
    .option('--dry-run', 'show the preflight and stop (also CLAUDE_BOTTLE_DRY_RUN=1)')
    .option('--cwd', 'copy the project into the image instead of mounting it')
    .option('--remote-control', 'start Claude with --remote-control')
    .option('-y, --yes', 'start without asking for confirmation')
    .option('-C, --project <dir>', 'a folder inside the project (default: the current folder)')
    .action((agent: string, flags: LaunchFlags & { cwd?: boolean; remoteControl?: boolean; project?: string }) =>
      run(async () => {
        const ctx = context();
        const prepared = await prepareStart(ctx, {
          projectDir: flags.project ?? process.cwd(),
          agent,
          options: { copyProject: flags.cwd === true, ...(flags.remoteControl ? { remoteControl: true } : {}) },
        });
        return confirmAndLaunch(ctx, prepared, flags);
      }),
    );
}

export function registerResumeCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('resume')
    .description('resume a preserved bottle, continuing its conversation')
    .argument('<slug>', 'the bottle, as `claude-bottle ps` lists it')
    .option('--dry-run', 'show the preflight and stop (also CLAUDE_BOTTLE_DRY_RUN=1)')
    .option('-y, --yes', 'resume without asking for confirmation (not when the plan changed since it was confirmed)')
    .option('--accept-changes', 'with --yes: resume even though the plan changed since it was last confirmed')
    .action((slug: string, flags: LaunchFlags & { acceptChanges?: boolean }) =>
      run(async () => {
        const ctx = context();
        const prepared = await prepareResume(ctx, slug);
        // The manifest may be the agent's to edit: --yes alone never accepts a changed plan.
        if (flags.yes && prepared.plan.changes.length > 0 && !flags.acceptChanges && !flags.dryRun) {
          process.stdout.write(renderPreflight(prepared.plan, { color: process.stdout.isTTY === true && !process.env.NO_COLOR }));
          await cancelPrepared(ctx, prepared);
          throw new BottleError('usage', `the plan of bottle ${slug} changed since it was last confirmed (${prepared.plan.changes.length} change${prepared.plan.changes.length === 1 ? '' : 's'}, above); nothing was started`, 'review them, then resume without --yes, or pass --accept-changes');
        }
        return confirmAndLaunch(ctx, prepared, flags);
      }),
    );
}

export function registerAttachCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('attach')
    .description('attach this terminal to a running bottle whose app or terminal went away (the same Claude)')
    .argument('<slug>', 'the bottle, as `claude-bottle ps` lists it')
    .option('--take-over', 'attach even though another window or terminal holds the bottle')
    .action((slug: string, flags: { takeOver?: boolean }) =>
      run(async () => {
        const ctx = context();
        const columns = process.stdout.columns ?? 80;
        const rows = process.stdout.rows ?? 24;
        return attachAndWait(ctx, await reattachBottle(ctx, slug, { cols: columns, rows }, { by: 'claude-bottle attach', ...(flags.takeOver ? { takeOver: true } : {}) }));
      }),
    );
}

async function confirmAndLaunch(ctx: CoreContext, prepared: PreparedBottle, flags: LaunchFlags): Promise<number> {
  process.stdout.write(renderPreflight(prepared.plan, { color: process.stdout.isTTY === true && !process.env.NO_COLOR }));
  if (flags.dryRun || process.env.CLAUDE_BOTTLE_DRY_RUN === '1') {
    await cancelPrepared(ctx, prepared);
    process.stderr.write('dry run: nothing was started\n');
    return EXIT.ok;
  }
  if (!flags.yes) {
    if (!process.stdin.isTTY) {
      await cancelPrepared(ctx, prepared);
      throw new BottleError('usage', 'no terminal to confirm the preflight on', 'pass --yes to start without confirmation');
    }
    // The question waits for a person: the bottle's network is made meanwhile.
    makeAheadOfConfirm(ctx, prepared);
    if (!(await confirmOnTerminal(prepared.plan.resume ? 'Resume this bottle?' : 'Start this bottle?'))) {
      await cancelPrepared(ctx, prepared);
      process.stderr.write('cancelled: nothing was started\n');
      return EXIT.cancelled;
    }
  }
  return launchAndAttach(ctx, prepared);
}

async function launchAndAttach(ctx: CoreContext, prepared: PreparedBottle): Promise<number> {
  // Ctrl-C before Claude owns the terminal cancels the launch, and the launcher cleans up.
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.on('SIGINT', onSigint);
  let running: RunningBottle;
  try {
    running = await launchPrepared(ctx, prepared, {
      signal: abort.signal,
      onProgress: printProgress,
      cols: process.stdout.columns ?? 80,
      rows: process.stdout.rows ?? 24,
    });
  } finally {
    process.off('SIGINT', onSigint);
    clearProgressLine();
  }
  return attachAndWait(ctx, running);
}

/**
 * Hands this terminal to the bottle's Claude until the session ends; returns Claude's exit code.
 * A capability granted meanwhile relaunches the bottle, and this terminal follows it.
 */
async function attachAndWait(ctx: CoreContext, first: RunningBottle): Promise<number> {
  let running = first;
  for (;;) {
    const next = await attachOnce(ctx, running);
    if ('relaunched' in next) {
      running = next.relaunched;
      continue;
    }
    printOutcome(next.outcome);
    return next.outcome.exitCode;
  }
}

async function attachOnce(ctx: CoreContext, running: RunningBottle): Promise<{ outcome: BottleOutcome } | { relaunched: RunningBottle }> {
  let granting: Promise<RunningBottle | undefined> | undefined;
  const decide: Decide = (request, decision) => {
    if (decision === 'deny') {
      void denyRequest(running, request.id).catch((error: unknown) => process.stderr.write(`\r\n${(error as Error).message}\r\n`));
      return;
    }
    granting ??= grantRequest(ctx, running, request.id, { onProgress: printProgress, cols: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 }).then(
      (granted) => {
        if (!granted.inPlace) return granted.running;
        granting = undefined; // the same session goes on: later requests can be granted too
        return undefined;
      },
      (error: unknown) => {
        granting = undefined;
        clearProgressLine();
        process.stderr.write(`\r\nthe capability was not applied: ${(error as Error).message}\r\n`);
        return undefined;
      },
    );
  };
  const prompt = new TerminalRequestPrompt(running, decide);
  const terminal = attachTerminal(running, { intercept: (chunk) => prompt.intercept(chunk) });
  // Closing the terminal or killing the CLI keeps the conversation: the bottle is preserved.
  const interrupt = (): void => void running.stop({ keep: true, reason: 'interrupted' });
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  for (const signal of signals) process.on(signal, interrupt);
  try {
    const outcome = await running.outcome;
    prompt.dispose();
    terminal.dispose();
    const relaunched = granting ? await granting : undefined;
    clearProgressLine();
    if (relaunched) return { relaunched };
    // An in-place grant keeps this session; a grant that failed after the stop leaves the bottle preserved.
    return { outcome };
  } finally {
    prompt.dispose();
    terminal.dispose();
    for (const signal of signals) process.off(signal, interrupt);
  }
}

let progressShown = false;

function printProgress(progress: LaunchProgress): void {
  if (!process.stderr.isTTY) {
    process.stderr.write(`${progress.stage}: ${progress.message}\n`);
    return;
  }
  const fraction = progress.build?.fraction;
  const bar = fraction === undefined ? '' : `[${'#'.repeat(Math.round(fraction * 20)).padEnd(20)}] `;
  const text = `${progress.stage}: ${bar}${progress.message}`.replace(/\s+/g, ' ').slice(0, (process.stderr.columns ?? 80) - 1);
  process.stderr.write(`\r\x1b[2K${text}`);
  progressShown = true;
}

function clearProgressLine(): void {
  if (progressShown) process.stderr.write('\r\x1b[2K');
  progressShown = false;
}

function printOutcome(outcome: BottleOutcome): void {
  const lines = [`\nbottle ${outcome.slug}: ${outcome.summary}`];
  if (outcome.preserved) {
    if (outcome.transcript) lines.push(paintDim(`transcript snapshot: ${outcome.transcript}`, process.stderr));
    lines.push(`resume it with: claude-bottle resume ${outcome.slug}`);
  } else {
    lines.push(paintDim('container and state removed', process.stderr));
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}
