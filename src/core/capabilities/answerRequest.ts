import type { CoreContext } from '../context';
import { BottleError } from '../errors';
import { type LaunchHooks, launchPrepared, prepareResume, type RunningBottle } from '../launcher';
import type { CapabilityRequest } from '../channel/messages';
import { type ConfirmedPlan, confirmedPlanOf, describeChanges } from '../plan/confirmedPlan';
import type { RequestablePlan } from '../plan/plan';
import { showUntrusted } from '../text/untrusted';

// Answering a bottle's `bottle-request` (docs/control-channel.md). Deny: the helper prints the
// refusal and the session goes on. Grant: a capability that only adds hosts to an allow-list is
// applied in place (the proxy restarts with the longer list); any other is *blocked and applied*:
// the transcript is kept, the bottle preserved (reason: capability), its container torn down and
// relaunched with the capability added, Claude resumed with --continue. The relaunch runs exactly
// the plan the user confirmed plus the capability: if the manifest says anything else now (the
// agent may have edited it), nothing is relaunched and the bottle stays preserved for a resume,
// whose preflight shows the changes.

export function findRequest(running: RunningBottle, id: string): CapabilityRequest {
  const request = running.channel.pending.find((candidate) => candidate.id === id);
  if (!request) throw new BottleError('not-found', `bottle ${running.plan.slug} has no request ${showUntrusted(id, 100)} waiting`, 'it may have been answered, or the agent stopped waiting');
  return request;
}

export async function denyRequest(running: RunningBottle, id: string): Promise<void> {
  const request = findRequest(running, id);
  await running.channel.answer(id, 'denied', `bottle-request: the user denied "${request.capability}". Carry on without it, or explain why it is needed and ask again.`);
}

export interface GrantOutcome {
  /** The bottle running with the capability: the same one when applied in place, else the relaunched one. */
  running: RunningBottle;
  inPlace: boolean;
}

export async function grantRequest(ctx: CoreContext, running: RunningBottle, id: string, hooks: LaunchHooks = {}): Promise<GrantOutcome> {
  const request = findRequest(running, id);
  const plan = running.plan;
  const capability = plan.requestable.find((candidate) => candidate.name === request.capability);
  if (!capability) {
    await running.channel.answer(id, 'denied', `bottle-request: "${request.capability}" is not a capability of this bottle`);
    throw new BottleError('usage', `bottle ${plan.slug} cannot be granted "${showUntrusted(request.capability, 100)}": its agent does not declare it`);
  }
  const record = await ctx.store.read(plan.slug);
  const confirmed = record.confirmedPlan ?? confirmedPlanOf(plan);
  const expected = withGrant(confirmed, capability);

  if (running.egress && plan.network.mode === 'allow' && capability.mounts.length === 0 && capability.secrets.length === 0 && Array.isArray(capability.hosts)) {
    const hosts = expected.allowHosts ?? [];
    await running.egress.reconfigure(hosts);
    plan.network = { mode: 'allow', hosts };
    plan.grantedCapabilities = [...expected.grantedCapabilities];
    plan.requestable = plan.requestable.filter((candidate) => candidate.name !== capability.name);
    await ctx.store.update(plan.slug, (current) => ({ ...current, grantedCapabilities: [...expected.grantedCapabilities], confirmedPlan: expected }));
    await running.channel.answer(id, 'granted', `bottle-request: granted "${capability.name}": these hosts are reachable now: ${capability.hosts.join(', ')}`);
    return { running, inPlace: true };
  }

  await ctx.store.update(plan.slug, (current) => ({ ...current, grantedCapabilities: [...expected.grantedCapabilities] }));
  await running.channel.answer(id, 'granted', `bottle-request: granted "${capability.name}". The bottle restarts with it in a moment; this conversation continues there.`);
  // The helper looks for its answer every second: give it the time to print it into the conversation.
  await new Promise((resolve) => setTimeout(resolve, GRANT_SETTLE_MS));
  await running.stop({ keep: true, reason: 'capability' });
  const prepared = await prepareResume(ctx, plan.slug);
  const differences = describeChanges(expected, confirmedPlanOf(prepared.plan));
  if (differences.length > 0) {
    throw new BottleError(
      'usage',
      `bottle ${plan.slug} was not relaunched with "${capability.name}": its manifest changed since you confirmed it:\n${differences.join('\n')}`,
      `the bottle is preserved; resume it to review the changes: claude-bottle resume ${plan.slug}`,
    );
  }
  prepared.plan.changes = [];
  return { running: await launchPrepared(ctx, prepared, hooks), inPlace: false };
}

/** How long a grant waits, before the bottle restarts, for the helper to print its answer. */
export const GRANT_SETTLE_MS = 1_500;

/** The confirmed plan with `capability` granted, as the plan would record it. */
export function withGrant(confirmed: ConfirmedPlan, capability: RequestablePlan): ConfirmedPlan {
  const mounts = [...confirmed.mounts];
  for (const mount of capability.mounts) {
    const text = `${mount.readonly ? 'ro' : 'rw'} ${mount.source} → ${mount.target}`;
    if (!mounts.includes(text)) mounts.push(text);
  }
  const secrets = [...new Set([...confirmed.secrets, ...capability.secrets])];
  let network = confirmed.network;
  let allowHosts = confirmed.allowHosts;
  if (capability.hosts === 'open' || network === 'open') {
    network = 'open';
    allowHosts = undefined;
  } else if (capability.hosts.length > 0) {
    allowHosts = [...new Set([...(allowHosts ?? []), ...capability.hosts])];
    network = `allow: ${allowHosts.join(', ')}`;
  }
  const { allowHosts: _previous, ...rest } = confirmed;
  return {
    ...rest,
    mounts,
    secrets,
    network,
    ...(allowHosts ? { allowHosts } : {}),
    grantedCapabilities: [...new Set([...confirmed.grantedCapabilities, capability.name])],
    requestable: (confirmed.requestable ?? []).filter((candidate) => candidate.name !== capability.name),
  };
}
