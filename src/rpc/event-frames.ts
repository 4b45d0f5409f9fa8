/**
 * What every subscription shares of one pushed event, made once per event: its tags (what
 * queries match) and the JSON of its data and tags as bytes. Events are published on the
 * consensus thread, so per subscription the node only matches the query and queues a short
 * prefix (the subscription's id and query) before the shared bytes; a block is serialized
 * once, not once per subscriber.
 */
import type { NewBlockEvent, TxEvent } from '../node/event-bus.js';
import { addTag, type EventTags } from './event-query.js';
import { base64, blockView, eventsView, hexUpper, txResultView } from './views.js';

export interface SharedEvent {
  tags: EventTags;
  /** `,"data":…,"events":…}}`: the end of every message pushing this event. Throws if it cannot be serialized. */
  tail(): Buffer;
}

function blockTags(e: NewBlockEvent): EventTags {
  const tags: EventTags = new Map();
  addTag(tags, 'tm.event', 'NewBlock');
  addTag(tags, 'block.height', String(e.block.header.height));
  return tags;
}

function txTags(e: TxEvent): EventTags {
  const tags: EventTags = new Map();
  addTag(tags, 'tm.event', 'Tx');
  addTag(tags, 'tx.hash', hexUpper(e.hash));
  addTag(tags, 'tx.height', String(e.height));
  for (const ev of e.result.events) for (const a of ev.attributes) addTag(tags, `${ev.type}.${a.key}`, a.value);
  return tags;
}

function blockData(e: NewBlockEvent): unknown {
  return { type: 'tendermint/event/NewBlock', value: { ...blockView(e.block, e.hash), result_finalize_block: { app_hash: hexUpper(e.response.appHash), events: eventsView(e.response.events) } } };
}

function txData(e: TxEvent): unknown {
  return { type: 'tendermint/event/Tx', value: { TxResult: { height: String(e.height), index: e.index, tx: base64(e.tx), hash: hexUpper(e.hash), result: txResultView(e.result) } } };
}

// Keyed by the event object, which the event bus hands to every listener: gone with the event.
const shared = new WeakMap<object, SharedEvent>();

function share<E extends object>(event: E, tagsOf: (e: E) => EventTags, dataOf: (e: E) => unknown): SharedEvent {
  const known = shared.get(event);
  if (known) return known;
  const tags = tagsOf(event);
  // Made once, failure included: a subscriber after the first must not pay for it again.
  let tail: Buffer | Error | undefined;
  const make = (): Buffer | Error => {
    try {
      return Buffer.from(`,"data":${JSON.stringify(dataOf(event))},"events":${JSON.stringify(Object.fromEntries(tags))}}}`, 'utf8');
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  const made: SharedEvent = {
    tags,
    tail: () => {
      tail ??= make();
      if (tail instanceof Error) throw tail;
      return tail;
    },
  };
  shared.set(event, made);
  return made;
}

export const sharedBlockEvent = (e: NewBlockEvent): SharedEvent => share(e, blockTags, blockData);
export const sharedTxEvent = (e: TxEvent): SharedEvent => share(e, txTags, txData);

/** `{"jsonrpc":"2.0","id":…,"result":{"query":…`: the start of a message to one subscription. */
export function messageHead(id: unknown, query: string): Buffer {
  return Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"query":${JSON.stringify(query)}`, 'utf8');
}
