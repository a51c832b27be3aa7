import { useEffect, useState, useSyncExternalStore, type DragEvent } from 'react';
import type { Transport } from './api';
import { noManifestFolder } from '#contract';
import { AgentList } from './components/AgentList';
import { ChecksPanel } from './components/ChecksPanel';
import { ErrorView } from './components/ErrorView';
import { NoManifest } from './components/NoManifest';
import { PreflightDialog } from './components/PreflightDialog';
import { PreservedList } from './components/PreservedList';
import { ProjectPicker } from './components/ProjectPicker';
import { RunningList } from './components/RunningList';
import { SignInDialog, signInLabel } from './components/SignInDialog';
import { Tabs } from './components/Tabs';
import { TerminalPane } from './components/TerminalPane';
import { Toasts } from './components/Toasts';
import { isLive } from './format';
import type { TerminalRegistry } from './terminal/registry';
import type { AppModel } from './state/appModel';
import { worstCheck } from './state/slices/checks';
import { shownNetworkCheck } from './state/slices/preflight';

export function App({ transport, registry, model }: { transport: Transport; registry: TerminalRegistry; model: AppModel }) {
  const app = useSyncExternalStore(model.subscribe, model.getSnapshot);
  const { project } = app;
  const { list, statuses, busy, sessionsBySlug } = app.bottles;
  const { open: tabs, active: activeSlug } = app.tabs;
  const [dragging, setDragging] = useState(false);
  const [signingIn, setSigningIn] = useState(false);
  useEffect(() => model.start(), [model]);
  const missingManifestIn = project.error ? noManifestFolder(project.error) : undefined;
  const worst = worstCheck(app.checks);
  const checksPanel = (
    <ChecksPanel
      state={app.checks}
      onRunAgain={() => void model.runChecks()}
      onDismiss={model.dismissChecks}
      onUpdateClaude={() => void model.updateClaude()}
      prune={app.prune}
      onFindUnused={() => void model.findUnused()}
      onRemoveUnused={() => void model.removeUnused()}
    />
  );

  // Live bottles of this app: every tab's, and any session this window has no tab for.
  const running = [...tabs, ...list.sessions.filter((session) => !tabs.some((tab) => tab.slug === session.slug))]
    .filter((entry) => isLive(statuses[entry.slug]))
    .map((entry) => ({ slug: entry.slug, agent: entry.agent, projectRoot: sessionsBySlug.get(entry.slug)?.projectRoot, status: statuses[entry.slug] }));

  const onDrop = (event: DragEvent): void => {
    event.preventDefault();
    setDragging(false);
    const dir = droppedPath(event, transport);
    if (dir) void model.openProject(dir);
    else
      model.toast({
        tone: 'error',
        title: 'Cannot tell where that folder is',
        body: transport.kind === 'browser' ? 'A browser does not reveal where a dropped folder lives on disk: type its path in the project field.' : 'Drop a folder from your file manager.',
      });
  };

  return (
    <div
      className="app"
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('Files') && !event.dataTransfer.types.includes('text/uri-list') && !event.dataTransfer.types.includes('text/plain')) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
        if (!dragging) setDragging(true);
      }}
      onDragLeave={(event) => {
        if (event.relatedTarget === null) setDragging(false);
      }}
      onDrop={onDrop}
    >
      {app.connection !== 'open' ? (
        <div className="connection-banner" role="status">
          {app.connection === 'connecting' ? 'Connecting to Claude Bottle…' : 'Connection lost — reconnecting to Claude Bottle…'}
        </div>
      ) : null}

      <aside className="sidebar" aria-label="sidebar">
        <header className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Claude Bottle</span>
          {app.info ? <span className="brand-version">{app.info.version}</span> : null}
          <span className="spacer" />
          <button
            type="button"
            className={`button button-small checks-button${app.checks.visible ? ' on' : ''}`}
            onClick={app.checks.visible && (tabs.length === 0 || app.checks.requested) ? model.dismissChecks : model.showChecks}
            aria-pressed={app.checks.visible && (tabs.length === 0 || app.checks.requested)}
            title="First-run checks: Docker, disk, credentials, the built-in image"
          >
            {worst && worst !== 'ok' ? <span className={`check-dot check-dot-${worst}`} aria-label={worst === 'fail' ? 'a check failed' : 'a check warns'} /> : null}
            Checks
          </button>
        </header>

        <div className="sign-in-strip" aria-label="Anthropic credential">
          {app.credential ? null : <span className="check-dot check-dot-warn" aria-hidden="true" />}
          <span className={`sign-in-state${app.credential ? '' : ' tone-warn'}`}>{signInLabel(app.credential)}</span>
          <span className="spacer" />
          <button type="button" className="button button-small" onClick={() => setSigningIn(true)} title="Store an Anthropic API key or subscription token for every bottle">
            {app.credential?.from === 'app' ? 'Account…' : 'Sign in'}
          </button>
        </div>

        <ProjectPicker
          transport={transport.kind}
          project={project.view}
          requestedDir={project.requestedDir}
          loading={project.loading}
          recent={app.recent}
          onOpen={(dir) => void model.openProject(dir)}
          onPickFolder={() => void model.pickFolder()}
        />

        <section className="sidebar-section" aria-labelledby="agents-heading">
          <h2 id="agents-heading">
            Agents {project.view ? <span className="count">{project.view.agents.length}</span> : null}
          </h2>
          {missingManifestIn !== undefined ? (
            <NoManifest dir={missingManifestIn} creating={project.loading} onCreate={() => void model.createManifest(missingManifestIn)} />
          ) : project.error ? (
            <ErrorView error={project.error} onRetry={model.retryProject} />
          ) : project.view ? (
            <>
              {project.created ? (
                <p className="created-note" role="status">
                  Created <code>{project.created}</code>
                </p>
              ) : null}
              <AgentList agents={project.view.agents} onStart={(agent) => model.startAgent(agent)} onStoreSecret={app.secretsAvailable ? model.storeSecret : undefined} />
            </>
          ) : (
            <p className="empty">{project.loading ? 'Opening the project…' : 'Open a folder that holds a claude-bottle.json (or is inside one).'}</p>
          )}
        </section>

        <section className="sidebar-section" aria-labelledby="running-heading">
          <h2 id="running-heading">
            Running <span className="count">{running.length + list.detached.length}</span>
          </h2>
          {list.dockerProblem ? <ErrorView error={list.dockerProblem} compact /> : null}
          <RunningList
            running={running}
            detached={list.detached}
            activeSlug={activeSlug}
            busy={busy}
            onFocus={model.focusTab}
            onReattach={(slug) => void model.reattach(slug)}
            onStop={(slug) => void model.stop(slug)}
          />
        </section>

        <section className="sidebar-section" aria-labelledby="preserved-heading">
          <h2 id="preserved-heading">
            Preserved <span className="count">{list.preserved.length}</span>
          </h2>
          <PreservedList preserved={list.preserved} corrupt={list.corrupt} busy={busy} onResume={model.resume} onDiscard={(slug) => void model.discard(slug)} />
        </section>
      </aside>

      <main className="main" id="main-area">
        {tabs.length > 0 ? (
          <>
            {app.checks.visible && app.checks.requested ? <div className="checks-over-tabs">{checksPanel}</div> : null}
            <Tabs tabs={tabs.map((tab) => ({ ...tab, status: statuses[tab.slug] }))} activeSlug={activeSlug} onSelect={model.focusTab} onClose={model.closeTab} />
            <div className="panes">
              {tabs.map((tab) => {
                const controller = registry.get(tab.slug);
                if (!controller) return null;
                return (
                  <TerminalPane
                    key={tab.slug}
                    controller={controller}
                    active={tab.slug === activeSlug}
                    agent={tab.agent}
                    status={statuses[tab.slug]}
                    session={sessionsBySlug.get(tab.slug)}
                    searchOpen={app.tabs.search === tab.slug}
                    stopping={busy.has(tab.slug)}
                    onCloseSearch={() => model.closeSearch()}
                    onStop={(keep) => void model.stop(tab.slug, keep)}
                    onResume={() => model.resume(tab.slug)}
                    {...(list.detached.some((bottle) => bottle.slug === tab.slug && bottle.owner === 'dead') ? { onReattach: () => void model.reattach(tab.slug) } : {})}
                    requests={app.requests.bySlug[tab.slug] ?? []}
                    answering={app.requests.answering}
                    onAnswer={(id, decision) => void model.answerRequest(tab.slug, id, decision)}
                  />
                );
              })}
            </div>
          </>
        ) : (
          <div className="main-empty">
            {app.checks.visible ? checksPanel : null}
            <Welcome hasProject={project.view !== null} noManifest={missingManifestIn !== undefined} />
          </div>
        )}
      </main>

      {app.preflight.dialog ? (
        <PreflightDialog
          model={app.preflight.dialog}
          networkCheck={shownNetworkCheck(app.preflight)}
          onToggle={model.togglePreflight}
          onConfirm={() => void model.confirmPreflight()}
          onCancel={model.cancelPreflight}
          onShowPlan={model.showPlanOnly}
          onClose={model.closePreflight}
        />
      ) : null}

      {signingIn ? (
        <SignInDialog credential={app.credential} canStore={app.secretsAvailable} onSignIn={model.signIn} onSignOut={model.signOut} onClose={() => setSigningIn(false)} />
      ) : null}

      <Toasts toasts={app.toasts} onDismiss={model.dismissToast} />
      {dragging ? <div className="drop-overlay">Drop a folder to open its project</div> : null}
    </div>
  );
}

