import type { BottleStatus } from '#contract';
import { isLive, sharedAgents, shortId, statusLabel } from '../format';

export interface TabModel {
  slug: string;
  agent: string;
  status: BottleStatus | undefined;
}

interface Props {
  tabs: TabModel[];
  activeSlug: string | null;
  onSelect(slug: string): void;
  onClose(slug: string): void;
}

/** One tab per bottle, each with its status; a building bottle shows its progress under the name. */
export function Tabs({ tabs, activeSlug, onSelect, onClose }: Props) {
  const shared = sharedAgents(tabs);
  return (
    <div className="tabs" role="tablist" aria-label="bottles">
      {tabs.map((tab) => {
        const state = tab.status?.status ?? 'starting';
        const fraction = tab.status?.progress?.fraction;
        return (
          <div
            key={tab.slug}
            className={`tab tab-${state}${tab.slug === activeSlug ? ' active' : ''}${tab.status?.pendingRequests ? ' tab-asks' : ''}${tab.status?.attention && state === 'running' ? ` tab-attention-${tab.status.attention.state}` : ''}`}
            data-slug={tab.slug}
            data-attention={state === 'running' ? (tab.status?.attention?.state ?? '') : ''}
          >
            <button type="button" role="tab" aria-selected={tab.slug === activeSlug} className="tab-button" onClick={() => onSelect(tab.slug)} title={tab.slug}>
              <span className={`status-dot status-${state}`} aria-hidden="true" />
              <span className="tab-name">{tab.agent}</span>
              {shared.has(tab.agent) ? <span className="tab-id">#{shortId(tab.slug)}</span> : null}
              <span className="tab-status">{statusLabel(tab.status)}</span>
            </button>
            {!isLive(tab.status) ? (
              <button type="button" className="tab-close" aria-label={`close ${tab.agent} tab`} title="Close tab" onClick={() => onClose(tab.slug)}>
                ×
              </button>
            ) : null}
            {state === 'building' ? (
              <div className={`tab-progress${fraction === undefined ? ' indeterminate' : ''}`} aria-hidden="true">
                <div style={fraction !== undefined ? { width: `${Math.round(fraction * 100)}%` } : undefined} />
              </div>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
