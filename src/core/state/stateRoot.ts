import { homedir } from 'node:os';
import { join } from 'node:path';
import envPaths from 'env-paths';

/**
 * Where bottles keep what must outlive their containers. `$CLAUDE_BOTTLE_HOME` wins (tests and
 * users who want it elsewhere); otherwise the platform's data folder, so that the app and the CLI
 * of one user share it.
 */
export function defaultStateRoot(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.CLAUDE_BOTTLE_HOME;
  if (override) return override.startsWith('~/') ? join(homedir(), override.slice(2)) : override;
  return envPaths('claude-bottle', { suffix: '' }).data;
}
