/**
 * review15: a scenario file as hostile (or just ambitious) input. The parser accepts
 * `load.memo_bytes` up to 4096 (scenario.ts MAX_MEMO_BYTES, spec/faults.md's table), but a
 * transfer's memo holds at most 256 bytes (codec/tx.ts MAX_MEMO_BYTES), and the simulator's load
 * throws a bare RangeError on anything above: a file the parser called valid crashes the run
 * instead of being refused as an InvalidScenarioError naming the key. Found with fast-check
 * over test/sim/scenario-arbitrary.ts's scenarioArb.
 */
import { describe, expect, it } from 'vitest';
import { InvalidScenarioError, parseScenario } from '../../src/sim/scenario.js';
import { Simulator } from '../../src/sim/simulator.js';

const yaml = (memoBytes: number): string => `
name: memo
duration_ms: 600
validators:
  - { name: v0, power: 1 }
  - { name: v1, power: 1 }
  - { name: v2, power: 1 }
  - { name: v3, power: 1 }
load: { txs_per_second: 4, memo_bytes: ${memoBytes} }
`;

/** Parses and runs; resolves with 'refused' for an InvalidScenarioError, 'ran' for a run. */
async function outcome(memoBytes: number): Promise<'refused' | 'ran'> {
  let scenario;
  try {
    scenario = parseScenario(yaml(memoBytes), 'memo.yaml');
  } catch (err) {
    if (err instanceof InvalidScenarioError) return 'refused';
    throw err;
  }
  await new Simulator({ scenario, seed: 1 }).execute();
  return 'ran';
}

describe('review15: load.memo_bytes', () => {
  it('a memo the parser accepts runs; one the transfer cannot hold is refused by the parser', async () => {
    expect(await outcome(256)).toBe('ran');
    // 1,000 is within the parser's documented 0..4096: it must either run or be refused as invalid, not crash.
    await expect(outcome(1_000)).resolves.toMatch(/^(refused|ran)$/);
    await expect(outcome(4_096)).resolves.toMatch(/^(refused|ran)$/);
  }, 60_000);
});
