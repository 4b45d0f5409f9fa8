/**
 * Protocol triggers in the simulator (spec/faults.md, "The engine"): a fault with `when` is
 * armed at its `at` and starts when a watched node reaches the position, the proposer of that
 * height and round included; `forMs` ends it; the run records what was applied and takes GST
 * from it.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { checkRun } from '../../src/sim/checkers.js';
import type { FaultEvent, Scenario } from '../../src/sim/scenario-types.js';
import { Simulator } from '../../src/sim/simulator.js';
import { FAST_TIMEOUTS, FIXED_NETWORK } from '../support/sim-consensus.js';

const NAMES = ['v0', 'v1', 'v2', 'v3'];

const scenario = (faults: FaultEvent[], durationMs = 6_000): Scenario => ({
  name: 'triggers',
  seed: 1,
  durationMs,
  validators: NAMES.map((name) => ({ name, power: 10 })),
  network: FIXED_NETWORK,
  faults,
  livenessBoundMs: 3_000,
  timeouts: FAST_TIMEOUTS,
});

describe('protocol triggers', () => {
  it('start a fault only where the named validator proposes, at the first node to reach the position, and end it forMs later', async () => {
    // One harmless fault per validator, each waiting for height 4, round 0, propose step with that validator as proposer.
    const faults: FaultEvent[] = NAMES.map((proposer) => ({ type: 'slowDisk', at: 0, node: 'v0', fsyncMs: 1, when: { height: 4, round: 0, step: 'propose', proposer }, forMs: 250 }));
    const sim = new Simulator({ scenario: scenario(faults, 3_000), seed: 1 });
    const run = await sim.execute();
    const block = await sim.nodes[0]!.parts!.ports.blockStore.loadBlock(4);
    const proposer = sim.nodes.findIndex((n) => toHex(n.address) === toHex(block!.header.proposerAddress));
    expect(proposer).toBeGreaterThanOrEqual(0);
    // Exactly the fault naming height 4's proposer fired; the three others never did.
    const starts = (run.appliedFaults ?? []).filter((a) => a.phase === 'start');
    expect(starts.map((a) => a.index)).toEqual([proposer]);
    const firstAtPosition = run.timeline.find((p) => p.height === 4 && p.round === 0 && p.step === 'propose');
    expect(starts[0]?.at).toBe(firstAtPosition?.at);
    expect(run.appliedFaults).toContainEqual({ at: (starts[0]?.at ?? 0) + 250, phase: 'end', index: proposer });
    // GST is the end of what was applied, not of the faults that never fired.
    expect(run.gstMs).toBe((starts[0]?.at ?? 0) + 250);
  });

  it('a triggered crash takes the watched node down at its position and restarts it forMs later; GST follows', async () => {
    const crash: FaultEvent = { type: 'crash', at: 200, node: 'v1', when: { node: 'v1', height: 10, step: 'precommit' }, forMs: 1_500 };
    const never: FaultEvent = { type: 'partition', at: 0, groups: [['v0', 'v1'], ['v2', 'v3']], when: { height: 1_000_000 } };
    const { run, check } = await runAndCheck(scenario([crash, never]));
    const start = run.appliedFaults?.find((a) => a.index === 0 && a.phase === 'start');
    expect(start).toBeDefined();
    const at = start!.at;
    expect(run.timeline.some((p) => p.node === 1 && p.at === at && p.height === 10 && p.step === 'precommit')).toBe(true);
    // Down for the window: v1 decides nothing in it, then catches up and decides again.
    expect(run.decisions[1]!.filter((d) => d.at > at && d.at < at + 1_500)).toEqual([]);
    expect(run.decisions[1]!.some((d) => d.at > at + 1_500)).toBe(true);
    // The partition that never fired neither cut anyone off nor took GST away.
    expect(run.appliedFaults?.some((a) => a.index === 1)).toBe(false);
    expect(run.gstMs).toBe(at + 1_500);
    expect(check.livenessChecked).toBe(true);
    expect(check.violations).toEqual([]);
  });

  it('a triggered partition without an end cuts the network at its position (through the link model) and leaves no GST', async () => {
    const cut: FaultEvent = { type: 'partition', at: 0, groups: [['v0', 'v1'], ['v2', 'v3']], when: { height: 3, step: 'propose' } };
    const { run, check } = await runAndCheck(scenario([cut], 4_000));
    const start = run.appliedFaults?.find((a) => a.phase === 'start');
    expect(start).toBeDefined();
    // Messages in flight at the cut may still finish height 3; nothing beyond it is decided by anyone.
    for (const decisions of run.decisions) expect(Math.max(...decisions.map((d) => d.height))).toBeLessThanOrEqual(3);
    expect(run.gstMs).toBeNull();
    expect(check.livenessChecked).toBe(false);
  });

  it('message filters see the message: dropping every round-0 proposal of height 3 makes height 3 decide in a later round', async () => {
    const drop: FaultEvent = { type: 'messages', at: 0, filter: { kinds: ['proposal'], heights: { min: 3, max: 3 }, rounds: { min: 0, max: 0 } }, behaviour: { drop: 1 } };
    const base = await runAndCheck(scenario([], 3_000));
    expect(base.run.decisions[0]!.find((d) => d.height === 3)?.round).toBe(0);
    const { run, check } = await runAndCheck(scenario([drop], 3_000));
    expect(check.violations).toEqual([]);
    for (const decisions of run.decisions) expect(decisions.find((d) => d.height === 3)?.round).toBeGreaterThan(0);
    expect(run.decisions[0]!.find((d) => d.height === 4)?.round).toBe(0);
  });
});

describe('message filters by signer', () => {
  it('dropping every proposal v2 signs: no block of v2 is decided, the heights it leads move to a later round', async () => {
    const drop: FaultEvent = { type: 'messages', at: 0, filter: { kinds: ['proposal'], signer: ['v2'], heights: { min: 1, max: 8 } }, behaviour: { drop: 1 } };
    const sim = new Simulator({ scenario: scenario([drop], 2_500), seed: 1 });
    const run = await sim.execute();
    const v2 = toHex(sim.nodes[2]!.address);
    const early = run.decisions[0]!.filter((d) => d.height <= 8);
    expect(early.length).toBe(8);
    for (const d of early) {
      const block = await sim.nodes[0]!.parts!.ports.blockStore.loadBlock(d.height);
      expect(toHex(block!.header.proposerAddress)).not.toBe(v2);
    }
    expect(early.some((d) => d.round > 0)).toBe(true);
    // Past the filter's heights v2's blocks are decided again.
    const proposers = await Promise.all(run.decisions[0]!.filter((d) => d.height > 8).map(async (d) => toHex((await sim.nodes[0]!.parts!.ports.blockStore.loadBlock(d.height))!.header.proposerAddress)));
    expect(proposers).toContain(v2);
  });
});

async function runAndCheck(s: Scenario) {
  const run = await new Simulator({ scenario: s, seed: 1 }).execute();
  return { run, check: checkRun(run, s.livenessBoundMs) };
}
