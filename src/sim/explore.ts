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
  failing: RunSummary[];
  /** Simulated heights (first correct validator) over all runs, for the speed figure. */
  heights: number;
  wallMs: number;
}

export async function explore(scenario: Scenario, options: ExploreOptions): Promise<ExploreResult> {
  const started = performance.now();
  const seeds = Array.from({ length: options.runs }, (_, i) => options.firstSeed + i);
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const summaries: RunSummary[] = new Array(seeds.length);
  const taskFor = (seed: number): RunTask => ({ scenario, seed, ...(options.mutation ? { mutation: options.mutation } : {}), ...(options.stopAtHeight ? { stopAtHeight: options.stopAtHeight } : {}) });
  let done = 0;
  const finish = (i: number, s: RunSummary): void => {
    summaries[i] = s;
    options.onProgress?.(++done, seeds.length);
  };
  if (workers === 1) {
    for (const [i, seed] of seeds.entries()) finish(i, await summarize(taskFor(seed)));
  } else {
    const pool = new Piscina({ filename: compiledFile(import.meta.url, 'explore-worker'), minThreads: workers, maxThreads: workers });
    try {
      await Promise.all(seeds.map(async (seed, i) => finish(i, (await pool.run(taskFor(seed))) as RunSummary)));
    } finally {
      await pool.destroy();
    }
  }
  const violations = Object.fromEntries(PROPERTIES.map((p) => [p, 0])) as Record<Property, number>;
  const failing: RunSummary[] = [];
  let heights = 0;
  for (const s of summaries) {
    heights += s.heights;
    const violated = violatedProperties(s);
    for (const p of violated) violations[p]++;
    if (violated.length > 0) failing.push(s);
  }
  return { runs: seeds.length, violations, failing, heights, wallMs: performance.now() - started };
}
