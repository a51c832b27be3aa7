import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { Component, StrictMode, type ErrorInfo, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { getTransport } from './api';
import { App } from './App';
import { AppModel } from './state/appModel';
import { TerminalRegistry } from './terminal/registry';
import { estimateTerminalSize } from './terminal/size';

// The renderer's entry: one transport (Electron preload or WebSocket), one terminal registry, and
// the React window. A render error shows a message and a Reload button, never a blank window.

class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('the window failed to render', error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="fatal" role="alert">
        <h1>The window hit a bug</h1>
        <p>Your bottles keep running; reloading re-attaches to them.</p>
        <pre>{this.state.error.message}</pre>
        <button type="button" className="button button-primary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}

const transport = getTransport();
const registry = new TerminalRegistry(transport.api, { onLink: (url) => openExternal(url) });
const model = new AppModel(transport.api, transport.connection, registry, (fontSize) => estimateTerminalSize(document.getElementById('main-area'), fontSize));

/** Links open in a new browsing context with no access back to this window (Electron's main process routes it to the system browser). */
function openExternal(url: string): void {
  window.open(url, '_blank', 'noopener,noreferrer');
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ErrorBoundary>
        <App transport={transport} registry={registry} model={model} />
      </ErrorBoundary>
    </StrictMode>,
  );
}
