import type { AgentView } from '../../../shared/contract';
import { Badges } from './Badges';

export function AgentList({ agents, onStart }: { agents: AgentView[]; onStart(agent: string): void }) {
  if (agents.length === 0) return <p className="empty">The manifest declares no agents.</p>;
  return (
    <ul className="agent-list">
      {agents.map((agent) => (
        <li key={agent.name} className={`agent${agent.dangerous ? ' agent-dangerous' : ''}`} data-agent={agent.name}>
          <div className="agent-head">
            <span className="agent-name">{agent.name}</span>
            <button type="button" className="button button-primary button-small" onClick={() => onStart(agent.name)} aria-label={`Start ${agent.name}`}>
              Start
            </button>
          </div>
          {agent.description ? <p className="agent-description">{agent.description}</p> : null}
          <div className="agent-image mono" title={agent.image}>
            {agent.image}
          </div>
          <Badges agent={agent} />
        </li>
      ))}
    </ul>
  );
}
