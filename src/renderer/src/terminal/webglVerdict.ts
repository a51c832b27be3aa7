// Whether this window should draw terminals with xterm's WebGL renderer (docs/terminal.md).
//
// WebGL pays off only on a GPU. Without one (a VM, a remote desktop, Chromium with the GPU
// disabled) the browser runs WebGL in a software rasterizer and composites the page in software
// too, reading every WebGL frame back to the CPU before it can show it: each frame then blocks the
// page for tens of milliseconds, and a terminal drawn that way parses output several times slower
// than xterm's DOM renderer on the same machine. So the WebGL renderer is used only when the
// browser reports a hardware one.

export interface WebglVerdict {
  use: boolean;
  /** Why, in a few words (shown to tests and in the terminal's diagnostics). */
  reason: string;
}

/** Renderer names of the software rasterizers browsers fall back to (Chromium, Mesa, Windows). */
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render driver/i;

export function isSoftwareRenderer(rendererName: string): boolean {
  return SOFTWARE_RENDERERS.test(rendererName);
}

/** The verdict for a WebGL2 context's reported renderer (null: no WebGL2 at all). */
export function webglVerdictFor(rendererName: string | null): WebglVerdict {
  if (rendererName === null) return { use: false, reason: 'no WebGL2 in this browser' };
  if (isSoftwareRenderer(rendererName)) return { use: false, reason: `WebGL runs in software (${rendererName}): the DOM renderer is faster` };
  return { use: true, reason: `hardware WebGL (${rendererName || 'renderer not named'})` };
}
