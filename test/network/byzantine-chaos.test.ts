/**
 * One scenario file, two hosts: a Byzantine validator that double-prevotes, run in the
 * simulator (runScenario) and on real processes (runChaos, `cmt start --byzantine`). Both give
 * the same verdicts — no property violated, the Byzantine validator named by evidence — and on
 * real processes the runner hears the conflicting votes on the gossip itself.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../src/cli/chaos-runner.js';
import { PROPERTIES, type RunCheck } from '../../src/sim/checkers.js';
import type { SimRun } from '../../src/sim/run-types.js';
import { runScenario } from '../../src/sim/run-scenario.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { tempDir } from '../support/temp-dir.js';

const SCENARIO = parseScenario(
  `name: byzantine-double-prevote
seed: 3
duration_ms: 12000
liveness_bound_ms: 8000
timeouts: { commit_ms: 200 }
validators:
  - { name: v0, power: 10 }
  - { name: v1, power: 10 }
  - { name: v2, power: 10 }
  - { name: v3, power: 10, byzantine: double-prevote }
network: { delay: 1, drop: 0 }
`,
  'byzantine-double-prevote.yaml',
);

const violated = (check: RunCheck): string[] => PROPERTIES.filter((p) => check.violations.some((v) => v.property === p));
const named = (run: SimRun, addresses: readonly string[] = run.evidence): string[] => run.validators.filter((v) => addresses.includes(v.address)).map((v) => v.name);

describe('a Byzantine scenario on both hosts', () => {
  it('gives the same verdicts in the simulator and on real processes, and the runner hears the double prevotes', async () => {
    const simulated = await runScenario(SCENARIO, SCENARIO.seed);
    const dir = await tempDir('byzantine-chaos');
    const lines: string[] = [];
    try {
      const real = await runChaos(SCENARIO, join(dir.path, 'net'), (line) => lines.push(line));
      expect(lines).toContain('v3 is Byzantine: double-prevote');
      expect(real.run.validators.map((v) => v.byzantine)).toEqual(simulated.run.validators.map((v) => v.byzantine));
      expect(violated(simulated.check)).toEqual([]);
      expect(violated(real.check), JSON.stringify(real.check.violations)).toEqual(violated(simulated.check));
      expect(named(simulated.run)).toEqual(['v3']);
      expect(named(real.run)).toEqual(['v3']);
      // From the gossip, not from commits: the runner itself heard v3 prevote two ways.
      expect(named(real.run, real.gossip.equivocators)).toEqual(['v3']);
      expect(real.gossip.stats.unverified).toBe(0);
      expect(real.run.doubleSigns).toEqual([]);
      expect(Math.min(...Object.values(real.heights))).toBeGreaterThan(3);
    } finally {
      await dir.cleanup();
    }
  }, 150_000);
});
