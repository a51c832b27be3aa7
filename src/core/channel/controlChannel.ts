import { watch, type FSWatcher } from 'node:fs';
import fs from 'node:fs/promises';
import { join } from 'node:path';
import type { Disposable } from '../lifecycle/disposable';
import { readRegularFile } from '../fs/safeFiles';
import { writeFileReplacing } from '../fs/writeReplacing';
import { CHANNEL_FILE, CHANNEL_LIMITS, type ChannelFolders, REQUEST_ID } from './layout';
import { type CapabilityRequest, CapabilityRequestSchema, CancelFileSchema, decodeHex, type HookEvent, HookEventSchema, RequestFileSchema } from './messages';

// The host's end of a bottle's control channel (docs/control-channel.md). It looks at the channel
// folder when told something changed and every quarter second besides, takes each file the bottle
// dropped there — regular files only, never through a link, size-capped, schema-checked — and
// removes it. A request is moved to the host-only `pending` folder, where it survives this process:
// a request made while no app runs is handled by the next one that attaches. Anything malformed is
// removed unread, and said once in `onRejected`.

export type Decision = 'granted' | 'denied';

export interface ChannelHandlers {
  onRequest?(request: CapabilityRequest): void;
  /** The helper stopped waiting (its timeout) before an answer came. */
  onCancel?(id: string): void;
  onHook?(event: HookEvent): void;
  /** A decision made in another process (`claude-bottle grant|deny`), for this owner to apply. */
  onDecision?(id: string, decision: Decision): void;
  /** A file the bottle wrote that was not a valid message, in words for the log. */
  onRejected?(why: string): void;
}

export class ControlChannel implements Disposable {
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private scanning: Promise<void> | undefined;
  private again = false;
  private disposed = false;

  constructor(
    private readonly folders: ChannelFolders,
    private readonly handlers: ChannelHandlers,
  ) {}

  /** Starts looking; pending requests left by an earlier owner are reported first. */
  async start(): Promise<void> {
    for (const request of await readPending(this.folders)) this.handlers.onRequest?.(request);
    try {
      this.watcher = watch(this.folders.channel, { persistent: false }, () => this.poke());
      this.watcher.on('error', () => undefined);
    } catch {
      // Watching is a hint only: the poll below finds everything anyway.
    }
    const tick = (): void => {
      this.timer = setTimeout(() => {
        this.poke();
        if (!this.disposed) tick();
      }, CHANNEL_LIMITS.pollMs);
      this.timer.unref?.();
    };
    tick();
    this.poke();
  }

