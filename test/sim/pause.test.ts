/**
 * Review of issue 14, simulator fidelity: "a paused process runs nothing: what reaches it waits
 * until it resumes" (simulator.ts). But a node's MemoryDisk completes its fsyncs on the global
 * clock, even while the node is paused, and the code awaiting the fsync runs right then: the
 * driver's sendOwn resumes after the WAL's appendSync and gossips the vote, so a paused
 * validator sends messages during its pause. A SIGSTOPped process sends nothing; the pause
 * fault (a GC pause, a stalled VM) is meant to make its messages late, and here they are not.
 */
import { describe, expect, it } from 'vitest';
import type { FaultEvent } from '../../src/sim/scenario-types.js';
import { Simulator } from '../../src/sim/simulator.js';
import { scenario } from '../support/sim-consensus.js';

describe('a paused validator in the simulator', () => {
  it('sends nothing while it is paused', async () => {
    // v0 is paused for 6 ms out of every 31 ms: windows that fall inside its sign, fsync, send sequences.
    const pauses: FaultEvent[] = [];
    for (let at = 100; at < 3_000; at += 31) pauses.push({ type: 'pause', at, until: at + 6, node: 'v0' });
    const s = scenario({ powers: [10, 10, 10, 10], faults: pauses, durationMs: 3_500 });
    const sentWhilePaused: { now: number; pausedAt: number }[] = [];
    const sim = new Simulator({
      scenario: s,
      seed: 1,
      intercept: (m) => {
        if (m.from !== 0) return undefined;
        const window = pauses.find((p) => p.type === 'pause' && m.now >= p.at && m.now < p.until);
        if (window) sentWhilePaused.push({ now: m.now, pausedAt: window.at });
        return undefined;
      },
    });
    const run = await sim.execute();
    expect(run.decisions[1]!.length).toBeGreaterThan(0);
    expect(sentWhilePaused).toEqual([]);
  });
});
