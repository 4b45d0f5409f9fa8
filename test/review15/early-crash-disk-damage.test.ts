/**
 * review15: a scenario file that crashes the simulator with something other than a refusal.
 * A crash with `disk: { sign_state: lost }` (or a backup) that lands before the node's data
 * directory is durable — at 0 or 1 ms, while the first fsync of `mkdirDurably('/data')` is in
 * flight — makes restoreSignState call MemoryDisk.setFile on a directory the crashed disk does
 * not have: a bare ENOENT Error escapes Simulator.execute and the run dies. The parser accepts
 * the file (a crash at 0 with a restart and disk damage is valid), and `wal` damage on the same
 * disk copes ("nothing to damage"); the sign state should too (nothing to lose). Found with
 * fast-check over test/sim/scenario-arbitrary.ts's scenarioArb.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.js';
import { Simulator } from '../../src/sim/simulator.js';

const yaml = (at: number): string => `
name: early-crash
duration_ms: 3000
validators:
  - { name: v0, power: 1 }
  - { name: v1, power: 1 }
  - { name: v2, power: 1 }
  - { name: v3, power: 1 }
faults:
  - { type: crash, at: ${at}, node: v0, restart_at: ${at + 200}, disk: { sign_state: lost } }
`;

describe('review15: disk damage at a crash before the data directory is durable', () => {
  for (const at of [0, 1]) {
    it(`a crash at ${at} ms that loses the sign state runs to the end`, async () => {
      const scenario = parseScenario(yaml(at), 'early-crash.yaml');
      const run = await new Simulator({ scenario, seed: 1 }).execute();
      expect(run.endMs).toBeGreaterThan(0);
    }, 60_000);
  }
});
