/**
 * Staking inside the simulator: the real executor applies FinalizeBlock's validator updates at
 * H+2, evidence reaches FinalizeBlock as misbehavior, a scenario's delegations are real staking
 * transactions, and the checkers judge each height against the set that signed it.
 */
import { describe, expect, it } from 'vitest';
import { checkRun, powersAt } from '../../src/sim/checkers.js';
import { runScenario } from '../../src/sim/run-scenario.js';
import { loadScenario } from '../../src/sim/scenario.js';
import type { SimRun } from '../../src/sim/run-types.js';
import type { Scenario } from '../../src/sim/scenario-types.js';
import { FAST_TIMEOUTS, FIXED_NETWORK } from '../support/sim-consensus.js';

describe('staking in the simulator', () => {
  it('slashes a double signer out of the set at H+2 from its evidence, moves power by a delegation at the next epoch, and the chain goes on', async () => {
    const scenario = await loadScenario('scripts/scenarios/slash-double-signer.yaml');
    const { run, check } = await runScenario(scenario, 1);
    expect(check.violations).toEqual([]);
    const byName = Object.fromEntries(run.validators.map((v) => [v.name, v.address]));
    const v3 = byName.v3 as string;

    // The double signer is named by evidence that a block committed, and leaves the set two heights later.
    const evidence = (run.committedEvidence ?? []).filter((e) => e.validator === v3);
    expect(evidence.length).toBeGreaterThan(0);
    const committedAt = Math.min(...evidence.map((e) => e.height));
    expect(powersAt(run, committedAt + 1)[v3]).toBe(100);
    expect(powersAt(run, committedAt + 2)[v3]).toBeUndefined();

    // The delegation of 100 CMT to v2 doubles its power at an epoch boundary (every 10 blocks), two heights on.
    const raised = (run.validatorSets ?? []).find((s) => s.powers[byName.v2 as string] === 200);
    expect(raised).toBeDefined();
    expect(((raised?.height ?? 0) - 2) % 10).toBe(0);

    // The correct validators kept deciding with each new set.
    for (const i of [0, 1, 2]) expect(run.decisions[i]?.at(-1)?.height ?? 0).toBeGreaterThan((raised?.height ?? 0) + 10);
  }, 120_000);

  it('an unbond during the run takes the power a delegation gave back out of the set at the next epoch', async () => {
    const scenario: Scenario = {
      name: 'unbond',
      seed: 1,
      durationMs: 4_000,
      validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 100 })),
      network: FIXED_NETWORK,
      faults: [],
      livenessBoundMs: 2_000,
      timeouts: FAST_TIMEOUTS,
      delegations: [
        { at: 500, to: 'v2', amount: 100 },
        { at: 2_000, to: 'v2', amount: 100, action: 'unbond' },
      ],
    };
    const { run, check } = await runScenario(scenario, 1);
    expect(check.violations).toEqual([]);
    const v2 = run.validators[2]!.address;
    const sets = run.validatorSets ?? [];
    const raised = sets.find((s) => s.powers[v2] === 200);
    const lowered = sets.find((s) => s.height > (raised?.height ?? Infinity) && s.powers[v2] === 100);
    expect(raised).toBeDefined();
    expect(lowered).toBeDefined();
    // Both at an epoch boundary (every 10 blocks), two heights on; the unbond's no sooner than the epoch after it was sent.
    expect(((raised?.height ?? 0) - 2) % 10).toBe(0);
    expect(((lowered?.height ?? 0) - 2) % 10).toBe(0);
    const heightAtUnbond = run.decisions[0]!.filter((d) => d.at <= 2_000).length;
    expect(lowered!.height).toBeGreaterThan(heightAtUnbond);
    expect(lowered!.height).toBeLessThanOrEqual(heightAtUnbond + 12);
  });

  it('judges accountability against the set that signed the forked height', () => {
    const validators = ['a', 'b', 'c', 'd'].map((name) => ({ name, address: name.repeat(40), power: 10, byzantine: null }));
    const decision = (height: number, blockHash: string) => ({ height, round: 0, blockHash, valid: true, appHash: 'ff', at: height * 100 });
    const run: SimRun = {
      seed: 1,
      traceHash: '',
      endMs: 1000,
      gstMs: null,
      down: [],
      validators,
      decisions: [[decision(1, 'x1'), decision(2, 'x2')], [decision(1, 'x1'), decision(2, 'y2')], [decision(1, 'x1')], [decision(1, 'x1')]],
      doubleSigns: [],
      evidence: ['a'.repeat(40)],
      timeline: [],
      faults: [],
      messages: { sent: 0, lost: 0, junk: 0 },
      // By height 2, staking gave 'a' most of the power: naming it alone accounts for the fork.
      validatorSets: [
        { height: 1, powers: Object.fromEntries(validators.map((v) => [v.address, 10])) },
        { height: 2, powers: { ['a'.repeat(40)]: 40, ['b'.repeat(40)]: 10, ['c'.repeat(40)]: 10, ['d'.repeat(40)]: 10 } },
      ],
    };
    const check = checkRun(run, 10_000);
    expect(check.violations.map((v) => v.property)).toContain('agreement');
    expect(check.accountability).toMatchObject({ named: ['a'], namedPower: 40, totalPower: 70, exceedsOneThird: true });
    // Against the genesis set the same evidence would fall short: the set of the height is what counts.
    expect(checkRun({ ...run, validatorSets: [run.validatorSets![0]!] }, 10_000).accountability?.exceedsOneThird).toBe(false);
  });
});
