import type { BottleApi } from '#contract';
import { ConnectionStatus, type Connection } from './connection';
import { createWsTransport } from './wsTransport';

// The renderer talks to the core through one typed API with two transports: Electron's preload
// exposes it as `window.bottle`; in a browser (`claude-bottle serve`) it is a WebSocket to the
// page's own origin. Nothing else in the renderer knows which one it has.

export interface Transport {
  api: BottleApi;
  kind: 'electron' | 'browser';
  connection: Connection;
  /** The host path of a dropped file, when the transport can know it. */
  pathForFile(file: File): string | undefined;
}

function pickTransport(): Transport {
  // Declared by src/preload/index.d.ts; absent in a browser.
  const preload = window.bottle;
  if (preload) {
    return {
      api: preload,
      kind: 'electron',
      connection: new ConnectionStatus('open'),
      pathForFile: (file) => {
        try {
          return preload.pathForFile(file) || undefined;
        } catch {
          return undefined;
        }
      },
    };
  }
  const ws = createWsTransport();
  // A browser never reveals where a dropped folder lives on disk.
  return { api: ws.api, kind: 'browser', connection: ws.connection, pathForFile: () => undefined };
}

let transport: Transport | undefined;

/** The one transport of this page, created on first use. */
export function getTransport(): Transport {
  transport ??= pickTransport();
  return transport;
}
