/**
 * The block budget (src/node/block-budget.ts): what a proposal may hold so that validating and
 * applying it takes about the block time on this node, learnt from the blocks it commits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockBudget, budgetTargetMs, MIN_TARGET_MS, UNLEARNED_SHARE } from '../../src/node/block-budget.js';

const HARD = { gas: 500_000_000, bytes: 8 * 1024 * 1024 };

/** A node whose blocks cost `overhead` ms plus `msPerGas` per unit of gas (and a byte per 100 gas). */
function block(gas: number, msPerGas: number, overhead = 0): { gas: number; bytes: number; ms: number } {
  return { gas, bytes: gas / 100, ms: overhead + gas * msPerGas };
}

describe('block budget', () => {
  it('holds a proposal to a small share of the consensus limits until it has timed enough work', () => {
    const budget = new BlockBudget(() => 1000);
    expect(budget.limits(HARD)).toEqual({ gas: HARD.gas * UNLEARNED_SHARE, bytes: Math.floor(HARD.bytes * UNLEARNED_SHARE) });
    // Blocks too quick to time tell nothing: still the same share.
    for (let i = 0; i < 20; i++) budget.observe({ gas: 21_000, bytes: 150, ms: 0 }, HARD);
    expect(budget.limits(HARD).gas).toBe(HARD.gas * UNLEARNED_SHARE);
  });

  it('converges on what fits the target at a steady speed, never above the consensus limits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 5000 }),
        fc.double({ min: 1e-6, max: 1e-3, noNaN: true }),
        fc.integer({ min: 0, max: 20 }),
        // How full each block is: at least half the budget of its time, so each one teaches.
        fc.array(fc.double({ min: 0.5, max: 1, noNaN: true }), { minLength: 12, maxLength: 40 }),
        (target, msPerGas, overhead, fills) => {
          const budget = new BlockBudget(() => target);
          for (let i = 0; i < 5; i++) budget.observe({ gas: 0, bytes: 0, ms: overhead }, HARD);
          for (const fill of fills) {
            // Multiples of 100 gas, so every block has exactly a byte per 100 gas.
            const gas = Math.ceil((budget.limits(HARD).gas * fill) / 100) * 100;
            budget.observe(block(gas, msPerGas, overhead), HARD);
          }
          const { gas, bytes } = budget.limits(HARD);
          expect(gas).toBeLessThanOrEqual(HARD.gas);
          expect(bytes).toBeLessThanOrEqual(HARD.bytes);
          const forTxs = Math.max(target / 4, target - overhead);
          const fits = Math.floor(forTxs / msPerGas);
          // Within the limits, the budget is what fits the time left after the per-block overhead.
          if (fits < HARD.gas) expect(Math.abs(gas - fits) / fits).toBeLessThan(1e-6);
          else expect(gas).toBe(HARD.gas);
          expect(Math.abs(bytes - Math.min(HARD.bytes, Math.floor(fits / 100)))).toBeLessThanOrEqual(2 + fits / 100 / 1e6);
        },
      ),
    );
  });

  it('shrinks within two blocks when blocks get slower, and grows back when they speed up', () => {
    const budget = new BlockBudget(() => 1000);
    for (let i = 0; i < 10; i++) budget.observe(block(50_000_000, 1e-5), HARD);
    const steady = budget.limits(HARD).gas;
    expect(Math.abs(steady - 100_000_000)).toBeLessThanOrEqual(1);
    budget.observe(block(50_000_000, 4e-5), HARD);
    budget.observe(block(50_000_000, 4e-5), HARD);
    expect(budget.limits(HARD).gas).toBeLessThan(steady * 0.35);
    for (let i = 0; i < 10; i++) budget.observe(block(50_000_000, 1e-5), HARD);
    expect(budget.limits(HARD).gas).toBeGreaterThan(steady * 0.99);
  });

  it('learns nothing from blocks far below the budget: their time is mostly fixed costs', () => {
    const budget = new BlockBudget(() => 1000);
    for (let i = 0; i < 10; i++) budget.observe(block(50_000_000, 1e-5), HARD);
    const learnt = budget.limits(HARD);
    // One transaction a block, each slow (a cold contract runtime): a rate from them would allow ~one transaction a block for ever.
    for (let i = 0; i < 20; i++) budget.observe({ gas: 30_000, bytes: 200, ms: 400 }, HARD);
    expect(budget.limits(HARD)).toEqual(learnt);
    // Blocks that fill the budget and are slow do teach.
    budget.observe(block(learnt.gas, 4e-5), HARD);
    expect(budget.limits(HARD).gas).toBeLessThan(learnt.gas);
  });

  it('bounds blocks by bytes when transactions are large and cheap', () => {
    const budget = new BlockBudget(() => 1000);
    // Each block: 10 M gas in 1 MB, taking 500 ms.
    for (let i = 0; i < 10; i++) budget.observe({ gas: 10_000_000, bytes: 1_000_000, ms: 500 }, HARD);
    expect(budget.limits(HARD)).toEqual({ gas: 20_000_000, bytes: 2_000_000 });
  });

  it('ignores readings a clock cannot give (negative or not a number)', () => {
    const budget = new BlockBudget(() => 1000);
    for (let i = 0; i < 10; i++) budget.observe(block(50_000_000, 1e-5), HARD);
    const before = budget.limits(HARD);
    for (const ms of [-5, Number.NaN, Number.POSITIVE_INFINITY]) budget.observe({ gas: 1, bytes: 1, ms }, HARD);
    expect(budget.limits(HARD)).toEqual(before);
  });

  it('targets half the block time, at least MIN_TARGET_MS', () => {
    expect(budgetTargetMs(1000)).toBe(500);
    expect(budgetTargetMs(0)).toBe(MIN_TARGET_MS);
    expect(budgetTargetMs(60)).toBe(MIN_TARGET_MS);
  });
});
