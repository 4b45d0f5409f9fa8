/**
 * Shrinking a failing run (`cmt sim shrink`): with the seed fixed, try simpler scenarios —
 * each fault removed, each Byzantine validator made correct, a quieter network, a shorter run
 * — and keep every simplification under which the same property is still violated, until no
 * single one helps. What is left is a short schedule that still fails, for a researcher to read.
 */
import type { Property } from './checkers.js';
import type { MutationName } from '../consensus/mutations.js';
import { summarize, violatedProperties, type RunSummary } from './run-summary.js';
import type { DelaySpec, Scenario } from './scenario-types.js';

export interface ShrinkOptions {
  /** Correct validators run with this deliberate bug (src/consensus/mutations.ts). */
  mutation?: MutationName;
  /** At most this many runs (default 300). */
  maxRuns?: number;
}

export interface ShrinkResult {
  scenario: Scenario;
  summary: RunSummary;
  /** The simplifications kept, in order. */
  steps: string[];
  runs: number;
}

/** The shortest delay the spec allows, for "a quieter network". */
function simplest(delay: DelaySpec): DelaySpec {
  switch (delay.kind) {
    case 'fixed':
      return delay;
    case 'uniform':
      return { kind: 'fixed', ms: delay.minMs };
    case 'exponential':
      return { kind: 'fixed', ms: delay.minMs };
  }
}

export async function shrink(start: Scenario, seed: number, property: Property, options: ShrinkOptions = {}): Promise<ShrinkResult> {
  const maxRuns = options.maxRuns ?? 300;
  let runs = 0;
  const attempt = async (candidate: Scenario): Promise<RunSummary | undefined> => {
    if (runs >= maxRuns) return undefined;
    runs++;
    const summary = await summarize({ scenario: candidate, seed, ...(options.mutation ? { mutation: options.mutation } : {}) });
    return violatedProperties(summary).includes(property) ? summary : undefined;
  };
  let current = start;
  let summary = await attempt(start);
  if (!summary) throw new Error(`seed ${seed} does not violate ${property} in scenario ${start.name}: nothing to shrink`);
  const steps: string[] = [];
  const keep = async (candidate: Scenario, step: string): Promise<boolean> => {
    const found = await attempt(candidate);
    if (!found) return false;
    current = candidate;
    summary = found;
    steps.push(step);
    return true;
  };

  let changed = true;
  while (changed && runs < maxRuns) {
    changed = false;
    for (let i = current.faults.length - 1; i >= 0; i--) {
      const fault = current.faults[i];
      if (fault && (await keep({ ...current, faults: current.faults.filter((_, j) => j !== i) }, `removed fault ${i} (${fault.type} at ${fault.at} ms)`))) changed = true;
    }
    for (const [i, v] of current.validators.entries()) {
      if (!v.byzantine) continue;
      const validators = current.validators.map((w, j) => (j === i ? { name: w.name, power: w.power } : w));
      if (await keep({ ...current, validators }, `made ${v.name} correct (was ${v.byzantine})`)) changed = true;
    }
    const n = current.network;
    if (n.drop > 0 && await keep({ ...current, network: { ...n, drop: 0 } }, 'no random drops')) changed = true;
    if (current.network.duplicate > 0 && await keep({ ...current, network: { ...current.network, duplicate: 0 } }, 'no duplicates')) changed = true;
    const quiet = simplest(current.network.delay);
    if (quiet !== current.network.delay && await keep({ ...current, network: { ...current.network, delay: quiet } }, `fixed delay ${quiet.kind === 'fixed' ? quiet.ms : 0} ms`)) changed = true;
    // The shortest run that still fails, to 1% of its length (faults after the end go).
    let low = 1;
    let high = current.durationMs;
    while (high - low > Math.max(1, Math.floor(current.durationMs / 100)) && runs < maxRuns) {
      const mid = Math.floor((low + high) / 2);
      const shorter = { ...current, durationMs: mid, faults: current.faults.filter((f) => f.at < mid) };
      if (await attempt(shorter)) high = mid;
      else low = mid;
    }
    if (high < current.durationMs && await keep({ ...current, durationMs: high, faults: current.faults.filter((f) => f.at < high) }, `run shortened to ${high} ms`)) changed = true;
  }
  return { scenario: current, summary: summary as RunSummary, steps, runs };
}
