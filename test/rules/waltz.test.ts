/**
 * Waltz, the classic Rete benchmark of line labelling, as a conformance test: on prisms of
 * several sizes the rules type every junction, and label every line as the solid does (its
 * outline boundaries, the rest convex edges); the run ends by itself in the stage "done". The
 * rules type a three-line junction with exact cross products where the classic program used
 * floating-point angles: generated junctions are typed both ways and compared.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRules, openSession } from '../../src/rules/engine.js';
import { labellingProblems, WALTZ_POINT_SCALE, waltzFacts, waltzPrism, type WaltzEdge } from '../../src/rules/waltz-data.js';

const WALTZ = readFileSync(new URL('../../bench/rules/waltz.drl', import.meta.url), 'utf8');

function runWaltz(k: number, text = WALTZ): { edges: WaltzEdge[]; junctions: Record<string, number>; stage: string[]; fired: number; pending: number } {
  const session = openSession(compileRules('waltz.drl', text));
  for (const f of waltzFacts(waltzPrism(k))) session.insert(f.type, f.fields);
  const fired = session.fire(1_000_000);
  const edges = session.query('Edge').map((e) => ({
    p1: Number(e.fields.get('p1')?.toString()),
    p2: Number(e.fields.get('p2')?.toString()),
    label: (e.fields.get('label') ?? null) as string | null,
    plotted: e.fields.get('plotted') === true,
  }));
  const junctions: Record<string, number> = {};
  for (const j of session.query('Junction')) {
    const type = String(j.fields.get('type'));
    junctions[type] = (junctions[type] ?? 0) + 1;
  }
  return { edges, junctions, stage: session.query('Stage').map((s) => String(s.fields.get('value'))), fired, pending: session.pending };
}

describe('Waltz', () => {
  for (const k of [2, 3, 12, 25]) {
    it(`labels a prism of ${2 * k} sides (${4 * k + 1} lines) as the solid does`, () => {
      const run = runWaltz(k);
      expect(run.stage).toEqual(['done']);
      expect(run.pending).toBe(0);
      expect(run.junctions).toEqual({ L: k + 1, arrow: k + 1, fork: k - 1 });
      expect(labellingProblems(waltzPrism(k), run.edges)).toEqual([]);
    });
  }

  it('the check catches broken rules: without the fork rule the front is left to the boundary kludge; with a sign flipped the junctions are mistyped', () => {
    const withoutFork = WALTZ.replace(/rule "label fork 1"[\s\S]*?\nend\n/, '');
    expect(withoutFork).not.toBe(WALTZ);
    const unforked = runWaltz(5, withoutFork);
    expect(unforked.stage).toEqual(['done']);
    expect(labellingProblems(waltzPrism(5), unforked.edges).some((p) => p.endsWith(', not +'))).toBe(true);

    const flipped = WALTZ.replace('$x2 * dy - $y2 * dx > 0, $x1 * dy - $y1 * dx > 0', '$x2 * dy - $y2 * dx > 0, $x1 * dy - $y1 * dx < 0');
    expect(flipped).not.toBe(WALTZ);
    expect(runWaltz(5, flipped).junctions).not.toEqual({ L: 6, arrow: 6, fork: 4 });
  });

  it('types three-line junctions as the classic angle arithmetic does (generated junctions: arrows, forks, tees)', () => {
    const network = compileRules('waltz.drl', WALTZ);
    const base = { x: 50, y: 50 };
    const at = (v: { x: number; y: number }): number => (base.x + v.x) * WALTZ_POINT_SCALE + base.y + v.y;
    const vector = fc.record({ x: fc.integer({ min: -10, max: 10 }), y: fc.integer({ min: -10, max: 10 }) }).filter((v) => v.x !== 0 || v.y !== 0);
    const sameDirection = (a: { x: number; y: number }, b: { x: number; y: number }): boolean => a.x * b.y === a.y * b.x && a.x * b.x + a.y * b.y > 0;
    // Random lines seldom make a tee's straight bar: half the junctions are given one.
    const junction = fc.oneof(
      fc.tuple(vector, vector, vector),
      fc.tuple(vector, vector).map(([a, stem]) => [a, stem, { x: -a.x, y: -a.y }] as const),
    ).filter(([a, b, c]) => !sameDirection(a, b) && !sameDirection(b, c) && !sameDirection(a, c));
    fc.assert(
      fc.property(junction, ([v1, v2, v3]) => {
        const want = classicType([v1, v2, v3]);
        const s = openSession(network);
        for (const v of [v1, v2, v3]) s.insert('Line', { p1: at({ x: 0, y: 0 }), p2: at(v) });
        s.insert('Stage', { value: 'duplicate' });
        s.fire(10_000);
        const got = s.query('Junction').map((j) => ({ type: String(j.fields.get('type')), shaft: Number(j.fields.get('p2')?.toString()) }));
        expect(got).toHaveLength(1);
        expect(got[0]?.type).toBe(want.type);
        if (want.type !== 'fork') expect(got[0]?.shaft).toBe(at([v1, v2, v3][want.shaft] as { x: number; y: number }));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a prism it cannot draw exactly', () => {
    for (const k of [1, 61, 2.5]) expect(() => waltzPrism(k)).toThrow(RangeError);
  });
});

/**
 * The classic program's make_3_junction, in floating point: the shaft is the line whose angles
 * to the other two sum least; that sum within 0.001 of π is a tee, above it a fork, below an arrow.
 */
function classicType(vs: readonly { x: number; y: number }[]): { type: string; shaft: number } {
  const angle = (i: number, j: number): number => {
    const a = vs[i] as { x: number; y: number };
    const b = vs[j] as { x: number; y: number };
    const d = Math.abs(Math.atan2(a.y, a.x) - Math.atan2(b.y, b.x));
    return d > Math.PI ? 2 * Math.PI - d : d;
  };
  const sums = [angle(0, 1) + angle(0, 2), angle(0, 1) + angle(1, 2), angle(0, 2) + angle(1, 2)];
  const shaft = sums.indexOf(Math.min(...sums));
  const sum = sums[shaft] as number;
  return { type: Math.abs(sum - Math.PI) < 0.001 ? 'tee' : sum > Math.PI ? 'fork' : 'arrow', shaft };
}
