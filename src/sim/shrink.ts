/**
 * Shrinking a failing run (`cmt sim shrink`): with the seed fixed, try simpler scenarios —
 * each fault removed, each Byzantine validator made correct, each validator or extra node
 * dropped, a quieter network, a lighter load, each fault window shortened, a shorter run — and
 * keep every simplification under which the same property is still violated, until no single
 * one helps. What is left is a short schedule that still fails, for a researcher to read.
 *
 * The result reproduces on its own: it carries the failing seed and names the strategies that
 * seed drew for `byzantine: random`, and every candidate is run as its YAML file reads back
 * (shrink-steps.ts), so the file written is the scenario that was seen to fail.
 */
import { mostSerious, type Property, type Violation } from './checkers.js';
import type { MutationName } from '../consensus/mutations.js';
import { summarize, violatedProperties, type RunSummary } from './run-summary.js';
import type { DelaySpec, Scenario } from './scenario-types.js';
import { lighterLoads, pinned, reproducible, windowLength, withoutNode, withWindow } from './shrink-steps.js';

export interface ShrinkOptions {
  /** Correct validators run with this deliberate bug (src/consensus/mutations.ts). */
  mutation?: MutationName;
  /** At most this many runs (default 300). */
  maxRuns?: number;
}

export interface ShrinkResult {
  scenario: Scenario;
  /** The property the shrunk scenario still violates. */
  property: Property;
  summary: RunSummary;
  /** The simplifications kept, in order. */
  steps: string[];
  runs: number;
  /**
   * Candidates the simulator itself failed on (a bug of the simulator or the node, not a
   * property violation): skipped so the shrink goes on, and reported (at most 10 kept).
   */
  crashes: string[];
}

