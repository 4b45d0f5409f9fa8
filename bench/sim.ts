/**
 * `npm run bench -- sim [--runs R] [--heights H] [--large-runs R16] [--profile-runs P]`
 *
 * The deterministic simulator's speed with the real node on every validator (spec/hosts.md):
 * 4 validators (R runs, default 40) and 16 (R16 runs, default 2; 0 skips them) with faults on
 * (5% drops, 1% duplicates, exponential delays, a partition of 3 s that heals), H heights each
 * (default 50), on one thread and on every core (explore's worker pool). It prints runs/s,
 * heights/s, what one validator-height costs (one node doing one height's work: checking and
 * signing votes, validating, executing and storing a block, its WAL and sign state), and the
 * time 1,000 runs of the 4-validator scenario would take, against issue 15's goal of 5 minutes.
 * When the goal is out of reach it prints the bound and where the time goes (sim-profile.ts,
 * P runs, default 3). Wall time on a shared machine is only as good as the machine is idle:
 * the load average is printed beside the figures.
 */
import { availableParallelism, loadavg } from 'node:os';
import { explore } from '../src/sim/explore.js';
import type { Scenario } from '../src/sim/scenario-types.js';
import { formatProfile, profileRuns } from './sim-profile.js';
import { parseNumericOptions } from './support-options.js';

/** Issue 15: 1,000 runs of 4 validators × 50 heights on this machine's cores within 5 minutes. */
const GOAL_RUNS = 1000;
const GOAL_MS = 5 * 60_000;

export function benchScenario(validators: number): Scenario {
  const names = Array.from({ length: validators }, (_, i) => `v${i}`);
  return {
    name: `bench-${validators}`,
    seed: 1,
    durationMs: 600_000,
    validators: names.map((name) => ({ name, power: 10 })),
    network: { delay: { kind: 'exponential', minMs: 2, meanMs: 20 }, drop: 0.05, duplicate: 0.01 },
    faults: [{ type: 'partition', at: 2_000, until: 5_000, groups: [names.slice(0, validators / 2), names.slice(validators / 2)] }],
    livenessBoundMs: 60_000,
    timeouts: { nextBlockDelay: 100 },
  };
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { runs: 40, heights: 50, largeRuns: 2, profileRuns: 3 }, 'sim.ts');
  const cores = availableParallelism();
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cores} cores (figures are wall time: a busy machine makes them worse)`);
  let goalMet = true;
  let measuredMs = 0;
  for (const validators of [4, 16]) {
    const runs = validators === 4 ? o.runs : o.largeRuns;
    if (runs <= 0) continue;
    for (const workers of [...new Set([1, cores])]) {
      const cpuBefore = process.cpuUsage();
      const result = await explore(benchScenario(validators), { runs, firstSeed: 1, workers, stopAtHeight: o.heights });
      const cpu = process.cpuUsage(cpuBefore);
      // CPU time of every thread of this process per run: less at the mercy of other processes than wall time.
      const cpuPerRunMs = (cpu.user + cpu.system) / 1000 / result.runs;
      const seconds = result.wallMs / 1000;
      const heightsPerS = result.heights / seconds;
      const runsPerS = result.runs / seconds;
      // Wall time per validator per height, per worker: what one node's height costs here.
      const validatorHeightMs = (result.wallMs * workers) / (result.heights * validators);
      const thousandMs = (GOAL_RUNS / runsPerS) * 1000;
      console.log(
        `${validators} validators × ${o.heights} heights, ${workers} worker(s): ${runsPerS.toFixed(2)} runs/s, ${heightsPerS.toFixed(1)} heights/s ` +
          `(${result.runs} runs, ${result.heights} heights, ${seconds.toFixed(1)} s); one validator-height ≈ ${validatorHeightMs.toFixed(2)} ms; ` +
          `1,000 runs ≈ ${(thousandMs / 60_000).toFixed(1)} min; CPU ${cpuPerRunMs.toFixed(0)} ms per run (1,000 runs on ${cores} idle cores ≈ ${((GOAL_RUNS * cpuPerRunMs) / cores / 60_000).toFixed(1)} min); ` +
          `violations ${JSON.stringify(result.violations)}`,
      );
      if (validators === 4 && workers === cores) {
        goalMet = thousandMs <= GOAL_MS;
        measuredMs = validatorHeightMs;
        const neededMs = (GOAL_MS * workers) / (GOAL_RUNS * o.heights * validators);
        console.log(
          `goal: ${GOAL_RUNS} runs of 4 × ${o.heights} in ${GOAL_MS / 60_000} min on ${workers} core(s) needs ≥ ${((GOAL_RUNS * 1000) / GOAL_MS).toFixed(2)} runs/s, ` +
            `one validator-height in ≤ ${neededMs.toFixed(2)} ms; measured ${runsPerS.toFixed(2)} runs/s, ${validatorHeightMs.toFixed(2)} ms: ${goalMet ? 'goal met' : 'goal NOT met'}`,
        );
      }
    }
  }
  if (!goalMet && o.profileRuns > 0) {
    console.log(`bound: ${measuredMs.toFixed(2)} ms per validator-height here; where it goes (${o.profileRuns} runs on one thread, own time per sample):`);
    console.log(formatProfile(await profileRuns(o.profileRuns, o.heights)));
  }
}
