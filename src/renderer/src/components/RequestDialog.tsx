import type { CapabilityRequestView } from '#contract';
import { PreflightRows } from './PreflightRows';

interface Props {
  request: CapabilityRequestView;
  /** More requests of this bottle wait behind this one. */
  more: number;
  answering: boolean;
  onAnswer(decision: 'grant' | 'deny'): void;
}

/**
 * A bottle asks for a capability: who asks, for what, why in the agent's own words (escaped by the
 * core), and exactly what granting it adds, in the preflight's rows. It sits over the bottle's
 * terminal, so the user sees the conversation that led to it. See docs/control-channel.md.
 */
export function RequestDialog({ request, more, answering, onAnswer }: Props) {
  return (
    <div className="request-dialog" role="alertdialog" aria-label={`${request.agent} asks for ${request.capability}`} data-request={request.id}>
      <div className="request-title">
        <strong>{request.agent}</strong> asks for <strong className="request-capability">{request.capability}</strong>
        {more > 0 ? <span className="request-more"> (and {more} more)</span> : null}
      </div>
      <blockquote className="request-reason" aria-label="reason">
        {request.reason || '(no reason given)'}
      </blockquote>
      <PreflightRows rows={request.rows} />
      <div className="request-note">Granting restarts the bottle with it (hosts only: in place); the conversation continues.</div>
      <div className="request-actions">
        <button type="button" className="button" disabled={answering} onClick={() => onAnswer('deny')}>
          Deny
        </button>
        <button type="button" className="button button-primary" disabled={answering || !request.known} onClick={() => onAnswer('grant')}>
          Grant
        </button>
      </div>
    </div>
  );
}
