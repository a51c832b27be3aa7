import { z } from 'zod';
import { showUntrusted } from '../text/untrusted';
import { type BottlePlan, CAPABILITY_PROMPT_START } from './plan';

// What the user confirmed, recorded in the bottle's state (a folder the bottle cannot write) when
// it launches. The project — and so its manifest — may be the agent's to write: a resume compares
// the manifest's plan now with this one and shows every difference before anything starts (the
// CLI's --yes does not accept a changed plan; --accept-changes does), and a re-attach never reads
// the manifest at all. See docs/resume-and-reattach.md.

export const ConfirmedPlanSchema = z.object({
  image: z.string().max(10_000),
  user: z.string().max(1000).optional(),
  workdir: z.string().max(10_000),
  project: z.string().max(100),
  mounts: z.array(z.string().max(20_000)).max(10_000),
  env: z.record(z.string(), z.string().max(100_000)),
  secrets: z.array(z.string().max(1000)).max(10_000),
  network: z.string().max(100_000),
  /** The allow-list itself, for a re-attach that must not read the manifest again. */
  allowHosts: z.array(z.string().max(1000)).max(10_000).optional(),
  resources: z.string().max(1000),
  limits: z.object({ memory: z.number(), cpus: z.number(), pids: z.number().int() }).optional(),
  claudeArgs: z.array(z.string().max(100_000)).max(10_000),
  grantedCapabilities: z.array(z.string().max(1000)).max(1000),
  /** What the agent may still ask for, so that a re-attached owner can show and grant a request. */
  requestable: z
    .array(
      z.object({
        name: z.string().max(1000),
        description: z.string().max(100_000),
        mounts: z.array(z.object({ source: z.string().max(10_000), target: z.string().max(10_000), readonly: z.boolean() })).max(1000),
        secrets: z.array(z.string().max(1000)).max(1000),
        hosts: z.union([z.literal('open'), z.array(z.string().max(1000)).max(10_000)]),
      }),
    )
    .max(1000)
    .optional(),
  /** Parts of the user's Claude folder copied in ("claude": { "inherit" }); absent in older records. */
  claudeInherit: z.array(z.string().max(100)).max(100).optional(),
  dangerous: z.boolean(),
});
export type ConfirmedPlan = z.infer<typeof ConfirmedPlanSchema>;

/** The parts of a plan a person confirmed, in a form that compares exactly. */
export function confirmedPlanOf(plan: BottlePlan): ConfirmedPlan {
  return {
    image: plan.image.kind === 'image' ? plan.image.ref : `build ${plan.image.dockerfile} in ${plan.image.context}`,
    ...(plan.user !== undefined ? { user: plan.user } : {}),
    workdir: plan.workdir,
    project: plan.project,
    mounts: plan.mounts.filter((mount) => mount.origin !== 'claude-storage' && mount.origin !== 'control-channel').map((mount) => `${mount.readonly ? 'ro' : 'rw'} ${mount.source} → ${mount.target}`),
    env: { ...plan.env },
    secrets: plan.secrets.map((secret) => secret.name),
    network: plan.network.mode === 'allow' ? `allow: ${plan.network.hosts.join(', ')}` : plan.network.mode,
    ...(plan.network.mode === 'allow' ? { allowHosts: [...plan.network.hosts] } : {}),
    resources: `memory ${plan.resources.memory} · cpus ${plan.resources.cpus} · pids ${plan.resources.pids}`,
    limits: { ...plan.resources },
    // `--continue` is the resume's own, not the user's choice.
    // `--continue` is the resume's own, not the user's choice; the capability prompt follows the grants.
    claudeArgs: withoutAppArgs(plan.claude.args),
    grantedCapabilities: [...plan.grantedCapabilities],
    requestable: plan.requestable.map((capability) => ({ ...capability, mounts: capability.mounts.map((mount) => ({ ...mount })), secrets: [...capability.secrets], hosts: capability.hosts === 'open' ? 'open' : [...capability.hosts] })),
    ...(plan.claudeSetup ? { claudeInherit: [...plan.claudeSetup.items] } : {}),
    dangerous: plan.dangerous,
  };
}

function withoutAppArgs(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    if (args[index] === '--continue') continue;
    if (args[index] === '--append-system-prompt' && args[index + 1]?.startsWith(CAPABILITY_PROMPT_START)) {
      index += 1;
      continue;
    }
    kept.push(args[index] as string);
  }
  return kept;
}

/** Every difference between what was confirmed and what would run now, in words (escaped). */
export function describeChanges(before: ConfirmedPlan, now: ConfirmedPlan): string[] {
  const changes: string[] = [];
  const shown = (text: string): string => showUntrusted(text, 300);
  const scalar = (label: string, a: string | boolean | undefined, b: string | boolean | undefined): void => {
    if (a !== b) changes.push(`${label}: ${shown(String(a ?? '(default)'))} → ${shown(String(b ?? '(default)'))}`);
  };
  const list = (label: string, a: string[], b: string[]): void => {
    for (const item of b.filter((entry) => !a.includes(entry))) changes.push(`${label} added: ${shown(item)}`);
    for (const item of a.filter((entry) => !b.includes(entry))) changes.push(`${label} removed: ${shown(item)}`);
  };
  scalar('image', before.image, now.image);
  scalar('user', before.user, now.user);
  scalar('workdir', before.workdir, now.workdir);
  scalar('project', before.project, now.project);
  list('mount', before.mounts, now.mounts);
  list('env', Object.entries(before.env).map(([k, v]) => `${k}=${v}`), Object.entries(now.env).map(([k, v]) => `${k}=${v}`));
  list('secret', before.secrets, now.secrets);
  scalar('network', before.network, now.network);
  scalar('limits', before.resources, now.resources);
  if (before.claudeArgs.join('\u0000') !== now.claudeArgs.join('\u0000')) changes.push(`Claude's arguments: ${shown(before.claudeArgs.join(' '))} → ${shown(now.claudeArgs.join(' '))}`);
  list('granted capability', before.grantedCapabilities, now.grantedCapabilities);
  // A manifest the bottle can edit must not quietly take more of the user's Claude folder.
  list('inherited from your Claude folder', before.claudeInherit ?? [], now.claudeInherit ?? []);
  scalar('dangerous', before.dangerous, now.dangerous);
  return changes;
}
