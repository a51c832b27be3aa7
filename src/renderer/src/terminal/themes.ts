import type { ITheme } from '@xterm/xterm';

// Terminal colours for the two OS themes. Claude Code draws with true colour and the 16 ANSI
// colours; these keep both readable on each background.

export const DARK_THEME: ITheme = {
  background: '#16171d',
  foreground: '#e4e4e7',
  cursor: '#e4e4e7',
  cursorAccent: '#16171d',
  selectionBackground: '#3f4a63',
  black: '#1e1f26',
  red: '#f2707a',
  green: '#7ccf8a',
  yellow: '#e6c36a',
  blue: '#7aa7f2',
  magenta: '#c99af2',
  cyan: '#6fcfd6',
  white: '#d4d4d8',
  brightBlack: '#6b6d78',
  brightRed: '#ff8f98',
  brightGreen: '#9be3a7',
  brightYellow: '#f5d68a',
  brightBlue: '#9cc0ff',
  brightMagenta: '#dcb6ff',
  brightCyan: '#93e3e9',
  brightWhite: '#fafafa',
};

export const LIGHT_THEME: ITheme = {
  background: '#fbfbfa',
  foreground: '#1f2328',
  cursor: '#1f2328',
  cursorAccent: '#fbfbfa',
  selectionBackground: '#c8d8f4',
  black: '#24292f',
  red: '#c4272f',
  green: '#1a7f37',
  yellow: '#8a6100',
  blue: '#0a5fd0',
  magenta: '#8250df',
  cyan: '#117f8a',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#d9363e',
  brightGreen: '#2a9447',
  brightYellow: '#9a6e00',
  brightBlue: '#2173e0',
  brightMagenta: '#a475f9',
  brightCyan: '#1b96a3',
  brightWhite: '#8c959f',
};

export function prefersDark(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches;
}
