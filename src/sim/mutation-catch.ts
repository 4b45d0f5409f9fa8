/**
 * The catch table (`cmt sim mutations`): how much power the generic scenarios and the checkers
 * have to find a bug. Each mutation of the core (src/consensus/mutations.ts) runs the same
 * fixed sequence of runs — run k is scenario k mod S with seed firstSeed + floor(k / S) — until
 * one violates a property, at most `runs` times; the unmodified core runs the same sequence
 * as far as any mutation went and must violate nothing. The first catch of each mutation is
 * shrunk, to say how short a schedule shows the bug. A run counts as a catch only where the
 * unmodified core violates nothing, and only by a property the mutation's bug can break
 * (CATCHING); a violation of the unmodified core is reported as such.
 *
 * Which run caught a mutation does not depend on the pool's timing: runs go in batches, and
 * within a batch the lowest run index wins.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { MutationName } from '../consensus/mutations.js';
import { compiledFile } from '../runtime/compiled-file.js';
import { mostSerious, type Property } from './checkers.js';
import { summarize, type RunSummary, type RunTask } from './run-summary.js';
import type { Scenario } from './scenario-types.js';
import { shrink } from './shrink.js';

export interface CatchScenario {
  /** Where it came from, for the table (a file name). */
  source: string;
  scenario: Scenario;
}

export interface CatchOptions {
  scenarios: readonly CatchScenario[];
  mutations: readonly MutationName[];
  /** At most this many runs per mutation. */
  runs: number;
  /** The seed of each scenario's first run (default 1). */
  firstSeed?: number;
  /** Worker threads; 1 runs in this thread. Default: the machine's cores. */
  workers?: number;
  /** Runs the shrinker may spend on each mutation's first catch (0: do not shrink). Default 60. */
  shrinkRuns?: number;
  onProgress?: (line: string) => void;
}

/** One run of the fixed sequence that violated a property. */
export interface CaughtRun {
  /** 1-based position in the sequence: how many runs it took. */
  run: number;
  scenario: string;
  seed: number;
  /** The most serious property violated, and what its checker said. */
  property: Property;
  message: string;
}

export interface ShrunkCatch {
  /** Faults left in the schedule, and how long the shortened run lasts. */
  faults: number;
  durationMs: number;
  byzantine: number;
  /** The simplifications kept: each still violates the same property with the same seed. */
  steps: string[];
  runs: number;
}

export interface MutationCatch {
  mutation: MutationName;
  caught: CaughtRun | null;
  /** Runs done: the catching run's position, or all of `runs`. */
  runs: number;
  shrunk: ShrunkCatch | null;
}

export interface CatchResult {
  mutations: MutationCatch[];
  /** The unmodified core on every run a mutation ran: every violation is a bug (in the core, a checker or a scenario's bound). */
  baseline: { runs: number; violations: CaughtRun[] };
  wallMs: number;
}

/**
 * The properties each mutation's bug can break. A violation of another property on a mutated
 * run (a liveness stall the reordered timing happened to hit, where the unmodified core was
 * lucky) is not a catch: changing the timing of a run is not finding its bug.
 */
export const CATCHING: Record<MutationName, readonly Property[]> = {
  'ignore-lock': ['agreement', 'accountability', 'locking'],
  'accept-old-pol': ['agreement', 'accountability', 'locking'],
  // Locks split between a value nobody proposes again and fresh blocks: the height never ends.
  'forget-valid-value': ['liveness'],
  // Quorums that do not intersect fork; a commit of too few signatures is refused by the others' commit check and stalls them.
  'quorum-off-by-one': ['agreement', 'accountability', 'validity', 'liveness'],
  'sign-without-state': ['doubleSign', 'agreement', 'accountability'],
  // A restart without its WAL forgets the lock it had taken.
  'skip-wal-replay': ['doubleSign', 'agreement', 'accountability', 'locking'],
  'broadcast-before-wal': ['doubleSign', 'agreement', 'accountability'],
  'sign-before-persist': ['doubleSign', 'agreement', 'accountability'],
};

/** Run k of the fixed sequence. */
export function sequenceRun(scenarios: readonly CatchScenario[], firstSeed: number, k: number): { scenario: CatchScenario; seed: number } {
  return { scenario: scenarios[k % scenarios.length] as CatchScenario, seed: firstSeed + Math.floor(k / scenarios.length) };
}

interface Lane {
  mutation: MutationName;
  done: number;
  caught: CaughtRun | null;
}

