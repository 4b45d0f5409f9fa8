/**
 * The event index: what tx_search and block_search find by equality (spec/rpc-search.md).
 * One LevelDB key per (composite key, value, place), with an empty value:
 *
 *   X · esc(type.key) · 00 00 · esc(value) · END · height(8) · tx index(4)    a transaction's event attribute
 *   Y · esc(type.key) · 00 00 · esc(value) · END · height(8)                  a block's finalize-block attribute
 *
 * esc() writes each 00 byte as 00 01, so 00 00 and END (00 00 for a whole value, 00 02 for a
 * value cut to its first MAX_INDEXED_VALUE_BYTES bytes) never occur inside a key or a value:
 * no value can reach into another key's entries, and `key = 'value'` is one prefix whose
 * entries are ordered by height, then index. Heights and tx hashes are not in this index:
 * results (R|height) are height-ordered already, and the tx table (T|hash) finds a hash.
 *
 * Entries are made from results as the block store stores them (type, key and counts clamped
 * as the codec clamps them), so pruning can make the same keys again from the stored results.
 */
import { readU64be } from '../codec/bytes.js';
import { RESULT_LIMITS, type AppEvent, type TxResult } from '../codec/results.js';
import { fitUtf8 } from '../codec/utf8-fit.js';
import { addTag, wellFormed, type EventTags } from '../rpc/event-query.js';
import type { BlockResults } from './records.js';

/** Bytes of a value that go into its key; a longer value is indexed under this prefix and checked whole when found. */
export const MAX_INDEXED_VALUE_BYTES = 256;
/** BlockResults.events keeps at most this many block events (records.ts). */
const BLOCK_EVENTS_STORED = 10_000;

export type IndexFamily = 'tx' | 'block';

const FAMILY_BYTE: Record<IndexFamily, number> = { tx: 0x58 /* X */, block: 0x59 /* Y */ };
/** After a value: 00 00 when whole, 00 02 when cut to MAX_INDEXED_VALUE_BYTES. */
const WHOLE_VALUE_END = 0;
const CUT_VALUE_END = 2;

/** Keys a transaction's or block's own events cannot take: the node sets them (CometBFT refuses them too). */
export const RESERVED_KEYS: Record<IndexFamily, ReadonlySet<string>> = {
  tx: new Set(['tm.event', 'tx.hash', 'tx.height']),
  block: new Set(['tm.event', 'block.height']),
};

/** The key an index family's heights are searched by. */
export const HEIGHT_KEY: Record<IndexFamily, string> = { tx: 'tx.height', block: 'block.height' };

function zerosIn(bytes: Uint8Array): number {
  let zeros = 0;
  for (let i = bytes.indexOf(0); i >= 0; i = bytes.indexOf(0, i + 1)) zeros++;
  return zeros;
}

/** Writes `bytes` at `at` with each 00 byte as 00 01 (ordering among escaped strings is kept); returns the end. */
function writeEscaped(out: Uint8Array, at: number, bytes: Uint8Array, zeros: number): number {
  if (zeros === 0) {
    out.set(bytes, at);
    return at + bytes.length;
  }
  let j = at;
  for (const b of bytes) {
    out[j++] = b;
    if (b === 0) out[j++] = 1;
  }
  return j;
}

/** A composite key escaped and ended (esc(key) · 00 00), ready to be copied into entries. */
function keyPart(key: string): Uint8Array {
  const bytes = Buffer.from(key, 'utf8');
  const zeros = zerosIn(bytes);
  const out = new Uint8Array(bytes.length + zeros + 2);
  writeEscaped(out, 0, bytes, zeros);
  return out;
}

/**
 * family · keyPart · esc(value or its first MAX_INDEXED_VALUE_BYTES) · END, and `tail` bytes
 * left for the place (height, index). Built in one allocation: a block may make tens of
 * thousands of entries, and it is made while the block is applied.
 */
function entry(family: IndexFamily, key: Uint8Array, value: string, tail: number): { out: Uint8Array; at: number } {
  const start = 1 + key.length;
  const length = Buffer.byteLength(value, 'utf8');
  if (length <= MAX_INDEXED_VALUE_BYTES) {
    // The common case, a short value without 00 bytes: UTF-8 written in place, from Node's pool.
    const out = Buffer.allocUnsafe(start + length + 2 + tail);
    out.write(value, start, 'utf8');
    let clean = true;
    for (let i = start; i < start + length; i++) if (out[i] === 0) clean = false;
    if (clean) {
      out[0] = FAMILY_BYTE[family];
      out.set(key, 1);
      out[start + length] = 0;
      out[start + length + 1] = WHOLE_VALUE_END;
      return { out, at: start + length + 2 };
    }
  }
  const raw = Buffer.from(value, 'utf8');
  const whole = raw.length <= MAX_INDEXED_VALUE_BYTES;
  const bytes = whole ? raw : raw.subarray(0, MAX_INDEXED_VALUE_BYTES);
  const zeros = zerosIn(bytes);
  const out = new Uint8Array(start + bytes.length + zeros + 2 + tail);
  out[0] = FAMILY_BYTE[family];
  out.set(key, 1);
  let at = writeEscaped(out, start, bytes, zeros);
  out[at++] = 0;
  out[at++] = whole ? WHOLE_VALUE_END : CUT_VALUE_END;
  return { out, at };
}

