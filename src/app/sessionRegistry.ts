import { BottleError } from '../core/errors';
import { TERMINAL_FLOW } from './constants';
import { type PtyLike, type TerminalFlowLimits, type TerminalSize, TerminalStream } from './terminalStream';

/**
 * The terminals of the bottles this process shows, by slug. Each one batches, flow-controls and
 * mirrors its screen (TerminalStream); the registry routes the window's input, resizes and acks
 * to the right one and disposes them. A terminal whose session ended keeps its last screen for a
 * replay until it is removed.
 */
export class SessionRegistry {
  private readonly streams = new Map<string, TerminalStream>();

  constructor(
    /** Delivers a batch of one bottle's output to the window(s). */
    private readonly send: (slug: string, data: string) => void,
    private readonly limits: TerminalFlowLimits = TERMINAL_FLOW,
  ) {}

  /** `size` is the pty's size now: the screen mirror starts there. */
  add(slug: string, pty: PtyLike, size?: TerminalSize): TerminalStream {
    this.remove(slug);
    const stream = new TerminalStream(pty, (data) => this.send(slug, data), this.limits, size);
    this.streams.set(slug, stream);
    return stream;
  }

  has(slug: string): boolean {
    return this.streams.has(slug);
  }

  get(slug: string): TerminalStream {
    const stream = this.streams.get(slug);
    if (!stream) throw new BottleError('not-found', `no terminal for bottle "${slug}" in this app`, 'a bottle started elsewhere can be re-attached from the Running list');
    return stream;
  }

  attach(slug: string): string {
    return this.get(slug).attach();
  }

  input(slug: string, data: string): void {
    this.get(slug).write(data);
  }

  resize(slug: string, cols: number, rows: number): void {
    this.get(slug).resize(cols, rows);
  }

  acknowledge(slug: string, chars: number): void {
    this.streams.get(slug)?.acknowledge(chars);
  }

  /** The window went away (closed, reloading, last browser tab gone): run every session unthrottled. */
  detachAll(): void {
    for (const stream of this.streams.values()) stream.detach();
  }

  /** The session ended: stop listening, free the mirror, keep its last screen. */
  end(slug: string): void {
    this.streams.get(slug)?.dispose();
  }

  remove(slug: string): void {
    this.streams.get(slug)?.dispose();
    this.streams.delete(slug);
  }

  dispose(): void {
    for (const stream of this.streams.values()) stream.dispose();
    this.streams.clear();
  }
}
