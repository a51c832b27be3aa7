import type { CoreContext } from '../context';
import { isOwnerAlive } from '../context';
import { BottleError } from '../errors';
import { answerRequest, ControlChannel, readPending, writeDecision } from '../channel/controlChannel';
import { channelFolders } from '../channel/layout';
import type { CapabilityRequest } from '../channel/messages';
import { showUntrusted } from '../text/untrusted';

// Requests seen from outside the process that holds a bottle: `claude-bottle ps` lists them and
// `claude-bottle grant|deny` answers them (docs/control-channel.md). The holder applies a decision;
// with no holder, a denial is answered at once and a grant waits for the next one that attaches.

/**
 * The requests of a bottle waiting for an answer. With no process holding the bottle, what the
 * bottle dropped into its channel since is taken in first (as hostile files, as the holder would).
 */
export async function pendingRequests(ctx: CoreContext, slug: string): Promise<CapabilityRequest[]> {
  const record = await ctx.store.read(slug);
  const folders = channelFolders(ctx.store.bottleDir(slug));
  if (!isOwnerAlive(record.owner)) {
    const channel = new ControlChannel(folders, {});
    await channel.poke();
    channel.dispose();
  }
  const now = Date.now();
  return (await readPending(folders)).filter((request) => Date.parse(request.expiresAt) > now);
}

export interface AnsweredElsewhere {
  request: CapabilityRequest;
  /** Applied now (a denial with no holder), or handed to the process holding the bottle. */
  appliedBy: 'holder' | 'here' | 'next-attach';
}

export async function answerFromElsewhere(ctx: CoreContext, slug: string, capability: string, decision: 'granted' | 'denied'): Promise<AnsweredElsewhere> {
  const requests = (await pendingRequests(ctx, slug)).filter((request) => request.capability === capability);
  const request = requests[0];
  if (!request) throw new BottleError('not-found', `bottle ${slug} has no request for "${showUntrusted(capability, 100)}" waiting`, 'claude-bottle ps lists the requests waiting');
  const record = await ctx.store.read(slug);
  const folders = channelFolders(ctx.store.bottleDir(slug));
  if (isOwnerAlive(record.owner)) {
    await writeDecision(folders, request.id, decision);
    return { request, appliedBy: 'holder' };
  }
  if (decision === 'denied') {
    await answerRequest(folders, request.id, 'denied', `bottle-request: the user denied "${request.capability}". Carry on without it, or explain why it is needed and ask again.`);
    return { request, appliedBy: 'here' };
  }
  await writeDecision(folders, request.id, decision);
  return { request, appliedBy: 'next-attach' };
}
