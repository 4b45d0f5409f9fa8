/**
 * The timers of one block are bounded: at most TIMERS_PER_BLOCK fire, and only while a whole
 * TIMER_GAS_LIMIT is left of the block's timer budget (a quarter of its gas limit), so the gas
 * they use stays within it; the rest fire at the next blocks, in queue order. Before, 256 timers
 * of 5 M gas each could run before any transaction, 2.5 times what a block may use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TxResult } from '../../src/codec/results.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { fireProcessTimers, TIMER_GAS_LIMIT, TIMERS_PER_BLOCK } from '../../src/app/process/timers.js';
import { Overlay } from '../../src/state/overlay.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { callTx, deployTx } from '../support/contract-txs.js';
import { addressOf, testKey } from '../support/nodes.js';

const CODE = `
export function open(n) {
  for (let i = 0; i < n; i++) process.deposit(process.start('tick', {}), 10000000000000000n);
  return n;
}`;
const TICK = `<process-definition name="tick">
  <start-state name="s"><transition to="w"/></start-state>
  <state name="w"><timer duedate="2 blocks" transition="late"/><transition name="go" to="e"/><transition name="late" to="e"/></state>
  <end-state name="e"/>
</process-definition>`;

describe('the timers of one block', () => {
  let h: AppHarness;
  afterEach(async () => h?.close());

  it('at most TIMERS_PER_BLOCK fire in a block, the rest at the next, in queue order', async () => {
    h = await appHarness(1, 1_000_000n * 10n ** 18n);
    const key = testKey(0);
    const contract = contractAddress(addressOf(key), 0);
    await h.runBlock([deployTx(key, 0, CODE, { files: { 'tick.jpdl.xml': TICK }, value: 100n * 10n ** 18n })]);
    const opened = await h.runBlock([150, 150].map((n, i) => callTx(key, 1 + i, contract, 'open', [n], { gasLimit: 200_000_000 })));
    for (const r of opened.txResults as TxResult[]) expect(r.code, r.log).toBe(0);
    await h.runBlock([]);
    // A block: at most TIMERS_PER_BLOCK, the rest at the next block, in queue order.
    const fired: string[][] = [];
    for (let b = 0; b < 3; b++) {
      const res = await h.runBlock([]);
      fired.push(res.events.filter((e) => e.type === 'process_timer').map((e) => e.attributes.find((a) => a.key === 'instance')?.value as string));
    }
    expect(fired.map((f) => f.length)).toEqual([TIMERS_PER_BLOCK, 300 - TIMERS_PER_BLOCK, 0]);
    expect(fired.flat()).toEqual(Array.from({ length: 300 }, (_, i) => String(i + 1)));
  }, 120_000);

  it('stop while less than a whole TIMER_GAS_LIMIT is left of the budget, and use no more than it', async () => {
    h = await appHarness(1, 1_000_000n * 10n ** 18n);
    const key = testKey(0);
    const contract = contractAddress(addressOf(key), 0);
    await h.runBlock([deployTx(key, 0, CODE, { files: { 'tick.jpdl.xml': TICK }, value: 100n * 10n ** 18n })]);
    expect((await h.runBlock([callTx(key, 1, contract, 'open', [100], { gasLimit: 200_000_000 })])).txResults[0]?.code).toBe(0);
    const due = h.height + 2;
    const budget = 3 * TIMER_GAS_LIMIT;
    const block = new Overlay(h.store);
    const out = fireProcessTimers(block, due, 1_700_000_000_000 + due * 1000, 1n, budget);
    const used = out.events.map((e) => Number(e.attributes.find((a) => a.key === 'gas')?.value));
    expect(out.gasUsed).toBe(used.reduce((a, b) => a + b, 0));
    expect(out.gasUsed).toBeLessThanOrEqual(budget);
    expect(budget - out.gasUsed).toBeLessThan(TIMER_GAS_LIMIT + Math.max(...used));
    expect(used.length).toBeGreaterThan(0);
    expect(used.length).toBeLessThan(100);
  }, 120_000);
});
