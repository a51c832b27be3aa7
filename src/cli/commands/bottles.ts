import type { Command } from 'commander';
import { discardBottle, listBottles, stopBottle } from '../../core/bottles';
import { formatBytes } from '../../core/plan/preflight';
import { showUntrusted, untrustedJson } from '../../core/text/untrusted';
import { type Attention, readAttention } from '../../core/channel/bottleChannel';
import type { CapabilityRequest } from '../../core/channel/messages';
import { pendingRequests } from '../../core/capabilities/pendingRequests';

import { findPrunable, type PruneItem } from '../../core/prune';
import { paintDim, table } from '../output';
import type { ContextFactory, Runner } from '../command';

const ATTENTION_WORDS = { working: 'working', waiting: 'waiting for you', done: 'done' } as const;

/**
 * What a bottle made and outlived it by accident (a sidecar, a network holder, a network, a Claude
 * storage volume): listed so that nothing the app made is left unseen. A container or state folder
 * with no bottle shows in the table already.
 */
const LEFTOVER_KINDS: ReadonlySet<PruneItem['kind']> = new Set(['sidecar', 'network', 'volume']);

export function registerPsCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('ps')
    .description('list running and preserved bottles')
    .option('--json', 'print JSON')
    .option('--images', 'also list the images kept as caches (project copies, agent builds, the base image)')
    .action((flags: { json?: boolean; images?: boolean }) =>
      run(async () => {
        const ctx = context();
        const listing = await listBottles(ctx);
        const leftovers = listing.dockerProblem ? [] : (await findPrunable(ctx, { images: false }).catch(() => [])).filter((item) => LEFTOVER_KINDS.has(item.kind));
        // What each live bottle's Claude is doing, and what it asks for (docs/control-channel.md).
        const waiting = new Map<string, { attention?: Attention; requests: CapabilityRequest[] }>();
        for (const bottle of listing.live) {
          if (!bottle.record) continue;
          const attention = await readAttention(ctx.store.bottleDir(bottle.slug));
          const requests = await pendingRequests(ctx, bottle.slug).catch(() => []);
          waiting.set(bottle.slug, { ...(attention ? { attention } : {}), requests });
        }
        if (flags.json) {
          process.stdout.write(`${untrustedJson({ ...listing, live: listing.live.map((bottle) => ({ ...bottle, ...waiting.get(bottle.slug) })), leftovers })}\n`);
          return 0;
        }
        if (listing.dockerProblem) {
          process.stderr.write(`warning: ${listing.dockerProblem.message}\n  running bottles cannot be listed; preserved ones below come from the state folder\n`);
        }
        const rows = [['BOTTLE', 'AGENT', 'STATUS', 'PROJECT', 'DETAIL']];
        for (const bottle of listing.live) {
          const status = bottle.containerState === 'running' ? (bottle.attached ? 'running' : 'running (detached)') : `container ${bottle.containerState}`;
          const seen = waiting.get(bottle.slug);
          const asks = seen?.requests.map((request) => `asks for "${showUntrusted(request.capability, 60)}": ${showUntrusted(request.reason, 80)} (claude-bottle grant|deny ${bottle.slug} ${showUntrusted(request.capability, 60)})`) ?? [];
          const attention = seen?.attention && bottle.containerState === 'running' ? `${ATTENTION_WORDS[seen.attention.state]} since ${seen.attention.since.slice(11, 16)} UTC` : '';
          rows.push([bottle.slug, bottle.agent, status, bottle.project, bottle.record ? [attention, ...asks].filter(Boolean).join('; ') : 'no state folder']);
        }
        for (const record of listing.preserved) rows.push([record.slug, record.agent, 'preserved', record.projectRoot, record.preserved?.detail ?? '']);
        for (const record of listing.interrupted) rows.push([record.slug, record.agent, 'interrupted', record.projectRoot, `was ${record.status} when its process died`]);
        for (const corrupt of listing.corrupt) rows.push([corrupt.slug, '?', 'corrupt', corrupt.dir, corrupt.problem]);
        process.stdout.write(rows.length === 1 ? 'no bottles\n' : `${table(rows)}\n`);
        if (leftovers.length > 0) {
          const leftoverRows = [['LEFT OVER', 'NAME', 'WHY']];
          for (const item of leftovers) leftoverRows.push([item.kind, showUntrusted(item.name, 200), showUntrusted(item.why, 200)]);
          process.stdout.write(`\n${table(leftoverRows)}\n${paintDim('owned by no bottle: claude-bottle prune removes them\n')}`);
        }
        if (flags.images) {
          const imageRows = [['IMAGE', 'KIND', 'SIZE', 'PROJECT']];
          for (const image of listing.images) imageRows.push([image.tag, image.kind, formatBytes(image.sizeBytes), image.project ?? '']);
          process.stdout.write(`\n${table(imageRows)}\n`);
        } else if (listing.images.length > 0) {
          process.stdout.write(paintDim(`${listing.images.length} cached image(s): claude-bottle ps --images\n`));
        }
        return 0;
      }),
    );
}

export function registerStopCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('stop')
    .description('stop a running bottle: snapshot, remove the container, and remove its state unless --keep')
    .argument('<slug>', 'the bottle, as `claude-bottle ps` lists it')
    .option('--keep', 'preserve the bottle so that it can be resumed')
    .action((slug: string, flags: { keep?: boolean }) =>
      run(async () => {
        const result = await stopBottle(context(), slug, { keep: flags.keep === true });
        process.stdout.write(result.preserved ? `stopped ${slug}; preserved: resume it with \`claude-bottle resume ${slug}\`\n` : `stopped ${slug}; container and state removed\n`);
        return 0;
      }),
    );
}

export function registerDiscardCommand(program: Command, context: ContextFactory, run: Runner): void {
  program
    .command('discard')
    .description("remove a preserved bottle's state (its conversation is lost)")
    .argument('<slug>', 'the bottle, as `claude-bottle ps` lists it')
    .action((slug: string) =>
      run(async () => {
        await discardBottle(context(), slug);
        process.stdout.write(`discarded ${slug}\n`);
        return 0;
      }),
    );
}
