import { TERMINAL_CONSTANTS } from './constants';

/** xterm's padding inside the host element (see .terminal-host in styles.css). */
const HOST_PADDING_PX = 8;

/**
 * A terminal size for a bottle whose terminal is not on screen yet (the launch needs one): the
 * main area measured in character cells of the terminal font. The real fit follows on open.
 */
export function estimateTerminalSize(area: HTMLElement | null, fontSize: number = TERMINAL_CONSTANTS.fontSize): { cols: number; rows: number } {
  const fallback = { cols: 120, rows: 32 };
  if (!area || area.clientWidth === 0) return fallback;
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d');
  if (!context) return fallback;
  context.font = `${fontSize}px "DejaVu Sans Mono", Menlo, Consolas, monospace`;
  const cellWidth = context.measureText('W').width || fontSize * 0.6;
  const cellHeight = Math.ceil(fontSize * 1.2 * TERMINAL_CONSTANTS.lineHeight);
  // Tab strip and status bar take about three rows' worth of the area.
  const cols = Math.floor((area.clientWidth - 2 * HOST_PADDING_PX) / cellWidth);
  const rows = Math.floor((area.clientHeight - 2 * HOST_PADDING_PX) / cellHeight) - 3;
  return { cols: Math.max(20, Math.min(1000, cols)), rows: Math.max(5, Math.min(500, rows)) };
}
