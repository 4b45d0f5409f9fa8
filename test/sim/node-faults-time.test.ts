/**
 * A node's time and speed in the simulator (spec/faults.md, "The engine"): a slow disk makes
 * each fsync take longer, so a vote leaves only after the WAL and the sign state are synced;
 * a drifting clock makes its timers fire early or late; a slow CPU makes each agenda item
 * occupy the node, so what reaches it queues behind.
 */
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/sim/checkers.js';
import type { FaultEvent, Scenario } from '../../src/sim/scenario-types.js';
import { Simulator, type SimRun } from '../../src/sim/simulator.js';
import { FAST_TIMEOUTS, FIXED_NETWORK } from '../support/sim-consensus.js';

const scenario = (faults: FaultEvent[], durationMs = 3_000): Scenario => ({
  name: 'node-time',
  seed: 1,
  durationMs,
  validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 10 })),
  network: FIXED_NETWORK,
  faults,
  livenessBoundMs: 2_000,
  timeouts: FAST_TIMEOUTS,
});

async function run(s: Scenario) {
  const r = await new Simulator({ scenario: s, seed: 1 }).execute();
  return { run: r, check: checkRun(r, s.livenessBoundMs) };
}

/** For each prevote node i put on the wire: how long after its core entered that round's prevote step. */
function prevoteDelays(r: SimRun, i: number): { entered: number; delay: number }[] {
  const address = r.validators[i]!.address;
  return (r.votes ?? [])
    .filter((v) => v.validator === address && v.type === 1)
    .flatMap((v) => {
      const entered = r.timeline.find((p) => p.node === i && p.height === v.height && p.round === v.round && p.step === 'prevote');
      return entered ? [{ entered: entered.at, delay: v.at - entered.at }] : [];
    });
}

describe('a node slowed down', () => {
  it('slow disk: in the window each vote waits for its fsyncs (sign state and WAL) before it leaves', async () => {
    const { run: r, check } = await run(scenario([{ type: 'slowDisk', at: 500, until: 1_500, node: 'v0', fsyncMs: 100 }]));
    const delays = prevoteDelays(r, 0);
    const inside = delays.filter((d) => d.entered >= 500 && d.entered < 1_500);
    const outside = delays.filter((d) => d.entered < 500 || d.entered >= 1_600);
    expect(inside.length).toBeGreaterThan(0);
    expect(outside.length).toBeGreaterThan(0);
    // The sign state's replace (two fsyncs) and the WAL's fsync: at least 300 ms, where 1 ms fsyncs take a few.
    for (const d of inside) expect(d.delay).toBeGreaterThanOrEqual(300);
    for (const d of outside) expect(d.delay).toBeLessThan(10);
    expect(check.violations).toEqual([]);
  });

  it('clock drift: a clock running fast fires its timers early by the drift', async () => {
    // v3 is cut off from the start: round 0's propose timeout (400 ms on its clock) is what moves it to prevote.
    const alone: FaultEvent = { type: 'partition', at: 0, until: 2_000, groups: [['v3']] };
    const timeout = async (faults: FaultEvent[]): Promise<number> => {
      const { run: r } = await run(scenario([alone, ...faults], 2_500));
      const at = (step: string) => r.timeline.find((p) => p.node === 3 && p.height === 1 && p.round === 0 && p.step === step)!.at;
      return at('prevote') - at('propose');
    };
    expect(await timeout([])).toBe(400);
    expect(await timeout([{ type: 'clockDrift', at: 0, node: 'v3', ppm: 500_000 }])).toBe(267);
    expect(await timeout([{ type: 'clockDrift', at: 0, node: 'v3', ppm: -200_000 }])).toBe(500);
  });

  it('slow CPU: the node falls behind while each item occupies it, and catches up after', async () => {
    const { run: r, check } = await run(scenario([{ type: 'slowCpu', at: 500, until: 1_500, node: 'v0', msPerEvent: 40 }], 4_500));
    const inWindow = (i: number) => r.decisions[i]!.filter((d) => d.at >= 600 && d.at < 1_500).length;
    expect(inWindow(0)).toBeLessThan(inWindow(1) / 2);
    // After the window it catches up (by block sync once it sees it is behind) and decides with the others.
    expect(r.decisions[0]!.at(-1)!.height).toBeGreaterThanOrEqual(r.decisions[1]!.at(-1)!.height - 1);
    expect(check.violations).toEqual([]);
  });
});
