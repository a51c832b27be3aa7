import type { BottleApi } from '#contract';

// What the preload puts on `window` (compiled with the renderer's tsconfig). Absent in browser mode.

export interface PreloadExtras {
  /** The host path of a file or folder dropped on the window (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    bottle?: BottleApi & PreloadExtras;
  }
}
