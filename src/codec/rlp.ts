import { RLP } from '@ethereumjs/rlp';
import { asView } from './bytes.js';
import { DecodeError } from './errors.js';

/** A decoded RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | RlpItem[];

export function rlpEncode(item: RlpItem): Uint8Array {
  return RLP.encode(item);
}

/**
 * How deep RLP lists may nest. Every wire type of this project nests fewer than a dozen
 * levels; the library decodes and encodes by recursion, so without a bound the outcome of
 * decoding deep input would depend on the calling thread's stack (a worker's is larger than
 * the main thread's) and a stack overflow could escape as a RangeError.
 */
export const MAX_RLP_DEPTH = 32;

/**
 * Decodes exactly one RLP item that spans all of `bytes`. The library rejects non-canonical
 * length prefixes and single bytes wrapped in a prefix; trailing bytes are rejected here too.
 */
export function rlpDecode(bytes: Uint8Array): RlpItem {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected bytes');
  if (bytes.length === 0) throw new DecodeError('empty input: expected one RLP item');
  checkNesting(bytes);
  let item: RlpItem;
  try {
    // Decode from a plain view so the decoded byte strings are plain Uint8Arrays too.
    item = RLP.decode(asView(bytes), false) as RlpItem;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (/remainder/i.test(reason)) throw new DecodeError('trailing bytes after the RLP item');
    throw new DecodeError(`malformed RLP: ${reason}`);
  }
  // Round-trip check: anything that does not re-encode to the same bytes is not canonical.
  const again = RLP.encode(item);
  if (again.length !== bytes.length || !Buffer.from(again).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))) {
    throw new DecodeError('non-canonical RLP encoding');
  }
  return item;
}

interface Header {
  payloadStart: number;
  end: number;
  list: boolean;
}

/** The header of the item at `offset`; `end` may lie past the input (the caller checks). */
function header(bytes: Uint8Array, offset: number): Header {
  const first = bytes[offset] as number;
  if (first < 0x80) return { payloadStart: offset, end: offset + 1, list: false };
  const list = first >= 0xc0;
  const shortBase = list ? 0xc0 : 0x80;
  if (first <= shortBase + 55) return { payloadStart: offset + 1, end: offset + 1 + (first - shortBase), list };
  const lengthOfLength = first - shortBase - 55;
  let length = 0;
  // Past the input's end the length reads as huge, so the item is refused as running past it.
  for (let i = 1; i <= lengthOfLength; i++) length = length * 256 + (bytes[offset + i] ?? 256);
  return { payloadStart: offset + 1 + lengthOfLength, end: offset + 1 + lengthOfLength + length, list };
}

/** Walks the headers without recursion: lists deeper than MAX_RLP_DEPTH, or items running past their list, are refused. */
function checkNesting(bytes: Uint8Array): void {
  const ends: number[] = [bytes.length];
  let at = 0;
  while (at < bytes.length) {
    const h = header(bytes, at);
    if (h.end > (ends[ends.length - 1] as number)) throw new DecodeError('malformed RLP: an item runs past the end of its list or of the input');
    if (h.list) {
      if (ends.length > MAX_RLP_DEPTH) throw new DecodeError(`RLP lists nest deeper than ${MAX_RLP_DEPTH} levels`);
      ends.push(h.end);
      at = h.payloadStart;
    } else {
      at = h.end;
    }
    while (ends.length > 1 && at === ends[ends.length - 1]) ends.pop();
  }
}

/**
 * Where the RLP item starting at `offset` of canonical `bytes` ends, and where its payload
 * starts, from its header alone. For slicing already-validated encodings (a transaction's body
 * is the first item of the transaction), never for checking untrusted ones.
 */
export function rlpItemBounds(bytes: Uint8Array, offset: number): { payloadStart: number; end: number } {
  const { payloadStart, end } = header(bytes, offset);
  return { payloadStart, end };
}
