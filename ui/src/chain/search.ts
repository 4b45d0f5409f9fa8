/**
 * What a search text names: a height, a 64-hex hash (a block's or a transaction's), or an
 * address. Anything else is refused with a reason a person can act on; no text makes it throw.
 */

export type SearchTarget =
  | { kind: 'height'; height: number }
  /** Upper-case hex without 0x, as CometBFT writes hashes. */
  | { kind: 'hash'; hash: string }
  /** 0x and lower-case hex, as cmt writes addresses. */
  | { kind: 'address'; address: string }
  | { kind: 'refused'; reason: string };

/** Longer text is no height, hash or address: refused before any pattern looks at it. */
export const MAX_SEARCH_LENGTH = 100;

const HEX = /^[0-9a-fA-F]+$/;

export function classifySearch(text: string): SearchTarget {
  const t = text.trim();
  if (t === '') return { kind: 'refused', reason: 'Type a block height, a block or transaction hash, or an address.' };
  if (t.length > MAX_SEARCH_LENGTH) return { kind: 'refused', reason: `That is ${t.length} characters: no height, hash or address is that long.` };
  if (/^[0-9]+$/.test(t)) return height(t);
  const hex = /^0[xX]/.test(t) ? t.slice(2) : t;
  if (hex !== '' && HEX.test(hex)) {
    if (hex.length === 64) return { kind: 'hash', hash: hex.toUpperCase() };
    if (hex.length === 40) return { kind: 'address', address: `0x${hex.toLowerCase()}` };
    return { kind: 'refused', reason: `"${short(t)}" has ${hex.length} hex digits: a hash has 64, an address 40.` };
  }
  return { kind: 'refused', reason: `"${short(t)}" is not a height, a 64-hex hash or a 0x address.` };
}

function height(digits: string): SearchTarget {
  // A height the page could not pass on exactly (past 2^53) is no block this chain will reach.
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) return { kind: 'refused', reason: `Height ${short(digits)} is too large.` };
  if (n === 0) return { kind: 'refused', reason: 'Heights start at 1.' };
  return { kind: 'height', height: n };
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
