import type { CapabilityRequest } from '../core/channel/messages';
import type { RunningBottle } from '../core/launcher';
import { type Disposable, DisposableStore } from '../core/lifecycle/disposable';
import { requestableLines } from '../core/plan/preflight';
import { showUntrusted } from '../core/text/untrusted';

// A bottle attached to this terminal (`claude-bottle start`) asks for a capability: the question
// is asked here, over Claude's screen, with Claude's output held back meanwhile (its session is
// paused, so nothing is lost), and Claude redraws once it is answered. The same request can be
// answered from another terminal (`claude-bottle grant|deny`). See docs/control-channel.md.

export type Decide = (request: CapabilityRequest, decision: 'grant' | 'deny') => void;

export class TerminalRequestPrompt implements Disposable {
  private readonly held = new DisposableStore();
  private readonly queue: CapabilityRequest[] = [];
  private asking: CapabilityRequest | undefined;

  constructor(
    private readonly running: RunningBottle,
    private readonly decide: Decide,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {
    for (const request of running.channel.pending) this.enqueue(request);
    this.held.add(running.channel.onRequest((request) => this.enqueue(request)));
    this.held.add(
      running.channel.onSettled((id) => {
        const index = this.queue.findIndex((request) => request.id === id);
        if (index >= 0) this.queue.splice(index, 1);
        if (this.asking?.id === id) this.finishAsking();
      }),
    );
    this.held.add(
      running.channel.onDecision((id, decision) => {
        const request = running.channel.pending.find((candidate) => candidate.id === id);
        if (request) this.decide(request, decision === 'granted' ? 'grant' : 'deny');
      }),
    );
  }

  /** Keystrokes while a question is open answer it; returns whether this one was taken. */
  intercept(chunk: string): boolean {
    const request = this.asking;
    if (!request) return false;
    const key = chunk.trim().toLowerCase();
    if (key === 'y') this.answer(request, 'grant');
    else if (key === 'n' || chunk === '\r' || chunk === '\x1b') this.answer(request, 'deny');
    return true;
  }

  dispose(): void {
    this.held.dispose();
    if (this.asking) this.running.session.resume();
    this.asking = undefined;
  }

  private enqueue(request: CapabilityRequest): void {
    if (this.queue.some((queued) => queued.id === request.id)) return;
    this.queue.push(request);
    if (!this.asking) this.askNext();
  }

  private askNext(): void {
    const request = this.queue[0];
    if (!request) return;
    this.asking = request;
    this.running.session.pause();
    const capability = this.running.plan.requestable.find((candidate) => candidate.name === request.capability);
    const lines = [
      '',
      `\x1b[0m\x1b[7m claude-bottle \x1b[27m ${showUntrusted(this.running.plan.agent, 63)} asks for "${showUntrusted(request.capability, 100)}":`,
      `  ${showUntrusted(request.reason, 500)}`,
      ...(capability ? requestableLines(capability).slice(1).map((line) => `  ${line.text}`) : ['  (not a capability of this agent)']),
      `  (or from another terminal: claude-bottle grant|deny ${this.running.plan.slug} ${showUntrusted(request.capability, 100)})`,
      capability ? '  Grant it? The bottle restarts with it; the conversation goes on. [y/N] ' : '  Press Enter to deny. ',
    ];
    this.out.write(lines.join('\r\n'));
  }

  private answer(request: CapabilityRequest, decision: 'grant' | 'deny'): void {
    this.out.write(decision === 'grant' ? 'granted\r\n' : 'denied\r\n');
    this.decide(request, decision);
  }

  private finishAsking(): void {
    this.asking = undefined;
    this.running.session.resume();
    // Claude's screen was written over: have it draw itself again.
    this.running.session.redraw?.();
    this.askNext();
  }
}
