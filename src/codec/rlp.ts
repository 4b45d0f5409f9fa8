/**
 * Canonical RLP, hand-written: every wire and storage type goes through here, so it is on the
 * hot path of everything. The bytes are those of `@ethereumjs/rlp` (which it replaced; the
 * differential test in test/codec/rlp-fast.test.ts keeps them so), and decoding accepts exactly
 * what that library plus a round-trip check, a trailing-byte check and a nesting bound accepted.
 */
import { asView } from './bytes.js';
import { DecodeError, EncodeError } from './errors.js';

/** A decoded RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | RlpItem[];

/**
 * How deep RLP lists may nest. Every wire type of this project nests fewer than a dozen
 * levels. The decoder recurses once per list level and refuses a list before descending past
 * this bound, so the outcome of decoding deep input never depends on the calling thread's
 * stack (a worker's is smaller or larger than the main thread's) and no RangeError escapes.
 */
export const MAX_RLP_DEPTH = 32;

// ---------------------------------------------------------------------------------------------
// Encoding: one pass measures the whole tree (recording each list's payload size in pre-order),
// then one buffer of exactly that size is allocated and written front to back. No per-level
// concatenation, no intermediate arrays.

/** Bytes needed to write `length` big-endian without leading zeros (length >= 56 here). */
function lengthOfLength(length: number): number {
  if (length < 0x100) return 1;
  if (length < 0x10000) return 2;
  if (length < 0x1000000) return 3;
  if (length < 0x100000000) return 4;
  let n = 0;
  for (let v = length; v > 0; v = Math.floor(v / 256)) n++;
  return n;
}

function headerSize(payloadLength: number): number {
  return payloadLength < 56 ? 1 : 1 + lengthOfLength(payloadLength);
}

/** The encoded size of `item`; pushes every list's payload size onto `listSizes` in pre-order. */
function measure(item: RlpItem, listSizes: number[]): number {
  if (item instanceof Uint8Array) {
    const n = item.length;
    if (n === 1 && (item[0] as number) < 0x80) return 1;
    return headerSize(n) + n;
  }
  if (!Array.isArray(item)) throw new EncodeError('an RLP item must be a byte string or a list');
  const slot = listSizes.length;
  listSizes.push(0);
  let payload = 0;
  for (let i = 0; i < item.length; i++) payload += measure(item[i] as RlpItem, listSizes);
  listSizes[slot] = payload;
  return headerSize(payload) + payload;
}

/** Where the encoder writes next, and which recorded list size comes next. */
interface Writer {
  out: Uint8Array;
  pos: number;
  list: number;
  listSizes: number[];
}

function writeHeader(w: Writer, payloadLength: number, shortBase: number): void {
  const out = w.out;
  if (payloadLength < 56) {
    out[w.pos++] = shortBase + payloadLength;
    return;
  }
  const n = lengthOfLength(payloadLength);
  out[w.pos] = shortBase + 55 + n;
  for (let i = n, v = payloadLength; i >= 1; i--, v = Math.floor(v / 256)) out[w.pos + i] = v % 256;
  w.pos += n + 1;
}

function write(w: Writer, item: RlpItem): void {
  if (item instanceof Uint8Array) {
    const n = item.length;
    if (n === 1 && (item[0] as number) < 0x80) {
      w.out[w.pos++] = item[0] as number;
      return;
    }
    writeHeader(w, n, 0x80);
    // A loop beats the native call for the short strings (integers, flags) that dominate.
    if (n <= 16) {
      const out = w.out;
      let p = w.pos;
      for (let i = 0; i < n; i++) out[p++] = item[i] as number;
    } else {
      w.out.set(item, w.pos);
    }
    w.pos += n;
    return;
  }
  const list = item as RlpItem[];
  writeHeader(w, w.listSizes[w.list++] as number, 0xc0);
  for (let i = 0; i < list.length; i++) write(w, list[i] as RlpItem);
}

export function rlpEncode(item: RlpItem): Uint8Array {
  const listSizes: number[] = [];
  const size = measure(item, listSizes);
  const w: Writer = { out: new Uint8Array(size), pos: 0, list: 0, listSizes };
  write(w, item);
  return w.out;
}

// ---------------------------------------------------------------------------------------------
// Decoding: one pass that refuses every non-canonical form where it meets it, so no re-encoding
// is needed to check canonical form.
//
// Byte strings are returned as copies (`slice` of a plain view), as @ethereumjs/rlp returned
// them: each owns its ArrayBuffer at offset 0. Callers keep decoded fields for long (a block's
// transactions in the mempool and stores, hashes and signatures in consensus state) and some
// inputs are views into larger or pooled buffers (LevelDB, node:crypto, network chunks); a view
// would pin that memory, would change if the buffer were reused, and would make `.buffer` the
// whole input. Copies keep the old contract at the cost of one small allocation per string:
// views into one copy of the input decoded a 1,000-transfer block about 5x faster here, but
// that is some 0.5 ms a block, little next to checking its signatures.