/** The property to shrink for when none is named: the most serious one violated (checkers.ts). */
export function targetProperty(violations: readonly Violation[]): Property | undefined {
  return mostSerious(violations) ?? undefined;
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

/** Binary search for the smallest value in (low, high] that still fails; `high` is known to fail. */
async function smallestFailing(low: number, high: number, resolution: number, fails: (value: number) => Promise<boolean>, budgetLeft: () => boolean): Promise<number> {
  while (high - low > resolution && budgetLeft()) {
    const mid = Math.floor((low + high) / 2);
    if (await fails(mid)) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * Shrinks `start` run with `seed` (and the mutation, if any) for `property`, or for the most
 * serious property the first run violates when none is given.
 */
export async function shrink(start: Scenario, seed: number, property: Property | undefined, options: ShrinkOptions = {}): Promise<ShrinkResult> {
  const maxRuns = options.maxRuns ?? 300;
  let runs = 0;
  let target = property;
  const crashes: string[] = [];
  let crashed = 0;
  const task = (candidate: Scenario) => ({ scenario: candidate, seed, ...(options.mutation ? { mutation: options.mutation } : {}) });
  const run = async (candidate: Scenario): Promise<RunSummary | undefined> => {
    if (runs >= maxRuns) return undefined;
    runs++;
    try {
      return await summarize(task(candidate));
    } catch (err) {
      if (crashed++ < 10) crashes.push(`${(err as Error).message} (candidate: ${describeCandidate(candidate)})`);
      return undefined;
    }
  };
  /** The candidate as its file reads back, and its run, when that still violates the target. */
  const attempt = async (candidate: Scenario | undefined): Promise<{ written: Scenario; summary: RunSummary } | undefined> => {
    const written = candidate && reproducible(candidate);
    if (!written) return undefined;
    const summary = await run(written);
    return summary && target && violatedProperties(summary).includes(target) ? { written, summary } : undefined;
  };

  const first = pinned(start, seed);
  let current = reproducible(first) ?? first;
  // The run to shrink must itself run: its failure is not skipped.
  runs++;
  const firstSummary = await summarize(task(current));
  target ??= firstSummary && targetProperty(firstSummary.violations);
  if (!firstSummary || !target || !violatedProperties(firstSummary).includes(target)) {
    throw new Error(`seed ${seed} does not violate ${property ?? 'any property'} in scenario ${start.name}: nothing to shrink`);
  }
  let summary: RunSummary = firstSummary;
  const steps: string[] = [];
  const keep = async (candidate: Scenario | undefined, step: string): Promise<boolean> => {
    const found = await attempt(candidate);
    if (!found) return false;
    current = found.written;
    summary = found.summary;
    steps.push(step);
    return true;
  };
  const budgetLeft = (): boolean => runs < maxRuns;

  let changed = true;
  while (changed && budgetLeft()) {
    changed = false;
    for (let i = current.faults.length - 1; i >= 0; i--) {
      const fault = current.faults[i];
      if (fault && (await keep({ ...current, faults: current.faults.filter((_, j) => j !== i) }, `removed fault ${i} (${fault.type} at ${fault.at} ms)`))) changed = true;
    }
    for (const [i, v] of current.validators.entries()) {
      if (!v.byzantine) continue;
      const validators = current.validators.map((w, j) => {
        if (j !== i) return w;
        const { byzantine: _was, ...correct } = w;
        return correct;
      });
      if (await keep({ ...current, validators }, `made ${v.name} correct (was ${v.byzantine})`)) changed = true;
    }
    for (const node of [...(current.nodes ?? [])].reverse()) {
      if (await keep(withoutNode(current, node.name), `dropped node ${node.name}${node.twinOf ? ` (twin of ${node.twinOf})` : ''}`)) changed = true;
    }
    for (const v of [...current.validators].reverse()) {
      if (current.validators.length > 1 && (await keep(withoutNode(current, v.name), `dropped validator ${v.name}`))) changed = true;
    }
    const n = current.network;
    if (n.drop > 0 && (await keep({ ...current, network: { ...n, drop: 0 } }, 'no random drops'))) changed = true;
    if (current.network.duplicate > 0 && (await keep({ ...current, network: { ...current.network, duplicate: 0 } }, 'no duplicates'))) changed = true;
    const quiet = simplest(current.network.delay);
    if (quiet !== current.network.delay && (await keep({ ...current, network: { ...current.network, delay: quiet } }, `fixed delay ${quiet.kind === 'fixed' ? quiet.ms : 0} ms`))) changed = true;
    for (const lighter of lighterLoads(current)) {
      if (await keep(lighter.scenario, lighter.step)) {
        changed = true;
        break;
      }
    }
    // Each fault window as short as still fails (to 1/32 of its length), its start kept.
    for (const [i, fault] of current.faults.entries()) {
      const length = windowLength(fault);
      if (length === undefined || length <= 1) continue;
      const withLength = (l: number): Scenario => ({ ...current, faults: current.faults.map((f, j) => (j === i ? withWindow(f, l) : f)) });
      const shortest = await smallestFailing(0, length, Math.max(1, Math.floor(length / 32)), async (l) => (await attempt(withLength(l))) !== undefined, budgetLeft);
      if (shortest < length && (await keep(withLength(shortest), `fault ${i} (${fault.type} at ${fault.at} ms) lasts ${shortest} ms, not ${length}`))) changed = true;
    }
    // The shortest run that still fails, to 1% of its length (faults after the end go).
    const cut = (ms: number): Scenario => ({ ...current, durationMs: ms, faults: current.faults.filter((f) => f.at < ms), ...(current.delegations ? { delegations: current.delegations.filter((d) => d.at < ms) } : {}) });
    const high = await smallestFailing(1, current.durationMs, Math.max(1, Math.floor(current.durationMs / 100)), async (ms) => (await attempt(cut(ms))) !== undefined, budgetLeft);
    if (high < current.durationMs && (await keep(cut(high), `run shortened to ${high} ms`))) changed = true;
  }
  return { scenario: current, property: target, summary, steps, runs, crashes };
}

function describeCandidate(s: Scenario): string {
  return `${s.validators.length} validators, ${s.faults.length} faults, ${s.durationMs} ms`;
}
