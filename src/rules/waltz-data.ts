/**
 * Drawings for the Waltz benchmark (bench/rules/waltz.drl) with their known labelling. A drawing
 * is a prism over a convex polygon of 2k sides, seen from above and in front: its top face, the
 * k side faces of the polygon's lower chain, and the lower chain of its bottom face; 4k + 1
 * lines, 3k + 1 junctions (two arrows and k - 1 forks along the top's front, k - 1 Ls along the
 * top's back, k - 1 arrows and two Ls along the bottom). The labelling follows from the solid:
 * every line on its outline is a boundary (B), every other line a convex edge (+). Points are
 * integers x * 10000 + y, as the rules read them. Shared by the conformance test and
 * `npm run bench -- rules`.
 */
export const WALTZ_POINT_SCALE = 10_000;

export interface WaltzLine {
  p1: number;
  p2: number;
  /** The label the solid gives this line (either direction). */
  label: 'B' | '+';
}

interface Point {
  x: number;
  y: number;
}

const code = (p: Point): number => p.x * WALTZ_POINT_SCALE + p.y;

/** The lines of a prism of 2k sides (k ≥ 2), in a fixed order. */
export function waltzPrism(k: number): WaltzLine[] {
  // 60 keeps y, which runs over about k²/2 + 100, below the point scale.
  if (!Number.isInteger(k) || k < 2 || k > 60) throw new RangeError(`a Waltz prism has 2 to 60 front faces, not ${k}`);
  // The lower chain's steps, left to right with rising slopes; the upper chain takes them back
  // negated, so the polygon closes and is convex. No step is vertical: no side face edge-on.
  const steps: Point[] = Array.from({ length: k }, (_, i) => ({ x: 10, y: 2 * i - (k - 1) }));
  const depth = steps.reduce((low, _, i) => Math.min(low, steps.slice(0, i + 1).reduce((y, s) => y + s.y, 0)), 0);
  const height = 100;
  const start: Point = { x: 1, y: height - depth + 1 };
  const lower: Point[] = [start];
  for (const s of steps) {
    const last = lower[lower.length - 1] as Point;
    lower.push({ x: last.x + s.x, y: last.y + s.y });
  }
  const upper: Point[] = [lower[k] as Point];
  for (const s of steps) {
    const last = upper[upper.length - 1] as Point;
    upper.push({ x: last.x - s.x, y: last.y - s.y });
  }
  const below = (p: Point): Point => ({ x: p.x, y: p.y - height });
  const lines: WaltzLine[] = [];
  const add = (a: Point, b: Point, label: WaltzLine['label']): void => void lines.push({ p1: code(a), p2: code(b), label });
  for (let i = 0; i < k; i++) add(lower[i] as Point, lower[i + 1] as Point, '+');
  for (let i = 0; i < k; i++) add(upper[i] as Point, upper[i + 1] as Point, 'B');
  for (let i = 0; i <= k; i++) add(lower[i] as Point, below(lower[i] as Point), i === 0 || i === k ? 'B' : '+');
  for (let i = 0; i < k; i++) add(below(lower[i] as Point), below(lower[i + 1] as Point), 'B');
  return lines;
}

/** The facts of a Waltz run, in the order they are inserted. */
export function waltzFacts(lines: readonly WaltzLine[]): { type: string; fields: Record<string, unknown> }[] {
  return [...lines.map((l) => ({ type: 'Line', fields: { p1: l.p1, p2: l.p2 } })), { type: 'Stage', fields: { value: 'duplicate' } }];
}

export interface WaltzEdge {
  p1: number;
  p2: number;
  label: string | null;
  plotted: boolean;
}

/**
 * What is wrong with a run's edges against the drawing: an empty list when every line became
 * two plotted edges, one each way, both with the line's label.
 */
export function labellingProblems(lines: readonly WaltzLine[], edges: readonly WaltzEdge[]): string[] {
  const problems: string[] = [];
  const expected = new Map<string, string>();
  for (const l of lines) {
    expected.set(`${l.p1}>${l.p2}`, l.label);
    expected.set(`${l.p2}>${l.p1}`, l.label);
  }
  const seen = new Set<string>();
  for (const e of edges) {
    const key = `${e.p1}>${e.p2}`;
    const want = expected.get(key);
    if (want === undefined) problems.push(`edge ${key} is not in the drawing`);
    else if (seen.has(key)) problems.push(`edge ${key} twice`);
    else if (e.label !== want) problems.push(`edge ${key}: ${String(e.label)}, not ${want}`);
    else if (!e.plotted) problems.push(`edge ${key} not plotted`);
    seen.add(key);
  }
  for (const key of expected.keys()) if (!seen.has(key)) problems.push(`edge ${key} missing`);
  return problems;
}
