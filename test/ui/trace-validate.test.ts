/**
 * The viewer's check of a trace file (ui/src/trace/validate.ts): whatever a person opens — any
 * JSON, any text, a real trace with a field broken — gets a checked trace or a refusal that
 * says where it is wrong, never an exception; lists past their bounds are refused.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkTrace, checkTraceSize, MAX_FAULT_SPANS, MAX_LIST, MAX_RECORDS, MAX_TRACE_BYTES, MAX_VALIDATORS, parseTrace } from '../../ui/src/trace/validate.js';
import { TRACE_TIMELINE_LIMITS } from '../../src/sim/run-timeline.js';

const HASH = 'ab'.repeat(32);

function sampleTrace(): Record<string, unknown> {
  return {
    format: 'cmt-sim-trace/1',
    scenarioSource: 'split.yaml',
    scenarioText: 'name: split\nseed: 1\n',
    seed: 1,
    mutation: 'quorum-off-by-one',
    summary: { seed: 1, traceHash: HASH, heights: 3, endMs: 400, violations: [{ property: 'agreement', message: 'height 2: fork', at: 150, height: 2 }], livenessReason: 'not judged' },
    timeline: {
      scenario: 'split',
      traceHash: HASH,
      endMs: 400,
      gstMs: 300,
      validators: [
        { name: 'v0', address: 'x', power: 1, byzantine: null },
        { name: 'v1', address: 'y', power: 1, byzantine: 'equivocate' },
      ],
      decisions: [[{ height: 1, round: 0, blockHash: 'b1', valid: true, appHash: 'r', at: 50 }, { height: 2, round: 0, blockHash: 'b2', valid: true, appHash: 'r', at: 120 }], [{ height: 1, round: 0, blockHash: 'b1', valid: true, appHash: 'r', at: 55 }, { height: 2, round: 1, blockHash: 'c2', valid: true, appHash: 'r', at: 150 }]],
      timeline: [
        { at: 0, node: 0, height: 1, round: 0, step: 'propose' },
        { at: 60, node: 1, height: 2, round: 0, step: 'prevote' },
      ],
      faults: [{ at: 100, description: 'start partition v0 | v1' }],
      appliedFaults: [{ index: 0, description: 'partition v0 | v1', start: 100, end: 300 }],
      perValidator: [
        { name: 'v0', byzantine: null, proposals: [{ at: 10, height: 1, round: 0, polRound: -1, proposer: 'v0', blockHash: 'b1', made: true }], votes: [{ at: 20, height: 1, round: 0, type: 'prevote', block: 'b1' }], locks: [{ at: 30, height: 1, lockedRound: 0, lockedValue: 'b1', validRound: 0 }] },
        { name: 'v1', byzantine: 'equivocate', proposals: [], votes: [{ at: 140, height: 2, round: 1, type: 'precommit', block: 'nil' }], locks: [] },
      ],
      check: { violations: [{ property: 'agreement', message: 'height 2: fork', at: 150, height: 2 }] },
      omitted: { timeline: 0, votes: 3 },
    },
  };
}

describe('checking a trace in the browser', () => {
  it('reads a whole trace: summary, validators, heights, faults, votes, violations with their time', () => {
    const r = checkTrace(sampleTrace());
    if (!r.ok) throw new Error(r.error);
    expect(r.trace).toMatchObject({ scenarioName: 'split', seed: 1, mutation: 'quorum-off-by-one', traceHash: HASH, heights: 3 });
    expect(r.trace.timeline?.validators).toEqual([{ name: 'v0', byzantine: null }, { name: 'v1', byzantine: 'equivocate' }]);
    expect(r.trace.timeline?.faultSpans).toEqual([{ index: 0, description: 'partition v0 | v1', start: 100, end: 300 }]);
    expect(r.trace.timeline?.violations).toEqual([{ property: 'agreement', message: 'height 2: fork', at: 150, height: 2 }]);
    expect(r.trace.timeline?.omitted).toBe(3);
  });

  it('reads an older trace with no timeline, its name from the scenario text, and brokenLocking as ignore-lock', () => {
    const { timeline: _t, mutation: _m, ...old } = sampleTrace();
    const r = checkTrace({ ...old, brokenLocking: true, summary: { seed: 1, traceHash: HASH, heights: 3, endMs: 400, violations: [{ property: 'locking', message: 'm' }] } });
    if (!r.ok) throw new Error(r.error);
    expect(r.trace).toMatchObject({ scenarioName: 'split', mutation: 'ignore-lock', timeline: null });
    expect(r.trace.violations).toEqual([{ property: 'locking', message: 'm', at: null, height: null }]);
  });

  it('refuses with the place that is wrong', () => {
    const cases: [(t: Record<string, unknown>) => void, RegExp][] = [
      [(t) => (t.format = 'cmt-sim-trace/9'), /trace\.format: not a cmt-sim-trace\/1 file/],
      [(t) => delete t.summary, /trace\.summary: expected an object/],
      [(t) => ((t.timeline as { traceHash: string }).traceHash = 'cd'), /trace\.timeline\.traceHash: differs/],
      [(t) => ((t.timeline as { timeline: { node: number }[] }).timeline[1] as { node: number }).node = 7, /trace\.timeline\.timeline\[1\]\.node: no validator 7/],
      [(t) => (((t.timeline as { perValidator: { votes: { type: string }[] }[] }).perValidator[1]?.votes[0] as { type: string }).type = 'vote'), /perValidator\[1\]\.votes\[0\]\.type/],
      [(t) => ((t.timeline as { decisions: unknown[] }).decisions = [[], [], []]), /decisions: 3 entries, more than 2/],
      [(t) => ((t.timeline as { appliedFaults: { end: number }[] }).appliedFaults[0] as { end: number }).end = 5, /ends before it starts/],
      [(t) => (t.seed = -1), /trace\.seed: expected a whole number/],
      [(t) => ((t.summary as { endMs: unknown }).endMs = 'soon'), /trace\.summary\.endMs: expected a number/],
    ];
    for (const [breakIt, error] of cases) {
      const t = sampleTrace();
      breakIt(t);
      const r = checkTrace(t);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(error);
    }
  });

  it('refuses lists past their bounds without reading them', () => {
    const t = sampleTrace();
    (t.timeline as { validators: unknown[] }).validators = new Array(MAX_VALIDATORS + 1).fill({ name: 'v', byzantine: null });
    const r = checkTrace(t);
    expect(r.ok || r.error).toMatch(/validators: 1001 entries, more than 1000/);
    const u = sampleTrace();
    (u.timeline as { timeline: unknown[] }).timeline = new Array(MAX_LIST + 1).fill(0);
    expect(checkTrace(u)).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`more than ${MAX_LIST}$`)) });
    expect(checkTraceSize(MAX_TRACE_BYTES + 1)).toMatch(/at most/);
    expect(checkTraceSize(1000)).toBeNull();
  });

  it("reads whatever the writer keeps: the viewer's bounds are the writer's, no tighter", () => {
    const { faults, ...lists } = TRACE_TIMELINE_LIMITS;
    expect(MAX_LIST).toBeGreaterThanOrEqual(Math.max(...Object.values(lists)));
    expect(MAX_FAULT_SPANS).toBeGreaterThanOrEqual(faults);
    expect(MAX_RECORDS).toBeGreaterThanOrEqual(Object.values(TRACE_TIMELINE_LIMITS).reduce((a, b) => a + b, 0));
  });

  it('keeps a hostile key out of the objects it builds', () => {
    const t = JSON.parse(JSON.stringify(sampleTrace()).replace('"name":"v0","address"', '"__proto__":{"polluted":1},"name":"v0","address"')) as unknown;
    const r = checkTrace(t);
    if (!r.ok) throw new Error(r.error);
    expect(Object.getPrototypeOf(r.trace.timeline?.validators[0])).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers any JSON value with a result or a refusal, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const r = checkTrace(value);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.error).toMatch(/^Not a trace/);
      }),
      { numRuns: 500 },
    );
  });

  it('answers any text with a refusal that says it is not JSON, never a throw', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const r = parseTrace(text);
        if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
      }),
    );
  });

  it('answers a real trace with any one field replaced by any JSON value, never a throw', () => {
    const paths = (v: unknown, at: string[] = []): string[][] =>
      typeof v === 'object' && v !== null ? [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))] : [at];
    const all = paths(sampleTrace()).filter((p) => p.length > 0);
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.jsonValue(), (path, value) => {
        const t = sampleTrace();
        let o = t as Record<string, unknown>;
        for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
        o[path.at(-1) as string] = value;
        const r = checkTrace(t);
        if (r.ok) expect(r.trace.traceHash.length).toBeGreaterThan(0);
        else expect(r.error).toMatch(/^Not a trace this viewer can show: trace/);
      }),
      { numRuns: 1000 },
    );
  });
});