/** Writes a height as 8 bytes big-endian (a safe integer). */
function writeHeight(out: Uint8Array, at: number, height: number): void {
  const high = Math.floor(height / 2 ** 32);
  const low = height >>> 0;
  out[at] = high >>> 24;
  out[at + 1] = (high >>> 16) & 0xff;
  out[at + 2] = (high >>> 8) & 0xff;
  out[at + 3] = high & 0xff;
  out[at + 4] = low >>> 24;
  out[at + 5] = (low >>> 16) & 0xff;
  out[at + 6] = (low >>> 8) & 0xff;
  out[at + 7] = low & 0xff;
}

/** Whether a value is indexed whole (so an entry found for it is a match, not only a candidate). */
export function indexedWhole(value: string): boolean {
  return value.length * 3 <= MAX_INDEXED_VALUE_BYTES || Buffer.byteLength(value, 'utf8') <= MAX_INDEXED_VALUE_BYTES;
}

/** The prefix of every entry of `key = value` in a family, ordered by height (then index). */
export function termPrefix(family: IndexFamily, key: string, value: string): Uint8Array {
  return entry(family, keyPart(key), value, 0).out;
}

function txEntryKey(key: Uint8Array, value: string, height: number, index: number): Uint8Array {
  const { out, at } = entry('tx', key, value, 12);
  writeHeight(out, at, height);
  out[at + 8] = index >>> 24;
  out[at + 9] = (index >>> 16) & 0xff;
  out[at + 10] = (index >>> 8) & 0xff;
  out[at + 11] = index & 0xff;
  return out;
}

function blockEntryKey(key: Uint8Array, value: string, height: number): Uint8Array {
  const { out, at } = entry('block', key, value, 8);
  writeHeight(out, at, height);
  return out;
}

/** Where an entry of a family points: its height, and for a transaction its index in the block. */
export function entryPlace(family: IndexFamily, entry: Uint8Array): { height: number; index: number } {
  if (family === 'block') return { height: readU64be(entry, entry.length - 8), index: 0 };
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  return { height: readU64be(entry, entry.length - 12), index: view.getUint32(entry.length - 4) };
}

/** The first key of entries under `prefix` at `height` or above (an upper bound for those below it). */
export function heightBound(prefix: Uint8Array, height: number): Uint8Array {
  const out = new Uint8Array(prefix.length + 8);
  out.set(prefix);
  writeHeight(out, prefix.length, height);
  return out;
}

/** Text as the codec stores it in at most `maxBytes` (clampedText). */
function stored(text: string, maxBytes: number): string {
  return text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes ? text : fitUtf8(text, maxBytes);
}

/**
 * The (composite key, value) pairs of events that are indexed and that searches see: events
 * with a type, attributes with a key, none of the family's reserved keys; clamped as stored,
 * values well-formed (a lone surrogate is U+FFFD, as its UTF-8 in the index and the store).
 */
export function forEachIndexed(family: IndexFamily, events: readonly AppEvent[], maxEvents: number, visit: (composite: string, value: string) => void): void {
  const reserved = RESERVED_KEYS[family];
  const count = Math.min(events.length, maxEvents);
  for (let e = 0; e < count; e++) {
    const event = events[e] as AppEvent;
    const type = stored(event.type, RESULT_LIMITS.eventTypeBytes);
    if (type === '') continue;
    const attrs = Math.min(event.attributes.length, RESULT_LIMITS.attributesPerEvent);
    for (let a = 0; a < attrs; a++) {
      const attr = event.attributes[a] as AppEvent['attributes'][number];
      const attrKey = stored(attr.key, RESULT_LIMITS.attributeKeyBytes);
      if (attrKey === '') continue;
      const composite = `${type}.${attrKey}`;
      if (!reserved.has(composite)) visit(composite, wellFormed(attr.value));
    }
  }
}

/**
 * Every index key of one block's results: its transactions' attributes and its own. The same
 * attribute twice in one transaction (or block) makes the same key twice: one entry.
 */
export function indexKeysOf(results: BlockResults): Uint8Array[] {
  const keys: Uint8Array[] = [];
  // A block repeats a few composite keys (transfer.recipient, …) across its transactions.
  const parts = new Map<string, Uint8Array>();
  const part = (composite: string): Uint8Array => {
    let p = parts.get(composite);
    if (p === undefined) parts.set(composite, (p = keyPart(composite)));
    return p;
  };
  const height = results.height;
  results.txResults.forEach((r, index) => forEachIndexed('tx', r.events, RESULT_LIMITS.eventsPerTx, (k, v) => keys.push(txEntryKey(part(k), v, height, index))));
  forEachIndexed('block', results.events, BLOCK_EVENTS_STORED, (k, v) => keys.push(blockEntryKey(part(k), v, height)));
  return keys;
}

/** The tags a transaction is searched by: as its Tx event's, less the attributes that are not indexed. */
export function txSearchTags(hashHex: string | undefined, height: number, result: TxResult): EventTags {
  const tags: EventTags = new Map();
  addTag(tags, 'tm.event', 'Tx');
  if (hashHex !== undefined) addTag(tags, 'tx.hash', hashHex);
  addTag(tags, 'tx.height', String(height));
  forEachIndexed('tx', result.events, RESULT_LIMITS.eventsPerTx, (k, v) => addTag(tags, k, v));
  return tags;
}

/** The tags a block is searched by (CometBFT's block index): its height and its finalize-block events. */
export function blockSearchTags(height: number, events: readonly AppEvent[]): EventTags {
  const tags: EventTags = new Map();
  addTag(tags, 'block.height', String(height));
  forEachIndexed('block', events, BLOCK_EVENTS_STORED, (k, v) => addTag(tags, k, v));
  return tags;
}
