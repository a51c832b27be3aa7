// Text that came from a manifest or a bottle, shown to a person. A control character could clear
// the screen and draw a harmless-looking plan over the real one; a newline could add a fake row; a
// bidi override could reverse what is read. Every such character is shown as an escape instead, in
// the CLI and the window alike, and an absurdly long value is cut with a count. See docs/security.md.

/** C0 and C1 controls, DEL, and the invisible format characters that reorder or hide text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

export const UNTRUSTED_LIMITS = {
  /** Longer values are cut: no plan needs a 16 KiB env value on screen to be understood. */
  maxChars: 1000,
} as const;

export function showUntrusted(text: string, maxChars: number = UNTRUSTED_LIMITS.maxChars): string {
  const cut = text.length > maxChars ? text.slice(0, maxChars) : text;
  const shown = cut.replace(UNSAFE, (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > maxChars ? `${shown}… (${text.length - maxChars} more characters)` : shown;
}

// JSON.stringify escapes C0 controls but leaves DEL, C1 controls and the format characters raw.
const RAW_IN_JSON = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** JSON for a terminal (`--json`): the same data, with nothing in it that a terminal would act on. */
export function untrustedJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(RAW_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Whether the text would be changed by `showUntrusted` (it holds something invisible or moving). */
export function hasUnsafeCharacters(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text);
}
