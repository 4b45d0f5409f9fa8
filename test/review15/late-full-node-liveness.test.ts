/**
 * review15: liveness of the connected quorum asks a full node that starts late to have
 * committed before it even started. The checker takes "the last fault change" from the
 * validators' start_at only (connectivity.ts faultStateAtEnd), while a late full node is a
 * correct node the checker judges (byzantine: null) and the simulator counts its join as a
 * change (simulator.ts lastJoin). A correct system is reported as a liveness violation.
 */
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/sim/checkers.js';
import type { Scenario } from '../../src/sim/scenario-types.js';
import { Simulator } from '../../src/sim/simulator.js';
import { FAST_TIMEOUTS, FIXED_NETWORK } from '../support/sim-consensus.js';

describe('review15: connected-quorum liveness and a late full node', () => {
  it('does not ask a full node to commit before it started', async () => {
    const scenario: Scenario = {
      name: 'late-full-node',
      seed: 1,
      durationMs: 9_000,
      validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 10 })),
      nodes: [{ name: 'archive', startAt: 5_000 }],
      network: FIXED_NETWORK,
      // A slower network from 500 ms on that never ends: no GST, so liveness is judged on the connected quorum.
      faults: [{ type: 'network', at: 500, behaviour: { delay: { kind: 'fixed', ms: 15 } } }],
      // A node that boots behind asks for blocks once its catch-up sees no progress for stallMs (1.5 s) at a
      // 500 ms tick: its first block comes about 2.06 s after its start, so the bound must exceed that.
      livenessBoundMs: 3_000,
      timeouts: FAST_TIMEOUTS,
    };
    const run = await new Simulator({ scenario, seed: 1 }).execute();
    const archive = run.validators.findIndex((v) => v.name === 'archive');
    // The system is healthy: the full node joined at 5 s and then followed the chain.
    expect(run.gstMs).toBeNull();
    expect((run.decisions[archive] ?? []).some((d) => d.at > 5_000)).toBe(true);
    const check = checkRun(run, scenario.livenessBoundMs, scenario);
    expect(check.liveness.basis).toBe('connected-quorum');
    expect(check.violations).toEqual([]);
  }, 60_000);
});
