/**
 * The Twins generator: every set partition once, a deterministic numbering of cases, a seeded
 * sample when the space is larger than the bound, cases that are valid scenario files, and
 * end to end a twin that equivocates from honest code without breaking agreement (1 of 4).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equivocatorsAt } from '../../src/sim/accountability.js';
import { summarize } from '../../src/sim/run-summary.js';
import { runScenario } from '../../src/sim/run-scenario.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { scenarioToYaml } from '../../src/sim/scenario-yaml.js';
import { partitionCount, setPartitions, twinName, twinsPlan, TwinsError } from '../../src/sim/twins.js';

/** Stirling numbers of the second kind, by their recurrence: an oracle independent of the generator. */
function stirling(n: number, k: number): number {
  if (n === 0 && k === 0) return 1;
  if (n === 0 || k === 0) return 0;
  return k * stirling(n - 1, k) + stirling(n - 1, k - 1);
}

describe('the Twins generator', () => {
  it('lists every partition into at most k groups exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3 }), (n, k) => {
        const all = setPartitions(n, k);
        let expected = 0;
        for (let j = 1; j <= k; j++) expected += stirling(n, j);
        expect(all.length).toBe(expected);
        expect(partitionCount(n, k)).toBe(expected);
        // As sets of groups, no two are the same partition.
        const canonical = all.map((rgs) => JSON.stringify([...new Set(rgs)].map((g) => rgs.flatMap((x, i) => (x === g ? [i] : [])))));
        expect(new Set(canonical).size).toBe(all.length);
      }),
    );
  });

  it('numbers every case of a small space in order, twinning the first leader', () => {
    const plan = twinsPlan({ validators: 4, twins: 1, rounds: 2, max: 1_000 });
    // 5 nodes into at most 2 groups: 1 + 15 partitions per round, two rounds.
    expect(plan.total).toBe(256);
    expect(plan.sampled).toBe(false);
    expect(plan.cases.map((c) => c.index)).toEqual([...Array(256).keys()]);
    expect(plan.twinned).toEqual([plan.leaders[0]]);
    expect(plan.cases[0]?.scenario.faults.map((f) => f.type)).toEqual(['clockSkew']);
    const last = plan.cases[255];
    expect(last?.partitions.every((groups) => groups.length === 2)).toBe(true);
    expect(last?.scenario.faults.map((f) => f.when)).toEqual([undefined, { height: 1, round: 0 }, { height: 1, round: 1 }]);
    expect(last?.scenario.nodes).toEqual([{ name: twinName(plan.twinned[0] as string), twinOf: plan.twinned[0] }]);
    expect(JSON.stringify(twinsPlan({ validators: 4, twins: 1, rounds: 2, max: 1_000 }))).toBe(JSON.stringify(plan));
  });

  it('draws a bounded, seeded sample of a larger space', () => {
    const options = { validators: 4, twins: 2, rounds: 3, groups: 3, max: 50 };
    const a = twinsPlan({ ...options, seed: 7 });
    expect(a.sampled).toBe(true);
    expect(a.total).toBe((1 + 31 + 90) ** 3);
    const indices = a.cases.map((c) => c.index);
    expect(new Set(indices).size).toBe(50);
    expect(indices).toEqual([...indices].sort((x, y) => x - y));
    expect(twinsPlan({ ...options, seed: 7 }).cases.map((c) => c.index)).toEqual(indices);
    expect(twinsPlan({ ...options, seed: 8 }).cases.map((c) => c.index)).not.toEqual(indices);
  });

  it('makes cases that are valid scenario files', () => {
    for (const c of twinsPlan({ validators: 4, twins: 2, rounds: 2, groups: 3, max: 40, seed: 3 }).cases) {
      expect(parseScenario(scenarioToYaml(c.scenario), `${c.scenario.name}.yaml`)).toEqual(c.scenario);
    }
  });

  it('refuses options it cannot enumerate', () => {
    expect(() => twinsPlan({ validators: 4, twins: 5, rounds: 2, max: 10 })).toThrow(TwinsError);
    expect(() => twinsPlan({ validators: 4, twins: 1, rounds: 2, groups: 4, max: 10 })).toThrow(/groups/);
    expect(() => twinsPlan({ validators: 4, twins: 1, rounds: 0, max: 10 })).toThrow(/rounds/);
    // 32 nodes would have 2^31 partitions per round: refused before listing any.
    expect(() => twinsPlan({ validators: 16, twins: 16, rounds: 1, max: 10 })).toThrow(/more than 50000 to list/);
  });

  it('runs a case: the leader and its twin on two sides of round 0 equivocate from honest code, and agreement holds', async () => {
    const plan = twinsPlan({ validators: 4, twins: 1, rounds: 1, max: 100 });
    const leader = plan.twinned[0] as string;
    // Round 0 splits the leader (with one other validator) from its twin (with the other two).
    const split = plan.cases.find((c) => {
      const groups = c.partitions[0] as string[][];
      return groups.length === 2 && groups.some((g) => g.length === 2 && g.includes(leader)) && groups.some((g) => g.includes(twinName(leader)));
    });
    expect(split).toBeDefined();
    const { run, check } = await runScenario(split!.scenario, split!.scenario.seed, { stopAtHeight: split!.stopAtHeight });
    expect(run.faults.some((f) => f.description.startsWith('start partition'))).toBe(true);
    // One key, two honest nodes, two sides: it signs two different votes for one round.
    expect(equivocatorsAt(run.votes ?? [], 1)).toEqual([run.validators.find((v) => v.name === leader)?.address]);
    expect(check.violations).toEqual([]);
    expect(check.judged).toContain('liveness');
  }, 60_000);

  it('keeps agreement with the real core where the twin pair is split in both rounds', async () => {
    const plan = twinsPlan({ validators: 4, twins: 1, rounds: 2, max: 256 });
    const twinned = plan.twinned[0] as string;
    const split = plan.cases.filter((c) => c.partitions.every((groups) => groups.length === 2 && !groups.some((g) => g.includes(twinned) && g.includes(twinName(twinned)))));
    // Three of them, spread over the list: each run takes about a second.
    const picked = [split[0], split[Math.floor(split.length / 2)], split.at(-1)].filter((c) => c !== undefined);
    for (const c of picked) {
      const summary = await summarize({ scenario: c.scenario, seed: c.scenario.seed, stopAtHeight: c.stopAtHeight });
      expect(summary.violations, `case ${c.index}`).toEqual([]);
    }
  }, 120_000);
});
