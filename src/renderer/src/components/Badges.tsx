import type { AgentView } from '#contract';

type BadgeTone = 'neutral' | 'good' | 'warn' | 'danger';

interface Badge {
  label: string;
  tone: BadgeTone;
  title: string;
}

/** The agent's badges (the same words `claude-bottle ls` prints), with a tone and an explanation each. */
export function agentBadges(agent: AgentView): Badge[] {
  const badges: Badge[] = [];
  for (const raw of agent.badges) {
    if (raw.startsWith('network:')) {
      const mode = raw.slice('network:'.length);
      if (mode === 'none') badges.push({ label: 'no network', tone: 'good', title: 'The bottle has no network at all' });
      else if (mode === 'open') badges.push({ label: 'network: open', tone: 'warn', title: 'Full internet access' });
      else badges.push({ label: 'network: allow-list', tone: 'neutral', title: 'Only the hosts the manifest allows' });
    } else if (raw === 'rw-mounts') {
      badges.push({ label: 'read-write mounts', tone: 'warn', title: 'The agent can change files on this machine (the project or other mounts)' });
    } else if (raw.startsWith('secrets:')) {
      const count = Number(raw.slice('secrets:'.length));
      badges.push({ label: `${count} secret${count === 1 ? '' : 's'}`, tone: 'neutral', title: `Secrets given to the bottle: ${agent.secrets.join(', ')}` });
    } else if (raw === 'DANGEROUS') {
      badges.push({ label: 'dangerous', tone: 'danger', title: 'The manifest marks this agent dangerous: it may get the Docker socket, / or your home folder' });
    } else {
      badges.push({ label: raw, tone: 'neutral', title: raw });
    }
  }
  if (agent.missingSecrets.length > 0) {
    badges.push({
      label: `missing: ${agent.missingSecrets.join(', ')}`,
      tone: 'danger',
      title: 'These secrets have no value on this machine; set them in the environment (or store them in the desktop app) before starting',
    });
  }
  return badges;
}

/** `onStore`: the desktop app offers "Store…" on the missing-secrets badge (one per missing name). */
export function Badges({ agent, onStore }: { agent: AgentView; onStore?: (name: string) => void }) {
  const missingLabel = agent.missingSecrets.length > 0 ? `missing: ${agent.missingSecrets.join(', ')}` : null;
  return (
    <ul className="badges" aria-label="badges">
      {agentBadges(agent).map((badge) => (
        <li key={badge.label} className={`badge badge-${badge.tone}`} title={badge.title}>
          {badge.label}
          {onStore && badge.label === missingLabel
            ? agent.missingSecrets.map((name) => (
                <button key={name} type="button" className="badge-action" aria-label={`Store ${name}`} title={`Store ${name} in the app, encrypted with the OS keychain`} onClick={() => onStore(name)}>
                  {agent.missingSecrets.length === 1 ? 'Store…' : `Store ${name}…`}
                </button>
              ))
            : null}
        </li>
      ))}
    </ul>
  );
}
