/**
 * `db.range` pays for the keys it steps over, not only the rows it returns (spec/hostile-input.md,
 * "Host gas"). Keys deleted earlier in the block (or the transaction) are skipped by the state's
 * merged listing for free, so a contract that deleted 4,000 rows and then listed one row 10,000
 * times did 40 million steps for 26 M gas: 14 s of every validator's block execution, 25 times
 * what an endless loop does for that gas. Skips are charged per key (`rangeSkip`), and the charge
 * is the same under the sequential and the parallel executor. What that charge costs in time
 * against an endless loop is measured by `npm run bench -- host-gas`, not asserted here.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_GAS } from '../../src/app/contracts/gas-schedule.js';
import { ParallelExecutor } from '../../src/app/executor/parallel-executor.js';
import { parseAddress } from '../../src/crypto/address.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { callTx, deployTx } from '../support/contract-txs.js';
import { testKey } from '../support/nodes.js';
import { RANGE_CONTRACT as CONTRACT } from '../../bench/support-contract.js';

const KEYS = 4_000;
const STRETCH = 1_000;
const GAS = 60_000_000;

interface Chain {
  h: AppHarness;
  contract: Uint8Array;
  nonce: number;
}

async function chain(parallel: boolean): Promise<Chain> {
  const h = await appHarness(2, undefined, undefined, parallel ? { executor: (dir) => new ParallelExecutor(dir, { threads: 2, minParallelCalls: 1, warmUpOnFirstContract: false }) } : {});
  const key = testKey(0);
  const res = await h.runBlock([deployTx(key, 0, CONTRACT)]);
  const address = res.txResults[0]?.events.find((e) => e.type === 'contract_deployed')?.attributes.find((a) => a.key === 'contract')?.value;
  if (!address) throw new Error('deploy failed');
  const c: Chain = { h, contract: parseAddress(address), nonce: 1 };
  for (let from = 0; from < KEYS; from += 1_000) {
    const r = await c.h.runBlock([callTx(key, c.nonce++, c.contract, 'fill', [from, 1_000], { gasLimit: 100_000_000 })]);
    expect(r.txResults[0]?.code, r.txResults[0]?.log).toBe(0);
  }
  return c;
}

/** Runs `calls` as one block; each result's code and gas, and the app hash. */
async function block(c: Chain, calls: [string, unknown[]][]): Promise<{ results: { code: number; gasUsed: number; log: string }[]; appHash: string }> {
  const txs = calls.map(([method, args]) => callTx(testKey(0), c.nonce++, c.contract, method, args, { gasLimit: GAS }));
  const res = await c.h.runBlock(txs);
  return { results: res.txResults.map((r) => ({ code: r.code, gasUsed: r.gasUsed, log: r.log })), appHash: Buffer.from(res.appHash).toString('hex') };
}

describe('db.range over deleted keys', () => {
  let sequential: Chain;
  let parallel: Chain;

  beforeAll(async () => {
    sequential = await chain(false);
    parallel = await chain(true);
  }, 120_000);
  afterAll(async () => {
    await sequential?.h.close();
    await parallel?.h.close();
  });

  it('costs gas in proportion to the keys it steps over, in one transaction or across a block, the same under both executors', async () => {
    let from = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 20, max: 300 }), fc.boolean(), fc.constantFrom(1, 3), async (ranges, sameTx, limit) => {
        // Each run deletes the next 1,000 keys, which sort first under the prefix: every range
        // steps over all of them (keys deleted in earlier blocks are gone from the store).
        const calls: [string, unknown[]][] = sameTx ? [['dropAndScan', [from, STRETCH, ranges, limit]]] : [['drop', [from, STRETCH]], ['scan', [ranges, limit]]];
        from += STRETCH;
        const a = await block(sequential, calls);
        const b = await block(parallel, calls);
        expect(b.results).toEqual(a.results);
        expect(b.appHash).toBe(a.appHash);
        for (const r of a.results) expect(r.code, r.log).toBe(0);
        // Without the per-key charge a scan would cost about 2,000 gas a range whatever it skipped.
        const scan = a.results[a.results.length - 1] as { gasUsed: number };
        expect(scan.gasUsed).toBeGreaterThanOrEqual(ranges * STRETCH * CONTRACT_GAS.rangeSkip);
      }),
      { numRuns: KEYS / STRETCH },
    );
  }, 300_000);
});