  /** Looks at the folders now (once more after the look in progress, if one is). */
  poke(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.scanning) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = this.scan()
      .catch((error: unknown) => this.handlers.onRejected?.(`the control channel could not be read: ${(error as Error).message}`))
      .finally(() => {
        this.scanning = undefined;
        if (this.again && !this.disposed) {
          this.again = false;
          void this.poke();
        }
      });
    return this.scanning;
  }

  /** Answers a request: the helper in the bottle prints `message` and exits 0 (granted) or 1. */
  async answer(id: string, decision: Decision, message: string): Promise<void> {
    await answerRequest(this.folders, id, decision, message);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  private async scan(): Promise<void> {
    const names = (await fs.readdir(this.folders.channel).catch(() => [] as string[])).filter((name) => !name.startsWith('.')).sort();
    for (const name of names.slice(0, CHANNEL_LIMITS.maxFilesPerScan)) {
      if (this.disposed) return;
      await this.take(name);
    }
    if (names.length > CHANNEL_LIMITS.maxFilesPerScan) this.again = true;
    for (const name of (await fs.readdir(this.folders.decisions).catch(() => [] as string[])).slice(0, CHANNEL_LIMITS.maxFilesPerScan)) {
      const file = join(this.folders.decisions, name);
      const decision = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
      await fs.rm(file, { force: true });
      const id = name.replace(/\.txt$/, '');
      if (REQUEST_ID.test(id) && (decision === 'granted' || decision === 'denied')) this.handlers.onDecision?.(id, decision);
    }
  }

  private async take(name: string): Promise<void> {
    const file = join(this.folders.channel, name);
    const match = CHANNEL_FILE.exec(name);
    let text: string | undefined;
    try {
      if (match) text = (await readRegularFile(file, { maxBytes: CHANNEL_LIMITS.maxFileBytes })).toString('utf8');
    } catch (error) {
      this.handlers.onRejected?.(`${name}: ${(error as Error).message}`);
    }
    // Removed whatever it was: a link goes, not what it points to; a folder is left alone.
    await fs.rm(file, { force: false }).catch(() => undefined);
    if (text === undefined) {
      if (!match) this.handlers.onRejected?.(`${name}: not a name the control channel uses`);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.handlers.onRejected?.(`${name}: not JSON`);
      return;
    }
    if (match?.[1] === 'request') return this.takeRequest(name, json);
    const cancel = CancelFileSchema.safeParse(json);
    if (cancel.success) {
      await fs.rm(join(this.folders.pending, `${cancel.data.id}.json`), { force: true });
      this.handlers.onCancel?.(cancel.data.id);
      return;
    }
    const hook = HookEventSchema.safeParse(json);
    if (!hook.success) {
      this.handlers.onRejected?.(`${name}: not a hook event`);
      return;
    }
    this.handlers.onHook?.({
      event: hook.data.hook_event_name,
      ...(hook.data.notification_type !== undefined ? { notificationType: hook.data.notification_type } : {}),
      ...(hook.data.message !== undefined ? { message: hook.data.message } : {}),
      at: new Date().toISOString(),
    });
  }

  private async takeRequest(name: string, json: unknown): Promise<void> {
    const parsed = RequestFileSchema.safeParse(json);
    if (!parsed.success) {
      this.handlers.onRejected?.(`${name}: not a capability request`);
      return;
    }
    const pending = await readPending(this.folders);
    if (pending.length >= CHANNEL_LIMITS.maxPending) {
      await answerRequest(this.folders, parsed.data.id, 'denied', `bottle-request: too many requests are waiting (${CHANNEL_LIMITS.maxPending}); wait for an answer first`);
      return;
    }
    const now = Date.now();
    const request: CapabilityRequest = {
      id: parsed.data.id,
      capability: decodeHex(parsed.data.capabilityHex),
      reason: decodeHex(parsed.data.reasonHex),
      at: new Date(now).toISOString(),
      expiresAt: new Date(now + parsed.data.timeoutSeconds * 1000).toISOString(),
    };
    await writeFileReplacing(join(this.folders.pending, `${request.id}.json`), `${JSON.stringify(request)}\n`);
    this.handlers.onRequest?.(request);
  }
}

/** Creates the folders; the channel itself is the bottle's to write (its owner is set by the launcher). */
export async function createChannelFolders(folders: ChannelFolders): Promise<void> {
  for (const dir of [folders.channel, folders.answers, folders.bin, folders.pending, folders.decisions]) await fs.mkdir(dir, { recursive: true, mode: 0o755 });
}

/** The requests waiting for a decision, oldest first (host-only files; `ps` reads them too). */
export async function readPending(folders: ChannelFolders): Promise<CapabilityRequest[]> {
  const requests: CapabilityRequest[] = [];
  for (const name of (await fs.readdir(folders.pending).catch(() => [] as string[])).filter((entry) => entry.endsWith('.json')).slice(0, CHANNEL_LIMITS.maxPending * 2)) {
    try {
      const parsed = CapabilityRequestSchema.safeParse(JSON.parse((await readRegularFile(join(folders.pending, name), { maxBytes: CHANNEL_LIMITS.maxFileBytes })).toString('utf8')));
      if (parsed.success) requests.push(parsed.data);
    } catch {
      // A pending file that cannot be read is skipped; its request times out in the bottle.
    }
  }
  return requests.sort((a, b) => a.at.localeCompare(b.at));
}

export async function answerRequest(folders: ChannelFolders, id: string, decision: Decision, message: string): Promise<void> {
  if (!REQUEST_ID.test(id)) throw new Error(`not a request id: ${id}`);
  // Read by the bottle's user, whoever that is: the folder is mounted read-only.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  await writeFileReplacing(join(folders.answers, id), `${decision}\n${message.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')}\n`, { mode: 0o644 });
  await fs.rm(join(folders.pending, `${id}.json`), { force: true });
}

/** A decision made in another process, for the bottle's owner to apply. */
export async function writeDecision(folders: ChannelFolders, id: string, decision: Decision): Promise<void> {
  if (!REQUEST_ID.test(id)) throw new Error(`not a request id: ${id}`);
  await writeFileReplacing(join(folders.decisions, `${id}.txt`), `${decision}\n`);
}
