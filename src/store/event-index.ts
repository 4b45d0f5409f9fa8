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
import { concatBytes, readU64be, u64be } from '../codec/bytes.js';
import { RESULT_LIMITS, type AppEvent, type TxResult } from '../codec/results.js';
import { fitUtf8 } from '../codec/utf8-fit.js';
import { addTag, type EventTags } from '../rpc/event-query.js';
import type { BlockResults } from './records.js';

/** Bytes of a value that go into its key; a longer value is indexed under this prefix and checked whole when found. */
export const MAX_INDEXED_VALUE_BYTES = 256;
/** BlockResults.events keeps at most this many block events (records.ts). */
const BLOCK_EVENTS_STORED = 10_000;

export type IndexFamily = 'tx' | 'block';

const FAMILY_BYTE: Record<IndexFamily, number> = { tx: 0x58 /* X */, block: 0x59 /* Y */ };
const KEY_END = Uint8Array.of(0, 0);
const WHOLE_VALUE_END = Uint8Array.of(0, 0);
const CUT_VALUE_END = Uint8Array.of(0, 2);
const encoder = new TextEncoder();

/** Keys a transaction's or block's own events cannot take: the node sets them (CometBFT refuses them too). */
export const RESERVED_KEYS: Record<IndexFamily, ReadonlySet<string>> = {
  tx: new Set(['tm.event', 'tx.hash', 'tx.height']),
  block: new Set(['tm.event', 'block.height']),
};

/** The key an index family's heights are searched by. */
export const HEIGHT_KEY: Record<IndexFamily, string> = { tx: 'tx.height', block: 'block.height' };

/** Each 00 byte as 00 01; ordering among escaped strings is kept. */
function escaped(bytes: Uint8Array): Uint8Array {
  let zeros = 0;
  for (const b of bytes) if (b === 0) zeros++;
  if (zeros === 0) return bytes;
  const out = new Uint8Array(bytes.length + zeros);
  let j = 0;
  for (const b of bytes) {
    out[j++] = b;
    if (b === 0) out[j++] = 1;
  }
  return out;
}

/** Whether a value is indexed whole (so an entry found for it is a match, not only a candidate). */
export function indexedWhole(value: string): boolean {
  return value.length * 3 <= MAX_INDEXED_VALUE_BYTES || Buffer.byteLength(value, 'utf8') <= MAX_INDEXED_VALUE_BYTES;
}

/** The prefix of every entry of `key = value` in a family, ordered by height (then index). */
export function termPrefix(family: IndexFamily, key: string, value: string): Uint8Array {
  const valueBytes = encoder.encode(value);
  const whole = valueBytes.length <= MAX_INDEXED_VALUE_BYTES;
  return concatBytes(
    Uint8Array.of(FAMILY_BYTE[family]),
    escaped(encoder.encode(key)),
    KEY_END,
    escaped(whole ? valueBytes : valueBytes.subarray(0, MAX_INDEXED_VALUE_BYTES)),
    whole ? WHOLE_VALUE_END : CUT_VALUE_END,
  );
}

function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

export function txEntryKey(key: string, value: string, height: number, index: number): Uint8Array {
  return concatBytes(termPrefix('tx', key, value), u64be(height), u32be(index));
}

export function blockEntryKey(key: string, value: string, height: number): Uint8Array {
  return concatBytes(termPrefix('block', key, value), u64be(height));
}

/** Where an entry of a family points: its height, and for a transaction its index in the block. */
export function entryPlace(family: IndexFamily, entry: Uint8Array): { height: number; index: number } {
  if (family === 'block') return { height: readU64be(entry, entry.length - 8), index: 0 };
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  return { height: readU64be(entry, entry.length - 12), index: view.getUint32(entry.length - 4) };
}

/** The first key after every entry of a family at heights up to `height` under `prefix`. */
export function heightBound(prefix: Uint8Array, height: number): Uint8Array {
  return concatBytes(prefix, u64be(height));
}

/** Text as the codec stores it in at most `maxBytes` (clampedText). */
function stored(text: string, maxBytes: number): string {
  return text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes ? text : fitUtf8(text, maxBytes);
}

/**
 * The (composite key, value) pairs of events that are indexed and that searches see: events
 * with a type, attributes with a key, none of the family's reserved keys; clamped as stored.
 */
export function* indexedAttributes(family: IndexFamily, events: readonly AppEvent[], maxEvents: number): Generator<[string, string]> {
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
      if (!reserved.has(composite)) yield [composite, attr.value];
    }
  }
}

/** Every index key of one block's results: its transactions' attributes and its own. */
export function indexKeysOf(results: BlockResults): Uint8Array[] {
  const keys: Uint8Array[] = [];
  // The same attribute twice in one transaction (or block) is one entry.
  const seen = new Map<string, Set<string>>();
  const add = (composite: string, value: string, make: () => Uint8Array): void => {
    const values = seen.get(composite) ?? new Set<string>();
    if (values.has(value)) return;
    values.add(value);
    seen.set(composite, values);
    keys.push(make());
  };
  results.txResults.forEach((r, index) => {
    seen.clear();
    for (const [k, v] of indexedAttributes('tx', r.events, RESULT_LIMITS.eventsPerTx)) add(k, v, () => txEntryKey(k, v, results.height, index));
  });
  seen.clear();
  for (const [k, v] of indexedAttributes('block', results.events, BLOCK_EVENTS_STORED)) add(k, v, () => blockEntryKey(k, v, results.height));
  return keys;
}

/** The tags a transaction is searched by: as its Tx event's, less the attributes that are not indexed. */
export function txSearchTags(hashHex: string | undefined, height: number, result: TxResult): EventTags {
  const tags: EventTags = new Map();
  addTag(tags, 'tm.event', 'Tx');
  if (hashHex !== undefined) addTag(tags, 'tx.hash', hashHex);
  addTag(tags, 'tx.height', String(height));
  for (const [k, v] of indexedAttributes('tx', result.events, RESULT_LIMITS.eventsPerTx)) addTag(tags, k, v);
  return tags;
}

/** The tags a block is searched by (CometBFT's block index): its height and its finalize-block events. */
export function blockSearchTags(height: number, events: readonly AppEvent[]): EventTags {
  const tags: EventTags = new Map();
  addTag(tags, 'block.height', String(height));
  for (const [k, v] of indexedAttributes('block', events, BLOCK_EVENTS_STORED)) addTag(tags, k, v);
  return tags;
}
