import { useEffect, useRef, useState } from 'react';
import type { BottleStatus, CapabilityRequestView, SessionView } from '#contract';
import { formatUptime, isLive, statusLabel } from '../format';
import type { TerminalController } from '../terminal/TerminalController';
import { EgressStrip } from './EgressStrip';
import { RequestDialog } from './RequestDialog';
import { SearchBar } from './SearchBar';

interface Props {
  controller: TerminalController;
  active: boolean;
  status: BottleStatus | undefined;
  session: SessionView | undefined;
  agent: string;
  searchOpen: boolean;
  stopping: boolean;
  onCloseSearch(): void;
  onStop(keep: boolean): void;
  onResume(): void;
  /** Set when the bottle's container runs on without a session here (Running lists it). */
  onReattach?: () => void;
  /** Capability requests waiting, oldest first. */
  requests?: readonly CapabilityRequestView[];
  answering?: ReadonlySet<string>;
  onAnswer?(id: string, decision: 'grant' | 'deny'): void;
}

/** One bottle's terminal, its search bar and the thin status bar under it. */
export function TerminalPane({ controller, active, status, session, agent, searchOpen, stopping, onCloseSearch, onStop, onResume, onReattach, requests, answering, onAnswer }: Props) {
  const request = requests?.[0];
  const hostRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    controller.open(host);
    // Any change of the pane's size (window, sidebar, search bar) refits; xterm reports the new
    // size and the controller sends it after its debounce.
    const observer = new ResizeObserver(() => controller.fitNow());
    observer.observe(host);
    return () => observer.disconnect();
  }, [controller]);

  useEffect(() => {
    if (!active) return;
    controller.fitNow();
    if (!searchOpen) controller.focus();
  }, [active, controller, searchOpen]);

  return (
    <section className={`terminal-pane${active ? ' active' : ''}`} data-slug={controller.slug} aria-hidden={!active} role="tabpanel">
      {searchOpen ? <SearchBar controller={controller} onClose={onCloseSearch} /> : null}
      {request && onAnswer ? <RequestDialog request={request} more={(requests?.length ?? 1) - 1} answering={answering?.has(request.id) ?? false} onAnswer={(decision) => onAnswer(request.id, decision)} /> : null}
      {status?.status === 'building' || status?.status === 'starting' ? <LaunchBanner status={status} /> : null}
      {status?.status === 'failed' && status.error ? (
        <div className="terminal-failure" role="alert">
          <div>
            <strong>{status.message === 'disconnected' ? 'Disconnected.' : 'The bottle failed.'}</strong> {status.error.message}
          </div>
          {status.error.hint ? <div className="error-hint">{status.error.hint}</div> : null}
          {onReattach ? (
            <button type="button" className="button button-small" onClick={onReattach}>
              Re-attach
            </button>
          ) : null}
        </div>
      ) : null}
      <div className="terminal-host" ref={hostRef} />
      <EgressStrip slug={controller.slug} live={isLive(status)} behindProxy={status?.behindProxy ?? false} />
      <StatusBar agent={agent} status={status} session={session} stopping={stopping} onStop={onStop} onResume={onResume} />
    </section>
  );
}

function LaunchBanner({ status }: { status: BottleStatus }) {
  const fraction = status.progress?.fraction;
  return (
    <div className="launch-banner" aria-live="polite">
      <span>{status.progress?.message ?? (status.status === 'building' ? 'Building the image…' : 'Starting the container…')}</span>
      {status.status === 'building' ? (
        <progress className="progress" max={1} {...(fraction !== undefined ? { value: fraction } : {})} aria-label="build progress" />
      ) : null}
    </div>
  );
}

interface StatusBarProps {
  agent: string;
  status: BottleStatus | undefined;
  session: SessionView | undefined;
  stopping: boolean;
  onStop(keep: boolean): void;
  onResume(): void;
}

function StatusBar({ agent, status, session, stopping, onStop, onResume }: StatusBarProps) {
  const live = isLive(status);
  return (
    <footer className="status-bar">
      <span className="status-item status-agent" title="agent">
        {agent}
      </span>
      {session ? (
        <span className="status-item mono" title="image">
          {session.image}
        </span>
      ) : null}
      {session ? <span className="status-item" title="network">network: {session.network}</span> : null}
      <span className="status-item" title="status">
        {statusLabel(status)}
      </span>
      {session && live ? <Uptime since={session.startedAt} /> : null}
      <span className="spacer" />
      {live ? (
        <button type="button" className="button button-small" disabled={stopping} onClick={() => onStop(true)} title="Stop, and keep the bottle to resume its conversation later">
          Stop &amp; keep
        </button>
      ) : null}
      {live ? (
        <button type="button" className="button button-small button-danger-quiet" disabled={stopping} onClick={() => onStop(false)} title="Snapshot the transcript, remove the container and the bottle's state">
          {stopping ? 'Stopping…' : 'Stop'}
        </button>
      ) : null}
      {status?.status === 'preserved' ? (
        <button type="button" className="button button-small" onClick={onResume} title="Review the preflight, then continue the conversation (claude --continue)">
          Resume…
        </button>
      ) : null}
    </footer>
  );
}

function Uptime({ since }: { since: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const started = Date.parse(since);
  return (
    <span className="status-item" title={`started ${new Date(started).toLocaleString()}`}>
      up {formatUptime(now - started)}
    </span>
  );
}
