/**
 * The properties every run is checked against (spec/faults.md). They look only at correct
 * validators: a Byzantine one may decide or sign anything. Agreement covers state too: one
 * block must leave every correct validator's application with the same root.
 */
import type { SimRun } from './run-types.js';

export const PROPERTIES = ['agreement', 'validity', 'doubleSign', 'liveness'] as const;
export type Property = (typeof PROPERTIES)[number];

export interface Violation {
  property: Property;
  message: string;
}

export interface Accountability {
  /** Validators the collected evidence names, by scenario name. */
  named: string[];
  namedPower: number;
  totalPower: number;
  /** Agreement can only break when more than 1/3 of the power misbehaved: the evidence must show it. */
  exceedsOneThird: boolean;
}

export interface RunCheck {
  violations: Violation[];
  /** False when the run ended before GST + bound, or a fault never heals: liveness was not judged. */
  livenessChecked: boolean;
  /** Present when agreement was violated. */
  accountability: Accountability | null;
}

export function checkRun(run: SimRun, livenessBoundMs: number): RunCheck {
  const correct = run.validators.map((v, i) => (v.byzantine === null ? i : -1)).filter((i) => i >= 0);
  const violations: Violation[] = [];

  const byHeight = new Map<number, Map<string, number[]>>();
  for (const i of correct) {
    for (const d of run.decisions[i] ?? []) {
      const hashes = byHeight.get(d.height) ?? new Map<string, number[]>();
      hashes.set(d.blockHash, [...(hashes.get(d.blockHash) ?? []), i]);
      byHeight.set(d.height, hashes);
      if (!d.valid) violations.push({ property: 'validity', message: `${run.validators[i]?.name} decided an invalid block at height ${d.height}` });
    }
  }
  let agreementBroken = false;
  // The same block must leave every correct validator's application in the same state.
  const roots = new Map<string, { root: string; node: number }>();
  for (const i of correct) {
    for (const d of run.decisions[i] ?? []) {
      if (!d.valid) continue;
      const seen = roots.get(`${d.height}/${d.blockHash}`);
      if (!seen) roots.set(`${d.height}/${d.blockHash}`, { root: d.appHash, node: i });
      else if (seen.root !== d.appHash) {
        violations.push({ property: 'agreement', message: `height ${d.height}: the same block left ${run.validators[seen.node]?.name} at state ${seen.root.slice(0, 12)} and ${run.validators[i]?.name} at ${d.appHash.slice(0, 12)}` });
      }
    }
  }
  for (const [height, hashes] of [...byHeight].sort((a, b) => a[0] - b[0])) {
    if (hashes.size < 2) continue;
    agreementBroken = true;
    const sides = [...hashes].map(([hash, nodes]) => `${nodes.map((i) => run.validators[i]?.name).join(',')} decided ${hash.slice(0, 12)}`);
    violations.push({ property: 'agreement', message: `height ${height}: ${sides.join('; ')}` });
  }

  for (const d of run.doubleSigns) {
    violations.push({ property: 'doubleSign', message: `${run.validators[d.node]?.name} signed two different type-${d.type} votes at ${d.height}/${d.round}` });
  }

  let livenessChecked = false;
  if (run.gstMs !== null) {
    const deadline = run.gstMs + livenessBoundMs;
    const live = correct.filter((i) => !run.down.includes(run.validators[i]?.name as string));
    const stalled = live.filter((i) => !(run.decisions[i] ?? []).some((d) => d.at > (run.gstMs as number) && d.at <= deadline));
    if (run.endMs >= deadline || stalled.length === 0) {
      livenessChecked = true;
      for (const i of stalled) {
        violations.push({ property: 'liveness', message: `${run.validators[i]?.name} committed nothing between GST ${run.gstMs} ms and ${deadline} ms` });
      }
    }
  }

  let accountability: Accountability | null = null;
  if (agreementBroken) {
    // Judged against the set that signed the first height decided two ways: staking moves power between heights.
    const forkHeight = Math.min(...[...byHeight].filter(([, hashes]) => hashes.size > 1).map(([h]) => h));
    const powers = powersAt(run, forkHeight);
    const totalPower = Object.values(powers).reduce((s, p) => s + p, 0);
    const named = run.validators.filter((v) => run.evidence.includes(v.address));
    const namedPower = named.reduce((s, v) => s + (powers[v.address] ?? 0), 0);
    accountability = { named: named.map((v) => v.name), namedPower, totalPower, exceedsOneThird: namedPower * 3 > totalPower };
  }
  return { violations, livenessChecked, accountability };
}

/** The powers of the set that signed `height` (hex address → power): the run's record, or the scenario's validators when it has none. */
export function powersAt(run: SimRun, height: number): Record<string, number> {
  const recorded = (run.validatorSets ?? []).filter((s) => s.height <= height).at(-1);
  return recorded ? recorded.powers : Object.fromEntries(run.validators.map((v) => [v.address, v.power]));
}
