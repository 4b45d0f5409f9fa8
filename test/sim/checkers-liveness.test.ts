/**
 * Liveness under faults that never heal, on hand-made runs: the correct validators that still
 * reach each other after the last fault change must each decide within the bound when they
 * hold more than 2/3 of the power, and the check says why it judged or did not.
 */
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/sim/checkers.js';
import { components, cutLinks } from '../../src/sim/connectivity.js';
import type { SimRun } from '../../src/sim/run-types.js';
import type { FaultEvent, Scenario } from '../../src/sim/scenario-types.js';

const names = ['a', 'b', 'c', 'd'];
const BOUND = 5_000;

function run(decidedAt: Record<string, number[]>, over: Partial<SimRun> = {}): SimRun {
  return {
    seed: 1,
    traceHash: '',
    endMs: 20_000,
    gstMs: null,
    down: [],
    validators: names.map((name) => ({ name, address: name.repeat(40), power: 10, byzantine: null })),
    decisions: names.map((n) => (decidedAt[n] ?? []).map((at, i) => ({ height: i + 1, round: 0, blockHash: `h${i + 1}`, valid: true, appHash: 'ff', at }))),
    doubleSigns: [],
    evidence: [],
    timeline: [],
    faults: [],
    messages: { sent: 0, lost: 0, junk: 0 },
    ...over,
  };
}

const shape = (faults: FaultEvent[]): Pick<Scenario, 'faults' | 'validators'> => ({ faults, validators: names.map((name) => ({ name, power: 10 })) });
const isolateA: FaultEvent = { type: 'partition', at: 2_000, groups: [['a'], ['b', 'c', 'd']] };
const live = { b: [1_000, 3_000], c: [1_000, 3_500], d: [1_000, 4_000], a: [1_000] };

describe('liveness when a fault never heals', () => {
  it('asks the connected quorum to decide after the last fault change, and holds when it does', () => {
    const check = checkRun(run(live), BOUND, shape([isolateA]));
    expect(check.violations).toEqual([]);
    expect(check.liveness).toMatchObject({ basis: 'connected-quorum', nodes: ['b', 'c', 'd'] });
    expect(check.judged).toContain('liveness');
  });

  it('flags a member of the quorum that stalls', () => {
    const check = checkRun(run({ ...live, c: [1_000] }), BOUND, shape([isolateA]));
    expect(check.violations).toEqual([{ property: 'liveness', message: 'c committed nothing between the last fault change at 2000 ms and 7000 ms', at: 7_000 }]);
  });

  it('does not judge when no connected group holds more than 2/3', () => {
    const check = checkRun(run({}), BOUND, shape([{ type: 'partition', at: 2_000, groups: [['a', 'b'], ['c', 'd']] }]));
    expect(check.livenessChecked).toBe(false);
    expect(check.liveness.reason).toMatch(/no connected group of correct validators holds more than 2\/3/);
    expect(check.judged).not.toContain('liveness');
  });

  it('leaves a Byzantine validator out of the quorum', () => {
    const byzantine = run({}, { validators: names.map((name) => ({ name, address: name.repeat(40), power: 10, byzantine: name === 'b' ? 'silence' : null })) });
    expect(checkRun(byzantine, BOUND, shape([isolateA])).livenessChecked).toBe(false);
  });

  it('does not judge a run that ended before the bound, unless the quorum already decided', () => {
    expect(checkRun(run({}, { endMs: 6_000 }), BOUND, shape([isolateA])).liveness.reason).toMatch(/ended at 6000 ms/);
    expect(checkRun(run(live, { endMs: 6_000 }), BOUND, shape([isolateA])).livenessChecked).toBe(true);
  });

  it('takes the fault changes from the run record when there is one (a triggered fault)', () => {
    const triggered: FaultEvent = { ...isolateA, at: 0, when: { height: 3 } };
    expect(checkRun(run(live), BOUND, shape([triggered])).liveness.reason).toMatch(/no record of when/);
    const recorded = run(live, { appliedFaults: [{ at: 3_200, phase: 'start', index: 0 }] });
    // b decided at 3000, before the fault fired: only decisions after 3200 count.
    expect(checkRun(recorded, BOUND, shape([triggered])).violations.map((v) => v.message)).toEqual(['b committed nothing between the last fault change at 3200 ms and 8200 ms']);
  });

  it('counts crashed validators as down, and a lossy link as connected', () => {
    const faults: FaultEvent[] = [
      { type: 'crash', at: 2_000, node: 'a' },
      { type: 'link', at: 2_500, from: 'b', to: 'c', oneWay: false, behaviour: { drop: 0.5 } },
    ];
    const check = checkRun(run(live), BOUND, shape(faults));
    expect(check.liveness).toMatchObject({ basis: 'connected-quorum', nodes: ['b', 'c', 'd'] });
    expect(check.violations).toEqual([]);
  });

  it('without the scenario, says it cannot judge', () => {
    expect(checkRun(run(live), BOUND).liveness).toMatchObject({ basis: 'not-judged' });
  });
});

describe('connectivity', () => {
  it('routes a one-way cut around through a relay, but not a node cut off both ways', () => {
    const oneWay = cutLinks(names, [{ type: 'link', at: 0, from: 'a', to: 'b', oneWay: true, behaviour: { drop: 1 } }]);
    expect(components([0, 1, 2, 3], oneWay)).toEqual([[0, 1, 2, 3]]);
    const deaf = cutLinks(names, [{ type: 'messages', at: 0, filter: { to: ['a'] }, behaviour: { drop: 1 } }]);
    expect(components([0, 1, 2, 3], deaf).map((c) => c.length).sort()).toEqual([1, 3]);
    // A filtered drop (precommits only) leaves the link up.
    const filtered = cutLinks(names, [{ type: 'messages', at: 0, filter: { to: ['a'], kinds: ['precommit'] }, behaviour: { drop: 1 } }]);
    expect(components([0, 1, 2, 3], filtered)).toEqual([[0, 1, 2, 3]]);
  });
});
