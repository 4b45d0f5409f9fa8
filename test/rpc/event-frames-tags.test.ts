/**
 * A pushed event is matched by the same tags a search uses (spec/rpc-events.md, spec/rpc-search.md):
 * an application event cannot pose as one of the node's own keys (tm.event, tx.hash, tx.height), so a subscriber to NewBlock never receives a Tx event it cannot decode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEventQuery, matches } from '../../src/rpc/event-query.js';
import { sharedTxEvent } from '../../src/rpc/event-frames.js';
import { txSearchTags } from '../../src/store/event-index.js';
import { hexUpper } from '../../src/rpc/views.js';
import type { TxEvent } from '../../src/node/event-bus.js';

function txEventWith(events: TxEvent['result']['events']): TxEvent {
  return {
    hash: new Uint8Array(32).fill(7),
    height: 5,
    index: 0,
    tx: new Uint8Array([1, 2, 3]),
    result: { code: 0, log: '', codespace: '', gasWanted: 0, gasUsed: 0, events } as unknown as TxEvent['result'],
  };
}

describe('tags of a pushed Tx event', () => {
  it('are the tags tx_search sees, and no app event sets a reserved key', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.oneof(fc.constantFrom('tm', 'tx', 'block', 'transfer'), fc.string({ maxLength: 8 })), attributes: fc.array(fc.record({ key: fc.oneof(fc.constantFrom('event', 'hash', 'height', 'recipient'), fc.string({ maxLength: 8 })), value: fc.string({ maxLength: 12 }) }), { maxLength: 4 }) }), { maxLength: 4 }),
        (events) => {
          const e = txEventWith(events);
          const tags = sharedTxEvent(e).tags;
          expect(tags).toEqual(txSearchTags(hexUpper(e.hash), e.height, e.result));
          expect(tags.get('tm.event')).toEqual(['Tx']);
          expect(tags.get('tx.height')).toEqual(['5']);
          expect(tags.get('tx.hash')).toEqual([hexUpper(e.hash)]);
          expect(matches(parseEventQuery("tm.event='NewBlock'"), tags)).toBe(false);
        },
      ),
    );
  });
});