/** Where the decoder reads next. */
interface Reader {
  bytes: Uint8Array;
  pos: number;
}

function runsPast(): DecodeError {
  return new DecodeError('malformed RLP: an item runs past the end of its list or of the input');
}

/** The long-form length of `count` bytes at `at`, canonical (no leading zero, at least 56). */
function readLongLength(bytes: Uint8Array, at: number, count: number, limit: number): number {
  if (at + count > limit) throw runsPast();
  if (bytes[at] === 0) throw new DecodeError('non-canonical RLP encoding: leading zero in a length');
  let length = 0;
  // Up to 8 length bytes: past 2^53 the double is inexact, but then it is far past any input.
  for (let i = 0; i < count; i++) length = length * 256 + (bytes[at + i] as number);
  if (length < 56) throw new DecodeError('non-canonical RLP encoding: long-form length below 56');
  return length;
}

/** The item at `r.pos`, which must end by `limit`; `depth` counts the lists around it. */
function readItem(r: Reader, limit: number, depth: number): RlpItem {
  const bytes = r.bytes;
  const at = r.pos;
  const first = bytes[at] as number;
  if (first < 0x80) {
    r.pos = at + 1;
    return bytes.slice(at, at + 1);
  }
  if (first < 0xc0) {
    let start: number;
    let length: number;
    if (first < 0xb8) {
      start = at + 1;
      length = first - 0x80;
      if (start + length > limit) throw runsPast();
      if (length === 1 && (bytes[start] as number) < 0x80) {
        throw new DecodeError('non-canonical RLP encoding: a single byte below 0x80 must not be prefixed');
      }
    } else {
      const count = first - 0xb7;
      length = readLongLength(bytes, at + 1, count, limit);
      start = at + 1 + count;
      if (start + length > limit) throw runsPast();
    }
    r.pos = start + length;
    return bytes.slice(start, start + length);
  }
  if (depth >= MAX_RLP_DEPTH) throw new DecodeError(`RLP lists nest deeper than ${MAX_RLP_DEPTH} levels`);
  let start: number;
  let length: number;
  if (first < 0xf8) {
    start = at + 1;
    length = first - 0xc0;
  } else {
    const count = first - 0xf7;
    length = readLongLength(bytes, at + 1, count, limit);
    start = at + 1 + count;
  }
  const end = start + length;
  if (end > limit) throw runsPast();
  const items: RlpItem[] = [];
  r.pos = start;
  while (r.pos < end) items.push(readItem(r, end, depth + 1));
  return items;
}

/**
 * Decodes exactly one canonical RLP item that spans all of `bytes`: non-canonical length
 * prefixes, single bytes wrapped in a prefix, items running past their list or the input,
 * trailing bytes and lists nested deeper than MAX_RLP_DEPTH are refused with a DecodeError.
 */
export function rlpDecode(bytes: Uint8Array): RlpItem {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected bytes');
  if (bytes.length === 0) throw new DecodeError('empty input: expected one RLP item');
  // A plain view, so that `slice` copies into plain Uint8Arrays (Buffer#slice would give views).
  const r: Reader = { bytes: asView(bytes), pos: 0 };
  const item = readItem(r, bytes.length, 0);
  if (r.pos !== bytes.length) throw new DecodeError('trailing bytes after the RLP item');
  return item;
}

/**
 * Where the RLP item starting at `offset` of canonical `bytes` ends, and where its payload
 * starts, from its header alone. For slicing already-validated encodings (a transaction's body
 * is the first item of the transaction), never for checking untrusted ones.
 */
export function rlpItemBounds(bytes: Uint8Array, offset: number): { payloadStart: number; end: number } {
  const first = bytes[offset] as number;
  if (first < 0x80) return { payloadStart: offset, end: offset + 1 };
  const shortBase = first >= 0xc0 ? 0xc0 : 0x80;
  if (first <= shortBase + 55) return { payloadStart: offset + 1, end: offset + 1 + (first - shortBase) };
  const count = first - shortBase - 55;
  let length = 0;
  // Past the input's end the length reads as huge, so a caller's bound check refuses it.
  for (let i = 1; i <= count; i++) length = length * 256 + (bytes[offset + i] ?? 256);
  return { payloadStart: offset + 1 + count, end: offset + 1 + count + length };
}