function Welcome({ hasProject, noManifest }: { hasProject: boolean; noManifest: boolean }) {
  return (
    <div className="welcome">
      <h1>No bottle open</h1>
      <p>
        {noManifest
          ? 'This folder has no claude-bottle.json yet: "Create claude-bottle.json" in the sidebar writes a starter with one agent, ready to start.'
          : hasProject
          ? 'Press Start next to an agent. You will see exactly what its bottle gets — image, mounts, secrets, network — before anything runs.'
          : 'Open a project: a folder with a claude-bottle.json that declares its agents.'}
      </p>
      <p className="welcome-small">Each bottle is a disposable, hardened container. When Claude exits with an error, the bottle is preserved and can be resumed with its conversation.</p>
    </div>
  );
}

/** The host path of what was dropped: Electron knows a file's path; a browser only gets text. */
function droppedPath(event: DragEvent, transport: Transport): string | undefined {
  const file = event.dataTransfer.files[0];
  if (file) {
    const path = transport.pathForFile(file);
    if (path) return path;
  }
  const uris = event.dataTransfer.getData('text/uri-list');
  for (const line of uris.split(/\r?\n/)) {
    if (!line.startsWith('file://')) continue;
    try {
      return decodeURIComponent(new URL(line).pathname);
    } catch {
      // not a URL after all
    }
  }
  const text = event.dataTransfer.getData('text/plain').trim();
  if (text.startsWith('/') || /^[A-Za-z]:[\\/]/.test(text)) return text.split(/\r?\n/)[0];
  return undefined;
}
