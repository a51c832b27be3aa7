// What the bench's modules share: medians, waiting for text in a terminal's output, and cleaning up.

import { execFileSync } from 'node:child_process';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Control sequences and whitespace: a full-screen program spaces words with cursor moves. */
// eslint-disable-next-line no-control-regex -- matching control sequences is the point
const INVISIBLE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\s+/g;

/**
 * Resolves when `text` has been printed. With `onScreen`, it is compared as drawn: control
 * sequences and spaces left out of both, since Claude's TUI moves the cursor instead of printing spaces.
 */
export function waitForText(subscribe: (listener: (data: string) => void) => void, text: string, timeoutMs = 30_000, { onScreen = false } = {}): Promise<void> {
  const wanted = onScreen ? text.replace(/\s+/g, '') : text;
  return new Promise((resolve, reject) => {
    let seen = '';
    let done = false;
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms; saw: ${JSON.stringify(seen.slice(-500))}`)), timeoutMs);
    subscribe((data) => {
      if (done) return; // listeners cannot be removed here: a finished one must cost nothing
      seen = (seen + data).slice(-64 * 1024);
      if ((onScreen ? seen.replace(INVISIBLE, '') : seen).includes(wanted)) {
        done = true;
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Removes every container labelled with this state root: a failed round must not leave bottles running. */
export function removeLabelled(home: string): void {
  const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=claude-bottle.home=${home}`]).toString().split('\n').filter(Boolean);
  if (left.length > 0) execFileSync('docker', ['rm', '-f', ...left], { stdio: 'ignore' });
}
