// The one contract between the window (renderer) and the core (Electron main, or `serve`).
//
// Every command the renderer may call and every event the core may send is listed once, in this package, with
// a zod schema for its arguments and its result. The renderer's API type (`BottleApi`) is derived
// from these schemas; the main side validates every incoming message against them (see
// `src/app/dispatch.ts`). This module imports neither Node nor Electron: both tsconfigs compile it.
//
// ## Transports — two carriers of the same contract
//
// Electron IPC (preload `window.bottle`, `src/preload/index.ts`):
//   command  → `ipcRenderer.invoke('bottle:<command>', args)` resolves to an `ApiResult`
//   event    ← channel `bottle:event` carrying `{ event, payload }`
//
// WebSocket (browser mode, `ws://127.0.0.1:<port>/api` on the page's own origin; the HttpOnly
// cookie set when the page was opened with `?token=` authenticates it, `?token=` works too; any
// other Origin is refused), JSON text frames:
//   request  → `{ "id": 7, "command": "bottles.list", "args": {} }`       (`WireRequestSchema`)
//   response ← `{ "id": 7, "result": { "ok": true, "data": { ... } } }`   (`WireResponse`)
//   event    ← `{ "event": "terminal.data", "payload": { ... } }`         (`WireEvent`)
//   `id` is chosen by the client (an integer, unique among its pending requests); every request
//   gets exactly one response with the same id. A frame that is not valid JSON or not a request
//   is answered with `{ id: null, result: { ok: false, error: { kind: 'usage', ... } } }`.
//   Frames larger than `LIMITS.maxWireMessageBytes` close the socket (code 1009).
//
// ## Terminal data path (see `terminal.*`)
//   The core batches output (a few ms) and sends `terminal.data` events. The renderer writes them
//   to xterm.js and acknowledges the characters it has written with `terminal.ack`, in steps of
//   about `FLOW.ackStepChars`; the core pauses the pty while too much is unacknowledged.
//   `terminal.attach` (on tab open and after a reload) answers with the recent output to replay
//   and resets the unacknowledged count; replayed text needs no ack.
//
// One file per concern: names.ts (names, patterns, bounds; no zod), views.ts (what the core sends),
// commands.ts, events.ts, wire.ts (browser mode's frames), api.ts (the window's typed API).

export * from './names';
export * from './views';
export * from './commands';
export * from './events';
export * from './wire';
export * from './api';
