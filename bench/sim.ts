/**
 * `npm run bench -- sim [--runs R] [--heights H]`
 *
 * Simulated heights per wall-clock second of the deterministic simulator, for 4 and for 16
 * validators with faults on (5% drops, 1% duplicates, exponential delays, a partition of
 * 3 s that heals), R runs (default 40) of H heights each (default 50). Measured on one
 * thread and on every core (explore's worker pool). Goal: at least 200 heights/s for 4
 * validators, so that 1,000 runs of 50 heights take under 5 minutes.
 */
import { availableParallelism } from 'node:os';
import { explore } from '../src/sim/explore.js';
import type { Scenario } from '../src/sim/scenario-types.js';
import { parseNumericOptions } from './support-options.js';

function scenario(validators: number): Scenario {
  const names = Array.from({ length: validators }, (_, i) => `v${i}`);
  return {
    name: `bench-${validators}`,
    seed: 1,
    durationMs: 600_000,
    validators: names.map((name) => ({ name, power: 10 })),
    network: { delay: { kind: 'exponential', minMs: 2, meanMs: 20 }, drop: 0.05, duplicate: 0.01 },
    faults: [{ type: 'partition', at: 2_000, until: 5_000, groups: [names.slice(0, validators / 2), names.slice(validators / 2)] }],
    livenessBoundMs: 60_000,
    timeouts: { commit: 100 },
  };
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { runs: 40, heights: 50 }, 'sim.ts');
  for (const validators of [4, 16]) {
    for (const workers of [1, availableParallelism()]) {
      const s = scenario(validators);
      const result = await explore(s, { runs: o.runs, firstSeed: 1, workers, stopAtHeight: o.heights });
      const perSecond = result.heights / (result.wallMs / 1000);
      const thousandRuns = (1000 * o.heights) / perSecond;
      console.log(
        `${validators} validators, ${workers} worker(s): ${perSecond.toFixed(0)} heights/s (${result.runs} runs, ${result.heights} heights, ${(result.wallMs / 1000).toFixed(1)} s; 1,000 runs of ${o.heights} heights ≈ ${(thousandRuns / 60).toFixed(1)} min); violations ${JSON.stringify(result.violations)}`,
      );
    }
  }
}
