/**
 * The catch table (`cmt sim mutations`): how much power the generic scenarios and the checkers
 * have to find a bug. Each mutation of the core (src/consensus/mutations.ts) runs the same
 * fixed sequence of runs — run k is scenario k mod S with seed firstSeed + floor(k / S) — until
 * one violates a property, at most `runs` times; the unmodified core runs the same sequence
 * as far as any mutation went and must violate nothing. The first catch of each mutation is
 * shrunk, to say how short a schedule shows the bug.
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
  /** The unmodified core on the first `runs` runs of the same sequence: every violation is a bug. */
  baseline: { runs: number; violations: CaughtRun[] };
  wallMs: number;
}

/** Run k of the fixed sequence. */
export function sequenceRun(scenarios: readonly CatchScenario[], firstSeed: number, k: number): { scenario: CatchScenario; seed: number } {
  return { scenario: scenarios[k % scenarios.length] as CatchScenario, seed: firstSeed + Math.floor(k / scenarios.length) };
}

interface Lane {
  mutation: MutationName | null;
  done: number;
  limit: number;
  caught: CaughtRun[];
  stopAtFirst: boolean;
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

  const lanes: Lane[] = options.mutations.map((mutation) => ({ mutation, done: 0, limit: options.runs, caught: [], stopAtFirst: true }));
  const baseline: Lane = { mutation: null, done: 0, limit: options.runs, caught: [], stopAtFirst: false };
  const finished = (l: Lane): boolean => l.done >= l.limit || (l.stopAtFirst && l.caught.length > 0);
  try {
    for (;;) {
      // The baseline goes as far as the furthest mutation needs, once all of them are settled.
      if (lanes.every(finished)) baseline.limit = Math.max(0, ...lanes.map((l) => l.done));
      const active = [...lanes, baseline].filter((l) => !finished(l));
      if (active.length === 0) break;
      await Promise.all(
        active.map(async (lane) => {
          const from = lane.done;
          const to = Math.min(lane.limit, from + batch);
          const summaries = await Promise.all(
            Array.from({ length: to - from }, (_, i) => {
              const { scenario, seed } = sequenceRun(options.scenarios, firstSeed, from + i);
              return runOne({ scenario: scenario.scenario, seed, ...(lane.mutation ? { mutation: lane.mutation } : {}) });
            }),
          );
          for (const [i, s] of summaries.entries()) {
            const property = mostSerious(s.violations);
            if (property === null) continue;
            const k = from + i;
            lane.caught.push({ run: k + 1, scenario: sequenceRun(options.scenarios, firstSeed, k).scenario.source, seed: s.seed, property, message: s.violations.find((v) => v.property === property)?.message ?? '' });
            if (lane.stopAtFirst) break;
          }
          lane.done = lane.stopAtFirst && lane.caught[0] ? lane.caught[0].run : to;
          options.onProgress?.(`${lane.mutation ?? 'unmodified core'}: ${lane.done} run(s)${lane.stopAtFirst && lane.caught[0] ? `, caught (${lane.caught[0].property})` : ''}`);
        }),
      );
    }
  } finally {
    await pool?.destroy();
  }

  const results: MutationCatch[] = [];
  for (const lane of lanes) {
    const caught = lane.caught[0] ?? null;
    let shrunk: ShrunkCatch | null = null;
    const shrinkRuns = options.shrinkRuns ?? 60;
    if (caught && shrinkRuns > 0 && lane.mutation) {
      const source = options.scenarios.find((c) => c.source === caught.scenario) as CatchScenario;
      const r = await shrink(source.scenario, caught.seed, caught.property, { mutation: lane.mutation, maxRuns: shrinkRuns });
      shrunk = { faults: r.scenario.faults.length, durationMs: r.scenario.durationMs, byzantine: r.scenario.validators.filter((v) => v.byzantine).length, steps: r.steps, runs: r.runs };
      options.onProgress?.(`${lane.mutation}: shrunk to ${shrunk.faults} fault(s), ${shrunk.durationMs} ms in ${r.runs} run(s)`);
    }
    results.push({ mutation: lane.mutation as MutationName, caught, runs: lane.done, shrunk });
  }
  return { mutations: results, baseline: { runs: baseline.done, violations: baseline.caught }, wallMs: performance.now() - started };
}
