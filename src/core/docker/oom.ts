// Whether a bottle's session died of its memory limit. Docker's State.OOMKilled is only set when
// the container's init process is the victim on older engines (20.10), while Claude runs under
// `docker exec`; the engine's `oom` event for the container is recorded either way. So: the flag,
// else an `oom` event since the container started. Ask before the container is removed.
// See docs/operations.md.

import type Docker from 'dockerode';
import { containerState } from './containers';

export const OOM_LIMITS = {
  /** The event log is in the daemon's memory: reading it back is quick, or something is wrong. */
  eventsTimeoutMs: 3_000,
} as const;

export async function containerRanOutOfMemory(docker: Docker, nameOrId: string): Promise<boolean> {
  const state = await containerState(docker, nameOrId);
  if (!state) return false;
  if (state.oomKilled) return true;
  const since = Math.floor((state.startedAt?.getTime() ?? Date.now() - 86_400_000) / 1000);
  return hadOomEvent(docker, state.id, since);
}

async function hadOomEvent(docker: Docker, containerId: string, since: number): Promise<boolean> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), OOM_LIMITS.eventsTimeoutMs);
  try {
    // With `until` the engine replays its log and ends the stream.
    const getEvents = docker.getEvents.bind(docker) as unknown as (options: object) => Promise<NodeJS.ReadableStream>;
    const stream = await getEvents({
      since,
      until,
      filters: { type: ['container'], container: [containerId], event: ['oom'] },
      abortSignal: abort.signal,
    });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.toString();
      if (text.length > 1024 * 1024) break; // a flood of events: one was enough
    }
    return text.split('\n').some((line) => /"(status|Action)"\s*:\s*"oom"/.test(line));
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
