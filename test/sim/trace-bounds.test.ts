/**
 * A trace's timeline is bounded: past each kind's limit the records farthest in time from the
 * first violation are left out (and counted), so a long run's trace keeps what a person steps
 * through; a fault's span carries its description, and one that never ended has end null.
 */
import { describe, expect, it } from 'vitest';
import { TRACE_TIMELINE_LIMITS, traceTimeline } from '../../src/sim/run-timeline.js';
import type { RunCheck } from '../../src/sim/checkers.js';
import type { SimRun } from '../../src/sim/run-types.js';

const A = 'aa'.repeat(20);

function longRun(points: number, votes: number): SimRun {
  return {
    seed: 1,
    traceHash: 'ff',
    endMs: points,
    gstMs: null,
    down: [],
    validators: [{ name: 'v0', address: A, power: 1, byzantine: null }],
    decisions: [[{ height: 1, round: 0, blockHash: 'b1', valid: true, appHash: 'r', at: 10 }]],
    doubleSigns: [],
    evidence: [],
    timeline: Array.from({ length: points }, (_, at) => ({ at, node: 0, height: 1, round: 0, step: 'propose' })),
    faults: [],
    messages: { sent: 0, lost: 0, junk: 0 },
    votes: Array.from({ length: votes }, (_, at) => ({ at, validator: A, height: 1, round: at, type: 1, blockHash: '' })),
    appliedFaults: [
      { at: 100, phase: 'start', index: 0 },
      { at: 200, phase: 'end', index: 0 },
      { at: 300, phase: 'start', index: 1 },
    ],
  };
}

const check = (at: number): RunCheck => ({ violations: [{ property: 'liveness', message: 'stuck', at }], livenessChecked: true, liveness: { basis: 'healed', reason: '', nodes: [] }, accountability: null, judged: ['liveness'] });

describe('the timeline a trace carries', () => {
  const faults = [
    { type: 'crash', at: 100, node: 'v0', restartAt: 200 },
    { type: 'pause', at: 300, node: 'v0' },
  ] as never;

  it('keeps the records nearest the violation, in time order, and counts the rest', () => {
    const extra = 5_000;
    const run = longRun(TRACE_TIMELINE_LIMITS.timeline + extra, TRACE_TIMELINE_LIMITS.votes + extra);
    const t = traceTimeline(run, check(extra / 2), { name: 's', faults }, null);
    expect(t.timeline).toHaveLength(TRACE_TIMELINE_LIMITS.timeline);
    expect(t.omitted.timeline).toBe(extra);
    // Centred on 2500: everything from 0 is kept, and the far end of the run is cut.
    expect(t.timeline[0]?.at).toBe(0);
    expect(t.timeline.at(-1)?.at).toBe(TRACE_TIMELINE_LIMITS.timeline - 1);
    expect(t.timeline.every((p, i) => i === 0 || p.at > (t.timeline[i - 1]?.at as number))).toBe(true);
    expect(t.perValidator[0]?.votes).toHaveLength(TRACE_TIMELINE_LIMITS.votes);
    expect(t.omitted.votes).toBe(extra);
  });

  it('centres on the violation late in a long run', () => {
    const n = TRACE_TIMELINE_LIMITS.timeline * 2;
    const t = traceTimeline(longRun(n, 10), check(n - 1), { name: 's', faults }, null);
    expect(t.timeline[0]?.at).toBe(n - TRACE_TIMELINE_LIMITS.timeline);
    expect(t.omitted.timeline).toBe(TRACE_TIMELINE_LIMITS.timeline);
    expect(t.omitted.votes).toBe(0);
  });

  it('gives each applied fault its span and description', () => {
    const t = traceTimeline(longRun(10, 10), check(5), { name: 's', faults }, 'ignore-lock');
    expect(t.appliedFaults).toEqual([
      { index: 0, description: 'crash v0', start: 100, end: 200 },
      { index: 1, description: 'pause v0', start: 300, end: null },
    ]);
    expect(t.mutation).toBe('ignore-lock');
  });
});
