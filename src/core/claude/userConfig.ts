import os from 'node:os';
import path from 'node:path';
import { readRegularFileSync } from '../fs/safeFiles';

// What the bottle's Claude takes from the user's own Claude setup without being asked: only the
// colour theme (so the bottle looks like the user's Claude). See docs/claude-in-a-bottle.md.

const THEMES = new Set(['dark', 'light', 'dark-daltonized', 'light-daltonized', 'dark-ansi', 'light-ansi']);
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The theme of the user's own Claude Code, else Claude's default (dark). */
export function userClaudeTheme(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const file = env.CLAUDE_CONFIG_DIR ? path.join(env.CLAUDE_CONFIG_DIR, '.claude.json') : path.join(home, '.claude.json');
  try {
    // The user's own file, but one a FIFO or a device in its place must not hang the launch.
    const theme = (JSON.parse(readRegularFileSync(file, { maxBytes: MAX_CONFIG_BYTES, followLinks: true }).toString('utf8')) as { theme?: unknown }).theme;
    return typeof theme === 'string' && THEMES.has(theme) ? theme : 'dark';
  } catch {
    return 'dark';
  }
}
