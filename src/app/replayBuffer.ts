import { TERMINAL_FLOW } from './constants';

/**
 * The last `maxChars` characters a terminal printed, for a window that re-attaches after a reload.
 * Memory is bounded however long the process prints; the cut never splits a UTF-16 surrogate pair
 * (an emoji), so the replay is always valid text.
 */
export class ReplayBuffer {
  private pieces: string[] = [];
  private total = 0;

  constructor(
    readonly maxChars: number = TERMINAL_FLOW.replayMaxChars,
    private readonly compactPieces: number = TERMINAL_FLOW.replayCompactPieces,
  ) {}

  get length(): number {
    return this.total;
  }

  append(data: string): void {
    if (data.length === 0) return;
    this.pieces.push(data);
    this.total += data.length;
    this.trim();
    if (this.pieces.length > this.compactPieces) this.pieces = [this.pieces.join('')];
  }

  text(): string {
    if (this.pieces.length > 1) this.pieces = [this.pieces.join('')];
    return this.pieces[0] ?? '';
  }

  clear(): void {
    this.pieces = [];
    this.total = 0;
  }

  private trim(): void {
    while (this.total > this.maxChars) {
      const first = this.pieces[0] as string;
      const excess = this.total - this.maxChars;
      if (first.length <= excess) {
        this.pieces.shift();
        this.total -= first.length;
        continue;
      }
      const kept = cutOnCharBoundary(first, excess);
      this.total -= first.length - kept.length;
      this.pieces[0] = kept;
    }
  }
}

/** `text` without its first `count` characters, dropping one more if the cut would split a surrogate pair. */
export function cutOnCharBoundary(text: string, count: number): string {
  let start = count;
  const code = text.charCodeAt(start);
  if (code >= 0xdc00 && code <= 0xdfff) start += 1; // a low surrogate: its high half was cut
  return text.slice(start);
}