export async function catchMutations(options: CatchOptions): Promise<CatchResult> {
  const started = performance.now();
  if (options.scenarios.length === 0) throw new Error('no scenarios to run');
  const firstSeed = options.firstSeed ?? 1;
  const workers = Math.max(1, options.workers ?? availableParallelism());
  // Enough runs in flight to keep every worker busy while lanes finish at different times.
  const batch = Math.max(options.scenarios.length, workers * 2);
  const pool = workers === 1 ? null : new Piscina({ filename: compiledFile(import.meta.url, 'explore-worker'), minThreads: workers, maxThreads: workers });
  const runOne = (task: RunTask): Promise<RunSummary> => (pool ? (pool.run(task) as Promise<RunSummary>) : summarize(task));
  const taskOf = (k: number, mutation: MutationName | null): RunTask => {
    const { scenario, seed } = sequenceRun(options.scenarios, firstSeed, k);
    return { scenario: scenario.scenario, seed, ...(mutation ? { mutation } : {}) };
  };
  const caughtRun = (k: number, s: RunSummary, only?: readonly Property[]): CaughtRun | null => {
    const property = mostSerious(only ? s.violations.filter((v) => only.includes(v.property)) : s.violations);
    if (property === null) return null;
    return { run: k + 1, scenario: sequenceRun(options.scenarios, firstSeed, k).scenario.source, seed: s.seed, property, message: s.violations.find((v) => v.property === property)?.message ?? '' };
  };
  // The unmodified core runs each run any mutation runs, once: a mutation's violation counts
  // only where the unmodified core has none (otherwise it is the core's bug, reported as such).
  const baseline = new Map<number, Promise<RunSummary>>();
  const baselineOf = (k: number): Promise<RunSummary> => {
    let run = baseline.get(k);
    if (!run) baseline.set(k, (run = runOne(taskOf(k, null))));
    return run;
  };

  const lanes: Lane[] = options.mutations.map((mutation) => ({ mutation, done: 0, caught: null }));
  try {
    for (;;) {
      const active = lanes.filter((l) => l.caught === null && l.done < options.runs);
      if (active.length === 0) break;
      await Promise.all(
        active.map(async (lane) => {
          const from = lane.done;
          const to = Math.min(options.runs, from + batch);
          const ks = Array.from({ length: to - from }, (_, i) => from + i);
          const [mutated, unmodified] = await Promise.all([Promise.all(ks.map((k) => runOne(taskOf(k, lane.mutation)))), Promise.all(ks.map(baselineOf))]);
          lane.done = to;
          for (const [i, k] of ks.entries()) {
            const caught = caughtRun(k, mutated[i] as RunSummary, CATCHING[lane.mutation]);
            if (caught && caughtRun(k, unmodified[i] as RunSummary) === null) {
              lane.caught = caught;
              lane.done = k + 1;
              break;
            }
          }
          options.onProgress?.(`${lane.mutation}: ${lane.done} run(s)${lane.caught ? `, caught (${lane.caught.property})` : ''}`);
        }),
      );
    }
  } finally {
    await pool?.destroy();
  }
  const baselineRuns = [...baseline.keys()].sort((a, b) => a - b);
  const baselineViolations: CaughtRun[] = [];
  for (const k of baselineRuns) {
    const caught = caughtRun(k, await (baseline.get(k) as Promise<RunSummary>));
    if (caught) baselineViolations.push(caught);
  }

  const results: MutationCatch[] = [];
  for (const lane of lanes) {
    const caught = lane.caught;
    let shrunk: ShrunkCatch | null = null;
    const shrinkRuns = options.shrinkRuns ?? 60;
    if (caught && shrinkRuns > 0) {
      const source = options.scenarios.find((c) => c.source === caught.scenario) as CatchScenario;
      const r = await shrink(source.scenario, caught.seed, caught.property, { mutation: lane.mutation, maxRuns: shrinkRuns });
      shrunk = { faults: r.scenario.faults.length, durationMs: r.scenario.durationMs, byzantine: r.scenario.validators.filter((v) => v.byzantine).length, steps: r.steps, runs: r.runs };
      options.onProgress?.(`${lane.mutation}: shrunk to ${shrunk.faults} fault(s), ${shrunk.durationMs} ms in ${r.runs} run(s)`);
    }
    results.push({ mutation: lane.mutation, caught, runs: lane.done, shrunk });
  }
  return { mutations: results, baseline: { runs: baselineRuns.length, violations: baselineViolations }, wallMs: performance.now() - started };
}
