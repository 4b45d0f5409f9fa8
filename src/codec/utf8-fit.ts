/**
 * Fitting text into a byte limit. Every limit on text the chain stores counts UTF-8 bytes,
 * while a JavaScript string counts UTF-16 units and may hold lone surrogates, which UTF-8
 * cannot carry; text the app makes from what a contract or a sender chose goes through here
 * where it is made (spec/hostile-input.md, "Contract results and receipts").
 */

/** Ends text that was cut, so a reader knows it is not whole. */
export const CUT_MARK = '…';
const CUT_MARK_BYTES = 3;

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is content, not a marker to drop.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** How many bytes `text` takes in UTF-8 (a lone surrogate: 3, as the U+FFFD it becomes). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** `text` with each lone surrogate replaced by U+FFFD: what encoding it as UTF-8 keeps. */
export function wellFormed(text: string): string {
  const t = text as string & WellFormedString;
  return t.isWellFormed() ? text : t.toWellFormed();
}

/** The longest well-formed prefix of `text` that fits `room` bytes of UTF-8, never half a character. */
function prefixFitting(text: string, room: number): { prefix: string; whole: boolean } {
  const buffer = new Uint8Array(room);
  const { read, written } = encoder.encodeInto(text, buffer);
  return { prefix: decoder.decode(buffer.subarray(0, written)), whole: read === text.length };
}

/**
 * `text` as UTF-8 carries it, in at most `maxBytes` bytes: whole (lone surrogates as U+FFFD)
 * if it fits, else cut at a character boundary and ended with '…'. Work is bounded by
 * `maxBytes`, not by the length of `text`.
 */
export function fitUtf8(text: string, maxBytes: number): string {
  // Each UTF-16 unit takes at most 3 bytes: short text fits without being measured.
  if (text.length * 3 <= maxBytes) return wellFormed(text);
  const all = prefixFitting(text, maxBytes);
  if (all.whole) return all.prefix;
  if (maxBytes < CUT_MARK_BYTES) return all.prefix;
  return prefixFitting(text, maxBytes - CUT_MARK_BYTES).prefix + CUT_MARK;
}
