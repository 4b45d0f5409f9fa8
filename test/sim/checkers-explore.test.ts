/** How explore adds runs up: per property, runs judged and runs violated; and which violated property is the most serious. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mostSerious, PROPERTIES, type Property } from '../../src/sim/checkers.js';
import { tally } from '../../src/sim/explore.js';
import type { RunSummary } from '../../src/sim/run-summary.js';

const summary = (seed: number, judged: Property[], violated: Property[]): RunSummary => ({
  seed,
  traceHash: '',
  heights: 3,
  endMs: 1_000,
  violations: violated.flatMap((p) => [
    { property: p, message: 'one' },
    { property: p, message: 'two' },
  ]),
  livenessChecked: judged.includes('liveness'),
  livenessReason: '',
  accountability: null,
  judged,
});

describe('explore counts', () => {
  it('counts each property once per run, judged and violated apart', () => {
    const subsetOf = fc.subarray([...PROPERTIES]);
    fc.assert(
      fc.property(fc.array(fc.tuple(subsetOf, subsetOf), { maxLength: 20 }), (runs) => {
        const summaries = runs.map(([judged, violated], i) => summary(i, judged, violated));
        const result = tally(summaries);
        for (const p of PROPERTIES) {
          expect(result.judged[p]).toBe(runs.filter(([judged]) => judged.includes(p)).length);
          expect(result.violations[p]).toBe(runs.filter(([, violated]) => violated.includes(p)).length);
        }
        expect(result.failing.map((s) => s.seed)).toEqual(runs.flatMap(([, violated], i) => (violated.length > 0 ? [i] : [])));
        expect(result.heights).toBe(3 * runs.length);
      }),
    );
  });

  it('names the most serious violated property: safety before accountability before double signs before the lock rule before liveness', () => {
    expect(mostSerious([])).toBeNull();
    expect(mostSerious(['liveness', 'doubleSign'])).toBe('doubleSign');
    expect(mostSerious([{ property: 'liveness', message: '' }, { property: 'accountability', message: '' }])).toBe('accountability');
    expect(mostSerious(['validity', 'agreement'])).toBe('agreement');
    expect(mostSerious(['liveness', 'locking'])).toBe('locking');
    expect(mostSerious(['locking', 'doubleSign'])).toBe('doubleSign');
    expect(PROPERTIES).toEqual(['agreement', 'validity', 'accountability', 'doubleSign', 'locking', 'liveness']);
  });
});
