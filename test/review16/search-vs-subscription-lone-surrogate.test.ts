/**
 * review16: a subscription and tx_search must agree on which transactions a query matches
 * (spec/rpc-events.md: pushed events are tagged "as a search sees them"). They disagree when the
 * query's string holds a lone UTF-16 surrogate (JSON `"\ud800"` is valid JSON and arrives as
 * one): the index compares UTF-8 bytes, where a lone surrogate is written as U+FFFD (EF BF BD),
 * so tx_search of `a.b='\ud800'` finds a transaction whose value is U+FFFD; the subscription
 * (event-query.ts valueMatches) compares JS strings, so the same query never matches that
 * transaction's Tx event. CometBFT decodes JSON "\ud800" as U+FFFD before parsing the query,
 * so both of its views match.
 *
 * Expected: both views give the same answer (e.g. the query's strings are made well-formed,
 * as CometBFT's JSON decoding does, or a query holding a lone surrogate is invalid params).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_VERSION, EMPTY_COMMIT, encodeBlock, headerHash, type Block } from '../../src/codec/block.js';
import { toHex } from '../../src/codec/bytes.js';
import { EMPTY_HASH } from '../../src/codec/hash.js';
import type { AppEvent } from '../../src/codec/results.js';
import { txHash } from '../../src/codec/tx.js';
import { matches, parseEventQuery } from '../../src/rpc/event-query.js';
import { BlockStore } from '../../src/store/block-store.js';
import { txSearchTags } from '../../src/store/event-index.js';
import { searchTxs } from '../../src/store/event-search.js';
import { tempDir } from '../support/temp-dir.js';

function block(height: number, txs: Uint8Array[]): Block {
  const zero = new Uint8Array(32);
  return {
    header: {
      version: BLOCK_VERSION, chainId: 't', height, time: 1000 + height, lastBlockHash: new Uint8Array(0),
      lastCommitHash: zero, dataHash: zero, validatorsHash: zero, nextValidatorsHash: zero, consensusParamsHash: zero,
      appHash: zero, lastResultsHash: EMPTY_HASH, evidenceHash: zero, proposerAddress: new Uint8Array(20),
    },
    txs,
    evidence: [],
    lastCommit: EMPTY_COMMIT,
  };
}

const PIECES = ['a', '\uFFFD', '\ud800', '\udc00', 'é'];

describe('tx_search and a subscription agree on strings with lone surrogates', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('review16-surrogate');
  });
  afterEach(() => dir.cleanup());

  it("a.b='\\ud800' matches a value U+FFFD in both views or in neither", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 3 }).map((p) => p.join('')),
        fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 3 }).map((p) => p.join('')),
        async (stored, asked) => {
          const store = await BlockStore.open(`${dir.path}/${run++}`);
          try {
            const tx = Uint8Array.of(1, 2, 3);
            const events: AppEvent[] = [{ type: 'a', attributes: [{ key: 'b', value: stored }] }];
            const blk = block(1, [tx]);
            const hash = headerHash(blk.header);
            await store.saveBlock(blk, encodeBlock(blk), hash, { ...EMPTY_COMMIT, height: 1, blockHash: hash });
            await store.saveResults({ height: 1, txResults: [{ code: 0, codespace: '', log: '', gasWanted: 1, gasUsed: 1, events }], events: [], validatorUpdates: [], consensusParamUpdates: [], appHash: new Uint8Array(32) }, [txHash(tx)]);
            const query = parseEventQuery(`a.b='${asked}'`);
            const found = await searchTxs(store, 1, query, { page: 1, perPage: 30, orderBy: 'asc' });
            // What the Tx event of this transaction is tagged with, as it is pushed (event-frames.ts).
            const pushed = matches(query, txSearchTags(toHex(txHash(tx)).toUpperCase(), 1, { code: 0, codespace: '', log: '', gasWanted: 1, gasUsed: 1, events }));
            expect(found.total === 1, `stored ${JSON.stringify(stored)}, asked ${JSON.stringify(asked)}: search ${found.total}, subscription ${pushed}`).toBe(pushed);
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
