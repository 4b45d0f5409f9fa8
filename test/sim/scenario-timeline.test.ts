/** GST and the down-for-good list when faults are triggered by the protocol (src/sim/fault-timeline.ts). */
import { describe, expect, it } from 'vitest';
import { describeFault, downForGood, endOf, gstOf } from '../../src/sim/fault-timeline.js';
import type { FaultEvent } from '../../src/sim/scenario-types.js';

const triggeredCut: FaultEvent = { type: 'partition', at: 0, groups: [['v0'], ['v1']], when: { height: 3 }, forMs: 2_000 };
const timedCut: FaultEvent = { type: 'partition', at: 1_000, forMs: 500, groups: [['v0'], ['v1']] };
const triggeredCrash: FaultEvent = { type: 'crash', at: 0, node: 'v2', when: { height: 2, step: 'precommit' } };

describe('fault timeline with triggers', () => {
  it('forMs without when ends at at + forMs; a triggered fault has no end known in advance', () => {
    expect(endOf(timedCut)).toBe(1_500);
    expect(gstOf([timedCut])).toBe(1_500);
    expect(endOf(triggeredCut)).toBeUndefined();
    expect(gstOf([timedCut, triggeredCut])).toBeNull();
  });

  it('with the applied faults, a triggered fault ends forMs after it started, or at its recorded end; one that never fired does not count', () => {
    expect(gstOf([timedCut, triggeredCut], [{ index: 1, phase: 'start', at: 7_000 }])).toBe(9_000);
    expect(gstOf([timedCut, triggeredCut], [{ index: 1, phase: 'start', at: 7_000 }, { index: 1, phase: 'end', at: 8_000 }])).toBe(8_000);
    expect(gstOf([timedCut, triggeredCut], [])).toBe(1_500);
    const forEver: FaultEvent = { type: 'network', at: 0, when: { height: 4 }, behaviour: { drop: 0.5 } };
    expect(gstOf([forEver], [{ index: 0, phase: 'start', at: 3 }])).toBeNull();
  });

  it('a triggered crash without forMs is down for good once it fired', () => {
    expect(downForGood([triggeredCrash])).toEqual(['v2']);
    expect(downForGood([triggeredCrash], [])).toEqual([]);
    expect(downForGood([triggeredCrash], [{ index: 0, phase: 'start', at: 40 }])).toEqual(['v2']);
    expect(gstOf([triggeredCrash], [{ index: 0, phase: 'start', at: 40 }])).toBe(0);
    expect(downForGood([{ ...triggeredCrash, forMs: 100 }])).toEqual([]);
  });
});

describe('describeFault', () => {
  it('says a triggered fault\'s trigger, and nothing more for one scheduled by time', () => {
    expect(describeFault(timedCut)).toBe('partition v0 | v1');
    expect(describeFault({ ...triggeredCrash, when: { height: 2, round: 1, step: 'precommit', node: 'v2', proposer: 'v0' } })).toBe('crash v2 (when height 2, round 1, step precommit, at v2, proposer v0)');
  });
});
