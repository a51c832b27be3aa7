import fs from 'node:fs/promises';
import { join } from 'node:path';
import { type Disposable, toDisposable } from '../lifecycle/disposable';
import { ControlChannel, type Decision } from './controlChannel';
import { channelFolders } from './layout';
import { type AttentionState, attentionOf, type CapabilityRequest, type HookEvent } from './messages';

// One running bottle's control channel as its owner sees it (docs/control-channel.md): the
// requests waiting for a decision, Claude's attention state from its hooks, and listeners for
// both. The attention state is also written to the state folder (`attention.json`, host-only), so
// `claude-bottle ps` in another terminal shows it.

export interface Attention {
  state: AttentionState;
  /** When it became so (ISO). */
  since: string;
  /** A notification's text, when Claude said why it waits. */
  message?: string;
}

export interface BottleChannel extends Disposable {
  readonly pending: readonly CapabilityRequest[];
  readonly attention: Attention | undefined;
  onRequest(listener: (request: CapabilityRequest) => void): Disposable;
  /** A request that will not be answered any more (the helper timed out, or it was answered). */
  onSettled(listener: (id: string) => void): Disposable;
  onAttention(listener: (attention: Attention) => void): Disposable;
  /** A decision made by `claude-bottle grant|deny` in another terminal. */
  onDecision(listener: (id: string, decision: Decision) => void): Disposable;
  /** Answers the helper; removes the request from `pending`. */
  answer(id: string, decision: Decision, message: string): Promise<void>;
}

export async function openBottleChannel(bottleDir: string, log: (line: string) => void = () => undefined): Promise<BottleChannel> {
  const folders = channelFolders(bottleDir);
  const pending = new Map<string, CapabilityRequest>();
  const expiries = new Map<string, NodeJS.Timeout>();
  let attention: Attention | undefined;
  const listeners = {
    request: new Set<(request: CapabilityRequest) => void>(),
    settled: new Set<(id: string) => void>(),
    attention: new Set<(attention: Attention) => void>(),
    decision: new Set<(id: string, decision: Decision) => void>(),
  };
  const subscribe = <T>(set: Set<T>, listener: T): Disposable => {
    set.add(listener);
    return toDisposable(() => set.delete(listener));
  };
  const settle = (id: string): void => {
    clearTimeout(expiries.get(id));
    expiries.delete(id);
    if (!pending.delete(id)) return;
    for (const listener of listeners.settled) listener(id);
  };
  const rejected = new Set<string>();
  const channel = new ControlChannel(folders, {
    onRequest(request) {
      if (pending.has(request.id)) return;
      const left = Date.parse(request.expiresAt) - Date.now();
      if (left <= 0) {
        void fs.rm(join(folders.pending, `${request.id}.json`), { force: true });
        return;
      }
      pending.set(request.id, request);
      // The helper stops waiting then; a request it no longer waits for is not shown.
      expiries.set(request.id, setTimeout(() => {
        void fs.rm(join(folders.pending, `${request.id}.json`), { force: true });
        settle(request.id);
      }, left).unref());
      for (const listener of listeners.request) listener(request);
    },
    onCancel: settle,
    onHook(event: HookEvent) {
      const state = attentionOf(event);
      if (!state) return;
      attention = { state, since: event.at, ...(event.message ? { message: event.message.slice(0, 500) } : {}) };
      void fs.writeFile(join(bottleDir, 'attention.json'), `${JSON.stringify(attention)}\n`).catch(() => undefined);
      for (const listener of listeners.attention) listener(attention);
    },
    onDecision(id, decision) {
      for (const listener of listeners.decision) listener(id, decision);
    },
    onRejected(why) {
      // Said once per file name: a bottle that keeps writing junk does not flood the log.
      if (rejected.size > 1000 || rejected.has(why)) return;
      rejected.add(why);
      log(`control channel: ${why}`);
    },
  });
  await channel.start();
  return {
    get pending() {
      return [...pending.values()];
    },
    get attention() {
      return attention;
    },
    onRequest: (listener) => subscribe(listeners.request, listener),
    onSettled: (listener) => subscribe(listeners.settled, listener),
    onAttention: (listener) => subscribe(listeners.attention, listener),
    onDecision: (listener) => subscribe(listeners.decision, listener),
    async answer(id, decision, message) {
      await channel.answer(id, decision, message);
      settle(id);
    },
    dispose() {
      channel.dispose();
      for (const timer of expiries.values()) clearTimeout(timer);
      expiries.clear();
      for (const set of Object.values(listeners)) set.clear();
    },
  };
}

/** The attention a bottle's owner last recorded, for `ps` (undefined when none or unreadable). */
export async function readAttention(bottleDir: string): Promise<Attention | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(join(bottleDir, 'attention.json'), 'utf8')) as Attention;
    return typeof parsed.state === 'string' && typeof parsed.since === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
