import type { ResolvedAgent } from './types';

/** The badges next to an agent (the window's and `claude-bottle ls`'s), in words. */
export function agentBadges(agent: ResolvedAgent): string[] {
  const badges = [`network:${agent.network.mode === 'allow' ? 'allow-list' : agent.network.mode}`];
  if (agent.project === 'mount-rw' || agent.mounts.some((mount) => !mount.readonly)) badges.push('rw-mounts');
  if (agent.secrets.length > 0) badges.push(`secrets:${agent.secrets.length}`);
  if (agent.dangerous) badges.push('DANGEROUS');
  return badges;
}
