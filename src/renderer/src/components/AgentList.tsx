import { useState } from 'react';
import type { AgentView, ErrorInfo } from '#contract';
import { Badges } from './Badges';
import { InlineError } from './ErrorView';

/** Storing a missing secret from an agent card; absent in browser mode (nothing can be stored there). */
export type StoreSecret = (name: string, value: string) => Promise<ErrorInfo | null>;

export function AgentList({ agents, onStart, onStoreSecret }: { agents: AgentView[]; onStart(agent: string): void; onStoreSecret?: StoreSecret | undefined }) {
  if (agents.length === 0) return <p className="empty">The manifest declares no agents.</p>;
  return (
    <ul className="agent-list">
      {agents.map((agent) => (
        <AgentCard key={agent.name} agent={agent} onStart={onStart} onStoreSecret={onStoreSecret} />
      ))}
    </ul>
  );
}

function AgentCard({ agent, onStart, onStoreSecret }: { agent: AgentView; onStart(agent: string): void; onStoreSecret?: StoreSecret | undefined }) {
  const [storing, setStoring] = useState<string | null>(null);
  const name = storing !== null && agent.missingSecrets.includes(storing) ? storing : null;
  return (
    <li className={`agent${agent.dangerous ? ' agent-dangerous' : ''}`} data-agent={agent.name}>
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
      <Badges agent={agent} {...(onStoreSecret ? { onStore: setStoring } : {})} />
      {name !== null && onStoreSecret ? <SecretForm key={name} name={name} onStore={onStoreSecret} onClose={() => setStoring(null)} /> : null}
    </li>
  );
}

/** A password input for one secret; the value lives in this form only until it is sent. */
function SecretForm({ name, onStore, onClose }: { name: string; onStore: StoreSecret; onClose(): void }) {
  const [value, setValue] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const inputId = `secret-${name}`;
  return (
    <form
      className="secret-form"
      aria-label={`Store ${name}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (!value || sending) return;
        setSending(true);
        void onStore(name, value).then((failure) => {
          setSending(false);
          setValue('');
          if (failure) setError(failure);
          else onClose();
        });
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <label htmlFor={inputId}>
        Value of <code>{name}</code>, kept encrypted by the OS keychain
      </label>
      <input id={inputId} className="secret-input mono" type="password" autoComplete="off" spellCheck={false} autoFocus value={value} onChange={(event) => setValue(event.target.value)} />
      <InlineError error={error} />
      <div className="secret-actions">
        <button type="submit" className="button button-primary button-small" disabled={!value || sending}>
          Store
        </button>
        <button type="button" className="button button-small" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
