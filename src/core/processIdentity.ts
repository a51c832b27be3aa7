import { readFileSync } from 'node:fs';

/**
 * What /proc says about a pid on Linux: its state letter and its start time (clock ticks since
 * boot, field 22 of /proc/<pid>/stat). A pid alone is not an identity: after a crash the kernel
 * may hand it to an unrelated process, and a killed process can linger as a zombie. The start
 * time tells them apart. Elsewhere (macOS, Windows) this returns undefined and callers fall back
 * to pid + hostname. See docs/operations.md.
 */
export interface ProcStat {
  state: string;
  startTime: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  if (process.platform !== 'linux' || !Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may itself hold spaces or ')': split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTime = Number(fields[19]);
  if (!state || !Number.isSafeInteger(startTime)) return undefined;
  return { state, startTime };
}

/** This process's start time, recorded with the owner so a reused pid is not mistaken for it. */
export function ownStartTime(): number | undefined {
  return readProcStat(process.pid)?.startTime;
}
