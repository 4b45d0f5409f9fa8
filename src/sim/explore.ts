/**
 * Many seeds of one scenario (`cmt sim explore`): runs on a worker pool (both cores by
 * default), counts the runs that violated each property, and keeps the failing summaries so
 * their traces can be written. Results come back in seed order whatever the pool's timing.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { compiledFile } from '../runtime/compiled-file.js';
import { PROPERTIES, type Property } from './checkers.js';
import { summarize, violatedProperties, type RunSummary, type RunTask } from './run-summary.js';
import type { Scenario } from './scenario-types.js';
import type { MutationName } from '../consensus/mutations.js';

/** Each explore worker's young generation, well above V8's default. */
const EXPLORE_YOUNG_GENERATION_MB = 192;

export interface ExploreOptions {
  runs: number;
  firstSeed: number;
  /** Worker threads; 1 runs in this thread. Default: the machine's cores. */
  workers?: number;
  /** Correct validators run with this deliberate bug (src/consensus/mutations.ts). */
  mutation?: MutationName;
  /** Stop each run once every correct validator decided this height after GST. */
  stopAtHeight?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ExploreResult {
  runs: number;
  violations: Record<Property, number>;
  /** Runs that could judge each property: liveness is not judged in every run, accountability only after a fork. */
  judged: Record<Property, number>;
  failing: RunSummary[];
  /** Simulated heights (first correct validator) over all runs, for the speed figure. */
  heights: number;
  wallMs: number;
}

export async function explore(scenario: Scenario, options: ExploreOptions): Promise<ExploreResult> {
  const started = performance.now();
  const tasks = Array.from({ length: options.runs }, (_, i): RunTask => ({
    scenario,
    seed: options.firstSeed + i,
    ...(options.mutation ? { mutation: options.mutation } : {}),
    ...(options.stopAtHeight ? { stopAtHeight: options.stopAtHeight } : {}),
  }));
  const summaries = await runTasks(tasks, options.workers, options.onProgress);
  return { ...tally(summaries), wallMs: performance.now() - started };
}

/** Runs the tasks on a worker pool (both cores by default; 1 runs in this thread); summaries come back in task order. */
export async function runTasks(tasks: readonly RunTask[], workerCount?: number, onProgress?: (done: number, total: number) => void): Promise<RunSummary[]> {
  const workers = Math.max(1, workerCount ?? availableParallelism());
  const summaries: RunSummary[] = new Array(tasks.length);
  let done = 0;
  const finish = (i: number, s: RunSummary): void => {
    summaries[i] = s;
    onProgress?.(++done, tasks.length);
  };
  if (workers === 1) {
    for (const [i, task] of tasks.entries()) finish(i, await summarize(task));
  } else {
    // A run allocates a lot that dies young (messages, encodings): a larger young generation
    // means fewer scavenges: in a worker, about a third less GC time and a tenth off a 4-validator run.
    const pool = new Piscina({ filename: compiledFile(import.meta.url, 'explore-worker'), minThreads: workers, maxThreads: workers, resourceLimits: { maxYoungGenerationSizeMb: EXPLORE_YOUNG_GENERATION_MB } });
    try {
      await Promise.all(tasks.map(async (task, i) => finish(i, (await pool.run(task)) as RunSummary)));
    } finally {
      await pool.destroy();
    }
  }
  return summaries;
}

/** Per property, the runs that judged it and the runs that violated it; the failing summaries; heights simulated. */
export function tally(summaries: readonly RunSummary[]): Omit<ExploreResult, 'wallMs'> {
  const zero = (): Record<Property, number> => Object.fromEntries(PROPERTIES.map((p) => [p, 0])) as Record<Property, number>;
  const violations = zero();
  const judged = zero();
  const failing: RunSummary[] = [];
  let heights = 0;
  for (const s of summaries) {
    heights += s.heights;
    for (const p of s.judged) judged[p]++;
    const violated = violatedProperties(s);
    for (const p of violated) violations[p]++;
    if (violated.length > 0) failing.push(s);
  }
  return { runs: summaries.length, violations, judged, failing, heights };
}
