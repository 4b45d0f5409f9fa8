/**
 * The catch table on a small budget: the generic scenarios catch a mutation that breaks
 * quorum intersection within a few runs, and the unmodified core is clean on the same runs.
 * What counts as a catch: a property the mutation's bug can break (a safety bug found only
 * as a slow run is the timing, not the bug).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTATION_NAMES } from '../../src/consensus/mutations.js';
import { CATCHING, catchMutations, sequenceRun, type CatchScenario } from '../../src/sim/mutation-catch.js';
import { readScenarioFile } from '../../src/sim/scenario.js';

const DIR = join(import.meta.dirname, '..', '..', 'scripts', 'scenarios', 'generic');

async function generic(): Promise<CatchScenario[]> {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(files.map(async (f) => ({ source: f, scenario: (await readScenarioFile(join(DIR, f))).scenario })));
}

describe('cmt sim mutations', () => {
  it('every generic scenario parses, and the run sequence alternates scenarios with seeds in order', async () => {
    const scenarios = await generic();
    expect(scenarios.length).toBeGreaterThanOrEqual(5);
    const order = [0, 1, scenarios.length, scenarios.length + 1].map((k) => sequenceRun(scenarios, 1, k));
    expect(order.map((r) => [r.scenario.source, r.seed])).toEqual([
      [scenarios[0]!.source, 1],
      [scenarios[1]!.source, 1],
      [scenarios[0]!.source, 2],
      [scenarios[1]!.source, 2],
    ]);
  });

  it('catches quorum-off-by-one within a few runs, and the unmodified core is clean on those runs', async () => {
    const scenarios = (await generic()).filter((s) => s.source === 'byzantine-random.yaml');
    const result = await catchMutations({ scenarios, mutations: ['quorum-off-by-one'], runs: 3, workers: 1, shrinkRuns: 2 });
    const [m] = result.mutations;
    expect(m?.caught).not.toBeNull();
    expect(m?.caught?.property).toBe('agreement');
    expect(result.baseline.runs).toBeGreaterThanOrEqual(m?.runs ?? Infinity);
    expect(result.baseline.violations).toEqual([]);
    expect(m?.shrunk?.runs).toBeGreaterThan(0);
  }, 120_000);
});

describe('what counts as a catch', () => {
  it('every mutation can be caught by some property, and a safety bug only by a safety property', () => {
    for (const m of MUTATION_NAMES) expect(CATCHING[m].length, m).toBeGreaterThan(0);
    for (const m of ['ignore-lock', 'accept-old-pol', 'sign-without-state', 'skip-wal-replay', 'broadcast-before-wal', 'sign-before-persist'] as const) expect(CATCHING[m], m).not.toContain('liveness');
  });
});
