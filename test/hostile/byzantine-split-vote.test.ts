/**
 * One Byzantine validator that prevotes the proposal to some validators and nil to the others
 * (spec/hostile-input.md, "Vote sets and proof-of-lock"): the polka it makes exists on one side
 * only, which locks; the other side must still get that proof-of-lock (the votes of a block a
 * peer claims +2/3 for), or re-proposals and fresh blocks each get nil from one side for ever.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run-scenario.js';
import { BYZANTINE_STRATEGIES, type Scenario } from '../../src/sim/scenario-types.js';

const HEAL_MS = 8_000;
const BOUND_MS = 20_000;

/** 7 validators of power 10; v6 (1/7 of the power) split-prevotes; a lossy, slow network until HEAL_MS, perfect after. */
const splitVote: Scenario = {
  name: 'byzantine-split-vote',
  seed: 1,
  durationMs: HEAL_MS + BOUND_MS,
  livenessBoundMs: BOUND_MS,
  validators: [0, 1, 2, 3, 4, 5, 6].map((i) => ({ name: `v${i}`, power: 10, ...(i === 6 ? { byzantine: 'double-prevote' as const } : {}) })),
  network: { delay: { kind: 'uniform', minMs: 5, maxMs: 30 }, drop: 0, duplicate: 0 },
  faults: [{ type: 'network', at: 0, until: HEAL_MS, behaviour: { delay: { kind: 'exponential', minMs: 5, meanMs: 800 }, drop: 0.2 } }],
  timeouts: { nextBlockDelay: 100 },
};

describe('a Byzantine validator with 1/7 of the power split-prevoting', () => {
  it('cannot stall the simulated chain: over 30 seeds every correct validator commits again soon after the network heals', async () => {
    const stalled: number[] = [];
    const slowest: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      // Stop once every correct validator decided after the heal: the first decision is what is judged.
      const { run, check } = await runScenario(splitVote, seed, { stopAtHeight: 1, txsPerBlock: 0 });
      expect(check.violations.filter((v) => v.property !== 'liveness'), `seed ${seed}`).toEqual([]);
      expect(check.livenessChecked, `seed ${seed}`).toBe(true);
      if (check.violations.length > 0) stalled.push(seed);
      const firstAfterHeal = run.decisions.slice(0, 6).map((ds) => ds.find((d) => d.at > HEAL_MS)?.at ?? Infinity);
      slowest.push(Math.max(...firstAfterHeal) - HEAL_MS);
    }
    expect(stalled, `seeds that committed nothing within ${BOUND_MS} ms of the heal`).toEqual([]);
    // Bounded: a handful of rounds after the heal, not the liveness bound.
    expect(Math.max(...slowest)).toBeLessThan(10_000);
  }, 60_000);

  it('nor can two Byzantine validators (2/7 of the power) with any strategy, whatever they sent before the heal', async () => {
    const stalled: string[] = [];
    for (const byzantine of BYZANTINE_STRATEGIES) {
      const scenario: Scenario = { ...splitVote, validators: splitVote.validators.map((v, i) => ({ name: v.name, power: v.power, ...(i >= 5 ? { byzantine } : {}) })) };
      for (let seed = 1; seed <= 8; seed++) {
        const { check } = await runScenario(scenario, seed, { stopAtHeight: 1, txsPerBlock: 0 });
        expect(check.violations.filter((v) => v.property !== 'liveness'), `${byzantine} seed ${seed}`).toEqual([]);
        expect(check.livenessChecked, `${byzantine} seed ${seed}`).toBe(true);
        if (check.violations.length > 0) stalled.push(`${byzantine}/${seed}`);
      }
    }
    expect(stalled).toEqual([]);
  }, 60_000);
});
