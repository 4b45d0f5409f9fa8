/**
 * Nothing the app returns for a decided block can make storing it fail (issue 13, item 1): any
 * results — any Unicode, lone surrogates included, any length, any number of events and
 * attributes — go from FinalizeBlock through the node's results path into a real BlockStore on
 * LevelDB and read back, every string well-formed and within the limits of spec/hostile-input.md.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinalizeBlockResponse } from '../../src/app/abci.js';
import type { DeliveredTx } from '../../src/app/deliver-tx.js';
import type { TxExecutor } from '../../src/app/executor/tx-executor.js';
import type { Block } from '../../src/codec/block.js';
import { resultsHash, type AppEvent, type TxResult } from '../../src/codec/results.js';
import { Mempool } from '../../src/mempool/mempool.js';
import { BlockExecutor } from '../../src/node/block-executor.js';
import { BlockStore } from '../../src/store/block-store.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { tempDir } from '../support/temp-dir.js';
import { hostileText, isWellFormed, utf8Bytes, wellFormed } from '../support/unicode-text.js';

/** The limits spec/hostile-input.md promises for stored results. */
const LIMITS = { type: 128, key: 128, value: 4096, log: 4096, codespace: 64, attributes: 64, txEvents: 1024, blockEvents: 10_000 };

const attribute = fc.record({ key: hostileText(100), value: hostileText(2000) });
const someEvents = fc.array(fc.record({ type: hostileText(100), attributes: fc.oneof(fc.array(attribute, { maxLength: 4 }), fc.array(attribute, { minLength: 60, maxLength: 70 })) }), { maxLength: 4 });
/** Over the per-transaction count now and then: many small events. */
const manyEvents = fc.integer({ min: LIMITS.txEvents - 2, max: LIMITS.txEvents + 40 }).map((n): AppEvent[] => Array.from({ length: n }, (_, i) => ({ type: `e${i}`, attributes: [] })));
const txResult: fc.Arbitrary<TxResult> = fc.record({
  code: fc.nat(100),
  codespace: fc.oneof(fc.constantFrom('', 'cmt'), hostileText(40)),
  log: hostileText(2000),
  gasWanted: fc.nat(),
  gasUsed: fc.nat(),
  events: fc.oneof({ weight: 9, arbitrary: someEvents }, { weight: 1, arbitrary: manyEvents }),
});

/** Why `stored` is not the well-formed original, or a prefix of it ending in '…' within `max` bytes; '' if it is. */
function boundedProblem(stored: string, original: string, max: number): string {
  if (!isWellFormed(stored)) return 'ill-formed';
  const carried = wellFormed(original);
  if (utf8Bytes(carried) <= max) return stored === carried ? '' : 'changed although it fit';
  if (!stored.endsWith('…') || !carried.startsWith(stored.slice(0, -1))) return 'not a marked prefix';
  // Cut at a character boundary: at most one 4-byte character short of the room.
  const bytes = utf8Bytes(stored);
  return bytes <= max && bytes > max - 4 ? '' : `${bytes} bytes for a limit of ${max}`;
}

function expectBounded(stored: string, original: string, max: number): void {
  const problem = boundedProblem(stored, original, max);
  if (problem) expect.fail(`${problem}: ${JSON.stringify(stored.slice(0, 80))} from ${JSON.stringify(original.slice(0, 80))}`);
}

function expectEvents(stored: readonly AppEvent[], original: readonly AppEvent[], maxEvents: number): void {
  expect(stored.length).toBe(Math.min(original.length, maxEvents));
  stored.forEach((event, i) => {
    const from = original[i] as AppEvent;
    expectBounded(event.type, from.type, LIMITS.type);
    if (event.attributes.length !== Math.min(from.attributes.length, LIMITS.attributes)) expect.fail(`event ${i} kept ${event.attributes.length} of ${from.attributes.length} attributes`);
    event.attributes.forEach((a, j) => {
      const { key, value } = from.attributes[j] as { key: string; value: string };
      expectBounded(a.key, key, LIMITS.key);
      expectBounded(a.value, value, LIMITS.value);
    });
  });
}

