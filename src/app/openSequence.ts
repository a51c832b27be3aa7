/**
 * The escape sequence a stream of terminal output has started and not finished, as text.
 *
 * Output arrives in chunks cut anywhere: a chunk can end with `ESC [` and the next begin with
 * `0m`. A terminal parser carries that half sequence in its state, which no serializer writes
 * out; a window that joins between the two chunks must be handed the half too, or it prints `0m`
 * as text and loses the colour that followed. This follows the same states as the VT parser
 * xterm implements (ground, escape, CSI, the string sequences OSC/DCS/SOS/PM/APC), only far enough
 * to know where an open sequence began. A lone high surrogate at the end of a chunk is held the
 * same way: the parser waits for its other half.
 */
export class OpenSequence {
  private state: State = State.Ground;
  private open = '';

  /** The text from the start of the unfinished sequence to the end of what was fed: '' when none. */
  get tail(): string {
    return this.open;
  }

  /**
   * Follow one chunk, in the order the terminal parsed it. This sees all output (a flood too), so
   * it skips what cannot matter: ESC starts a sequence whatever the state, so nothing before the
   * chunk's last ESC decides what is open at its end; and in plain text after it only an 8-bit
   * control can start one.
   */
  feed(chunk: string): void {
    let start = this.state === State.Ground ? -1 : 0; // where, in this chunk, the open sequence began
    if (start === -1) this.open = '';
    const lastEscape = chunk.lastIndexOf('\x1b');
    for (let i = Math.max(lastEscape, 0); i < chunk.length; i += 1) {
      if (this.state === State.Ground && i > lastEscape) {
        EIGHT_BIT_CONTROL.lastIndex = i;
        const found = EIGHT_BIT_CONTROL.exec(chunk);
        if (!found) break;
        i = found.index;
      }
      const code = chunk.charCodeAt(i);
      const before = this.state;
      this.state = next(before, code);
      if (this.state === State.Ground) {
        start = -1;
        this.open = '';
      } else if (before === State.Ground || startsSequence(before, code)) {
        start = i; // ESC (or an 8-bit introducer) starts a new sequence even inside another
        this.open = '';
      }
    }
    if (start >= 0) this.open += chunk.slice(start);
    else if (isHighSurrogate(chunk.charCodeAt(chunk.length - 1))) this.open = chunk.slice(-1);
  }
}

const enum State {
  Ground,
  Escape,
  EscapeIntermediate,
  Csi,
  String,
}

const ESC = 0x1b;
const CAN = 0x18;
const SUB = 0x1a;
const BEL = 0x07;
const ST = 0x9c;
/** The decoded U+0080–U+009F: outside a string sequence each one acts as ESC plus a letter. */
const EIGHT_BIT_CONTROL = /[\x80-\x9f]/g;

function next(state: State, code: number): State {
  if (code === ESC) return State.Escape;
  if (code === CAN || code === SUB) return State.Ground; // both abort any sequence
  if (code >= 0x80 && code <= 0x9f && state !== State.String) return c1(code);
  switch (state) {
    case State.Ground:
      return State.Ground;
    case State.Escape:
      if (code < 0x20) return State.Escape; // C0 controls run inside a sequence without ending it
      if (code <= 0x2f) return State.EscapeIntermediate;
      if (code === 0x5b) return State.Csi; // [
      if (code === 0x5d || code === 0x50 || code === 0x58 || code === 0x5e || code === 0x5f) return State.String; // ] P X ^ _
      return State.Ground;
    case State.EscapeIntermediate:
      return code >= 0x30 && code <= 0x7e ? State.Ground : State.EscapeIntermediate;
    case State.Csi:
      return code >= 0x40 && code <= 0x7e ? State.Ground : State.Csi;
    case State.String:
      return code === BEL || code === ST ? State.Ground : State.String;
  }
}

/** An 8-bit control (the decoded U+0080–U+009F), which the parser treats as ESC plus a letter. */
function c1(code: number): State {
  if (code === 0x9b) return State.Csi;
  if (code === 0x9d || code === 0x90 || code === 0x98 || code === 0x9e || code === 0x9f) return State.String;
  return State.Ground;
}

function startsSequence(state: State, code: number): boolean {
  return code === ESC || (code >= 0x80 && code <= 0x9f && state !== State.String);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
