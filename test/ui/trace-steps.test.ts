/**
 * The step-through model (ui/src/trace/steps.ts) and the chart's option: messages in time
 * order with the violation current at the start, a bounded window around any moment, steps
 * that stay inside it; the chart draws a line per validator (Byzantine dashed), a band per
 * fault and the violations in red.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allMessages, focusOf, step, windowAround, type StepMessage } from '../../ui/src/trace/steps.js';
import { escapeHtml, traceChartOption } from '../../ui/src/trace/chart-option.js';
import type { Trace } from '../../ui/src/trace/types.js';

const trace: Trace = {
  scenarioName: 'split',
  scenarioSource: 'split.yaml',
  seed: 1,
  mutation: null,
  traceHash: 'ab',
  heights: 2,
  endMs: 400,
  violations: [{ property: 'agreement', message: 'fork', at: null, height: null }],
  livenessReason: null,
  timeline: {
    endMs: 400,
    gstMs: null,
    validators: [
      { name: 'v0', byzantine: null },
      { name: 'v1', byzantine: 'equivocate' },
    ],
    decisions: [[{ at: 50, height: 1, round: 0, blockHash: 'b1' }], [{ at: 150, height: 1, round: 1, blockHash: 'c1' }]],
    points: [{ at: 10, node: 0, height: 1, round: 0, step: 'propose' }],
    faultSpans: [{ index: 0, description: 'partition v0 | v1', start: 100, end: null }],
    perValidator: [
      { proposals: [{ at: 12, height: 1, round: 0, polRound: -1, proposer: 'v0', blockHash: 'b1', made: true }], votes: [{ at: 150, height: 1, round: 1, type: 'precommit', block: 'nil' }], locks: [] },
      { proposals: [], votes: [], locks: [] },
    ],
    violations: [
      { property: 'agreement', message: 'fork', at: 150, height: 1 },
      { property: 'accountability', message: 'nobody named', at: 150, height: 1 },
    ],
    omitted: 0,
  },
};

describe('the step-through', () => {
  it('lists every kind of message by time; at one instant the cause comes before the violation', () => {
    const m = allMessages(trace);
    expect(m.map((x) => [x.at, x.kind])).toEqual([
      [10, 'step'],
      [12, 'proposal'],
      [50, 'decision'],
      [100, 'fault-start'],
      [150, 'vote'],
      [150, 'decision'],
      [150, 'violation'],
      [150, 'violation'],
    ]);
    expect(m[1]?.text).toBe('v0 proposes b1 for 1/0');
    expect(m[4]?.text).toBe('v0 precommits nil at 1/1');
  });

  it('starts on the first violation of the first violating instant', () => {
    const m = allMessages(trace);
    expect(focusOf(trace)).toBe(150);
    const w = windowAround(m, focusOf(trace));
    expect(w.messages[w.index]?.text).toBe('VIOLATION agreement: fork');
  });

  it('centres on the end of the run when no violation has a time, and has no messages without a timeline', () => {
    const untimed: Trace = { ...trace, timeline: { ...(trace.timeline as NonNullable<Trace['timeline']>), violations: null } };
    expect(focusOf(untimed)).toBe(400);
    expect(allMessages({ ...trace, timeline: null })).toEqual([]);
    expect(windowAround([], 5)).toEqual({ messages: [], index: 0 });
  });

  it('windows any sorted list around any moment: bounded, current the last message at or before it, steps stay inside', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 400 }), fc.integer({ min: -10, max: 1010 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: -100, max: 100 }), (times, moment, side, delta) => {
        const messages: StepMessage[] = times.sort((a, b) => a - b).map((at) => ({ at, kind: 'step', node: 'v0', text: String(at) }));
        const w = windowAround(messages, moment, side);
        expect(w.messages.length).toBeLessThanOrEqual(2 * side + 1);
        if (messages.length === 0) return;
        const current = w.messages[w.index] as StepMessage;
        const before = messages.filter((m) => m.at <= moment);
        expect(current.at).toBe(before.length > 0 ? (before.at(-1) as StepMessage).at : messages[0]?.at);
        const next = step(w, delta);
        expect(next).toBeGreaterThanOrEqual(0);
        expect(next).toBeLessThan(w.messages.length);
        expect(next).toBe(Math.min(w.messages.length - 1, Math.max(0, w.index + delta)));
      }),
    );
  });
});

describe('the chart', () => {
  it('draws a step line per validator, Byzantine dashed, the fault band to the end of the run, the violations once per instant, the cursor', () => {
    const o = traceChartOption(trace, 150) as { series: { name: string; lineStyle?: { type: string }; data: unknown[]; markArea?: { data: unknown[] }; markLine?: { data: { name: string; xAxis: number }[] } }[] };
    const byName = new Map(o.series.map((s) => [s.name, s]));
    expect(byName.get('v0')?.lineStyle?.type).toBe('solid');
    expect(byName.get('v1')?.lineStyle?.type).toBe('dashed');
    expect(byName.get('v0')?.data).toEqual([[0, 0], [50, 1], [400, 1]]);
    expect(byName.get('faults')?.markArea?.data).toEqual([[expect.objectContaining({ name: 'partition v0 | v1', xAxis: 100 }), { xAxis: 400 }]]);
    expect(byName.get('violations')?.data).toHaveLength(2);
    expect(byName.get('violations')?.markLine?.data).toEqual([{ name: 'agreement, accountability', xAxis: 150 }]);
    expect(byName.get('cursor')?.markLine?.data).toEqual([{ name: '150 ms', xAxis: 150 }]);
  });

  it("shows a violation's hostile text as text in the tooltip (ECharts reads a formatter's answer as HTML)", () => {
    const message = '<img src=x onerror=alert(1)><a href="javascript:x">&</a>';
    const hostile: Trace = { ...trace, timeline: { ...(trace.timeline as NonNullable<Trace['timeline']>), violations: [{ property: 'agreement', message, at: 150, height: 1 }] } };
    const series = (traceChartOption(hostile, null).series as { name: string; tooltip?: { formatter?: (p: { name: string }) => string }; data?: { name?: string }[] }[]).find((x) => x.name === 'violations');
    const shown = series?.tooltip?.formatter?.({ name: series.data?.[0]?.name ?? '' }) ?? '';
    expect(shown).not.toMatch(/[<>"]/);
    expect(shown).toBe(escapeHtml(`agreement: ${message}`));
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(escapeHtml(text)).not.toMatch(/[<>"']|&(?!#\d+;)/);
      }),
    );
  });

  it('draws many decisions and many violations of one instant without a stack overflow or a quadratic grouping', () => {
    const base = trace.timeline as NonNullable<Trace['timeline']>;
    const decisions = Array.from({ length: 200_000 }, (_, i) => ({ at: i, height: i + 1, round: 0, blockHash: 'b' }));
    const violations = Array.from({ length: 10_000 }, (_, i) => ({ property: `p${i}`, message: 'm', at: 5, height: 1 }));
    const big: Trace = { ...trace, timeline: { ...base, validators: [base.validators[0] as NonNullable<Trace['timeline']>['validators'][number]], decisions: [decisions], violations } };
    const option = traceChartOption(big, 5) as { yAxis: { max: number }; series: { name: string; markLine?: { data: { name: string }[] } }[] };
    expect(option.yAxis.max).toBe(200_001);
    expect(option.series.find((x) => x.name === 'violations')?.markLine?.data).toHaveLength(1);
  });
});