/** An executor that answers whatever results the test hands it: what a buggy or subverted producer could return. */
class ScriptedExecutor implements TxExecutor {
  next: TxResult[] = [];
  async execute(): Promise<DeliveredTx[]> {
    return this.next.map((result) => ({ result, fee: 0n }));
  }
  async close(): Promise<void> {}
}

function blockOf(height: number, txs: Uint8Array[]): Block {
  const zero = new Uint8Array(32);
  return {
    header: {
      version: 1,
      chainId: 'cmt-test',
      height,
      time: 1_700_000_000_000 + height * 1000,
      lastBlockHash: new Uint8Array(0),
      lastCommitHash: zero,
      dataHash: zero,
      validatorsHash: zero,
      nextValidatorsHash: zero,
      consensusParamsHash: zero,
      appHash: zero,
      lastResultsHash: zero,
      evidenceHash: zero,
      proposerAddress: new Uint8Array(20),
    },
    txs,
    evidence: [],
    lastCommit: { height: height - 1, round: 0, blockHash: new Uint8Array(0), signatures: [] },
  };
}

describe('storing the results of a decided block', () => {
  const scripted = new ScriptedExecutor();
  let h: AppHarness;
  let dir: { path: string; cleanup: () => Promise<void> };
  let blocks: BlockStore;
  let executor: BlockExecutor;

  beforeAll(async () => {
    h = await appHarness(1, undefined, undefined, { executor: () => scripted });
    dir = await tempDir('results');
    blocks = await BlockStore.open(dir.path);
    const mempool = new Mempool(h.app, { maxTxs: 10, maxBytes: 1e6, maxTxBytes: 1e6, cacheSize: 10 });
    executor = new BlockExecutor(h.app, blocks, mempool);
  });
  afterAll(async () => {
    await blocks.close();
    await dir.cleanup();
    await h.close();
  });

  it('stores and reads back any results FinalizeBlock returns', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(txResult, { minLength: 1, maxLength: 3 }), async (results) => {
        scripted.next = results;
        const height = h.height + 1;
        // Distinct transactions (their hashes index the results); the scripted executor ignores them.
        const txs = results.map((_, i) => Uint8Array.of(height % 256, height >> 8, i));
        const response: FinalizeBlockResponse = await h.runBlock(txs);
        expect(() => resultsHash(response.txResults)).not.toThrow();
        await executor.saveResults(blockOf(height, txs), response);

        const stored = await blocks.loadResults(height);
        expect(stored?.txResults.length).toBe(results.length);
        stored?.txResults.forEach((r, i) => {
          const from = results[i] as TxResult;
          expect([r.code, r.gasWanted, r.gasUsed]).toEqual([from.code, from.gasWanted, from.gasUsed]);
          expectBounded(r.codespace, from.codespace, LIMITS.codespace);
          expectBounded(r.log, from.log, LIMITS.log);
          expectEvents(r.events, from.events, LIMITS.txEvents);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('stores any block-level events, however many', async () => {
    const blockEvents = fc.oneof(
      someEvents,
      fc.integer({ min: LIMITS.blockEvents - 1, max: LIMITS.blockEvents + 50 }).map((n): AppEvent[] => Array.from({ length: n }, () => ({ type: 'proposal_passed', attributes: [] }))),
    );
    let height = 1_000_000;
    await fc.assert(
      fc.asyncProperty(blockEvents, async (events) => {
        height++;
        await blocks.saveResults({ height, txResults: [], events, validatorUpdates: [], consensusParamUpdates: [], appHash: new Uint8Array(32) }, []);
        const stored = await blocks.loadResults(height);
        expectEvents(stored?.events ?? [], events, LIMITS.blockEvents);
      }),
      { numRuns: 12 },
    );
  });
});
