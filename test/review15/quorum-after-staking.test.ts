/**
 * review15: liveness of the connected quorum judges the quorum by the powers of the last set
 * that SIGNED a block (checkers.ts connectedQuorum → powersAt(run, MAX_SAFE_INTEGER)), not by
 * the set that must sign the next one. When a delegation hands a validator that is cut off for
 * good more than 1/3 of the power, the chain must stop at the height the new set takes over:
 * no block is ever signed by that set, so the checker still sees the old powers, finds a
 * "quorum" that holds 3/4 of them, and reports the correct validators as not live.
 */
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/sim/checkers.js';
import type { Scenario } from '../../src/sim/scenario-types.js';
import { Simulator } from '../../src/sim/simulator.js';
import { FAST_TIMEOUTS, FIXED_NETWORK } from '../support/sim-consensus.js';

describe('review15: connected-quorum liveness after a staking change', () => {
  it('does not ask validators holding less than 2/3 of the set in force to decide', async () => {
    const scenario: Scenario = {
      name: 'quorum-after-staking',
      seed: 1,
      durationMs: 9_000,
      validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 100 })),
      network: FIXED_NETWORK,
      faults: [
        // v3 is cut off for good: no GST, liveness is judged on the connected quorum.
        { type: 'partition', at: 0, groups: [['v3']] },
        // A harmless fault whose end is the last fault change, long after the chain stopped.
        { type: 'slowDisk', at: 4_000, until: 5_000, node: 'v0', fsyncMs: 2 },
      ],
      // v3 gets 100 CMT more at the next epoch (height 12): 200 of 500, so v0..v2 hold 300/500 < 2/3.
      delegations: [{ at: 500, to: 'v3', amount: 100 }],
      livenessBoundMs: 2_000,
      timeouts: FAST_TIMEOUTS,
    };
    const sim = new Simulator({ scenario, seed: 1 });
    const run = await sim.execute();
    // The chain stopped where v3's new power would sign: no decision after the last fault change.
    const lastDecision = Math.max(...[0, 1, 2].map((i) => run.decisions[i]?.at(-1)?.at ?? 0));
    expect(lastDecision).toBeLessThan(4_000);
    // The set in force for the next height (a correct node's chain state) gives v3 200 of 500.
    const set = sim.nodes[0]!.parts!.driver.chainState.validators!;
    const v3 = set.validators.find((v) => v.power === 200);
    expect(v3).toBeDefined();
    expect(set.validators.reduce((s, v) => s + v.power, 0)).toBe(500);
    const check = checkRun(run, scenario.livenessBoundMs, scenario);
    // v0..v2 do not hold more than 2/3 of the set that must sign: liveness cannot be asked of them.
    expect(check.violations.filter((v) => v.property === 'liveness')).toEqual([]);
  }, 120_000);
});
