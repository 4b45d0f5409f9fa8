/**
 * Twins, full nodes and late starts in the simulator (spec/faults.md, "The engine"): a twin
 * runs its validator's key from its own disk, so a partition between the two makes honest code
 * equivocate; a full node follows the chain without signing and is judged as correct; a node
 * with `startAt` boots then and syncs what it missed.
 */
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/sim/checkers.js';
import type { FaultEvent, Scenario } from '../../src/sim/scenario-types.js';
import { Simulator } from '../../src/sim/simulator.js';
import { FAST_TIMEOUTS, FIXED_NETWORK } from '../support/sim-consensus.js';

const scenario = (over: Partial<Scenario>): Scenario => ({
  name: 'node-faults',
  seed: 1,
  durationMs: 4_000,
  validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 10 })),
  network: FIXED_NETWORK,
  faults: [],
  livenessBoundMs: 2_000,
  timeouts: FAST_TIMEOUTS,
  ...over,
});

async function run(s: Scenario) {
  const r = await new Simulator({ scenario: s, seed: 1 }).execute();
  return { run: r, check: checkRun(r, s.livenessBoundMs) };
}

describe('twins', () => {
  it('two nodes with one key, split by a partition, double-sign on the wire and are named by evidence; no correct validator is blamed', async () => {
    // A partition keeps v1 from height 1's proposal, which its twin t1 gets and prevotes; v1 prevotes nil once its
    // propose timeout fires, after the partition healed. With round 0's precommits lost, the others are still at
    // that round when v1's nil arrives: they hold both of v1's key's prevotes.
    const faults: FaultEvent[] = [
      { type: 'partition', at: 0, until: 300, groups: [['v1'], ['v0', 'v2', 'v3', 't1']] },
      { type: 'messages', at: 0, filter: { kinds: ['precommit'], heights: { min: 1, max: 1 }, rounds: { min: 0, max: 0 } }, behaviour: { drop: 1 } },
    ];
    const { run: r, check } = await run(scenario({ nodes: [{ name: 't1', twinOf: 'v1' }], faults }));
    const v1 = r.validators[1]!;
    expect(r.validators.map((v) => [v.name, v.power, v.byzantine])).toEqual([
      ['v0', 10, null],
      ['v1', 10, 'twin'],
      ['v2', 10, null],
      ['v3', 10, null],
      ['t1', 0, 'twin'],
    ]);
    expect(r.validators[4]!.address).toBe(v1.address);
    // Seen on the wire: two different votes of v1's key for one height, round and type.
    const byPosition = new Map<string, Set<string>>();
    for (const v of r.votes ?? []) {
      if (v.validator !== v1.address) continue;
      const key = `${v.height}/${v.round}/${v.type}`;
      byPosition.set(key, (byPosition.get(key) ?? new Set()).add(v.blockHash));
    }
    expect([...byPosition.values()].some((hashes) => hashes.size > 1)).toBe(true);
    // Correct validators collected the equivocation; v1 is not a correct validator, so no doubleSign violation.
    expect(r.evidence).toContain(v1.address);
    expect(r.doubleSigns).toEqual([]);
    expect(check.violations).toEqual([]);
    // The evidence was committed, and everyone, the twin too, kept deciding.
    expect(r.committedEvidence?.some((e) => e.validator === v1.address)).toBe(true);
    for (const decisions of r.decisions) expect(decisions.length).toBeGreaterThan(5);
  });
});

describe('full nodes and late starts', () => {
  it('a full node follows the chain without signing and is judged like a correct validator', async () => {
    const { run: r, check } = await run(scenario({ nodes: [{ name: 'f0' }] }));
    const full = r.validators[4]!;
    expect([full.name, full.power, full.byzantine]).toEqual(['f0', 0, null]);
    expect(r.decisions[4]!.length).toBeGreaterThan(10);
    expect(r.decisions[4]!.map((d) => d.blockHash)).toEqual(r.decisions[0]!.slice(0, r.decisions[4]!.length).map((d) => d.blockHash));
    expect((r.votes ?? []).some((v) => v.validator === full.address)).toBe(false);
    expect(check.violations).toEqual([]);
  });

  it('a validator and a full node that start late boot then, sync the heights they missed, and keep up; the join bounds GST', async () => {
    // A node that starts from nothing waits out the stall detector (1.5 s) before block sync: a bound of 4 s.
    const s = scenario({ nodes: [{ name: 'f0', startAt: 2_500 }], durationMs: 8_000, livenessBoundMs: 4_000 });
    s.validators[3] = { name: 'v3', power: 10, startAt: 1_000 };
    const { run: r, check } = await run(s);
    for (const late of [3, 4]) {
      const decisions = r.decisions[late]!;
      const startAt = late === 3 ? 1_000 : 2_500;
      expect(decisions[0]!.at).toBeGreaterThanOrEqual(startAt);
      // From height 1: what it missed came by block sync.
      expect(decisions[0]!.height).toBe(1);
      // ...and then keeps deciding (within the liveness bound: it catches up again when it falls a height behind).
      expect(decisions.length).toBeGreaterThan(20);
      expect(decisions.at(-1)!.at).toBeGreaterThan(s.durationMs - s.livenessBoundMs);
    }
    expect(r.timeline.some((p) => p.node === 3 && p.at < 1_000)).toBe(false);
    expect(r.gstMs).toBe(2_500);
    expect(check.livenessChecked).toBe(true);
    expect(check.violations).toEqual([]);
  });
});
