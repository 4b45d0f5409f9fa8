/**
 * A stuck height costs the simulator no more per virtual second than a live one (issue 15),
 * counted on the simulated network — link crossings and bytes — not timed. Before catch-up
 * said what it held, a height stuck after thirty rounds cost 89 KB/s against a live height's
 * 39 KB/s: every request brought back every vote of every round.
 */
import { describe, expect, it } from 'vitest';
import { spanCost, STUCK_SCENARIOS, STUCK_SPAN } from '../../bench/sim-stuck.js';
import { Simulator } from '../../src/sim/simulator.js';

describe('a stuck height', () => {
  it('costs no more link crossings nor bytes per virtual second than a live height over the same span', async () => {
    const [live, ...stuck] = STUCK_SCENARIOS;
    if (!live) throw new Error('no live scenario');
    const liveCost = await spanCost(live.scenario, STUCK_SPAN.fromMs, STUCK_SPAN.toMs);
    expect(liveCost.heights).toBeGreaterThan(10);
    const verdicts = [];
    for (const { name, scenario } of stuck) {
      const cost = await spanCost(scenario, STUCK_SPAN.fromMs, STUCK_SPAN.toMs);
      // Catch-up backs off while nothing new comes: well under one request per node per second.
      verdicts.push({ name, stuck: cost.heights === 0, crossings: cost.crossings <= liveCost.crossings, bytes: cost.bytes <= liveCost.bytes, backsOff: cost.catchUps < 1 });
    }
    expect(verdicts).toEqual(stuck.map(({ name }) => ({ name, stuck: true, crossings: true, bytes: true, backsOff: true })));
  }, 120_000);

  it('still ends soon after the partition that caused it heals, however long it lasted', async () => {
    const partitioned = STUCK_SCENARIOS.find((s) => s.name === 'partition 2|2');
    if (!partitioned) throw new Error('no partition scenario');
    const healAt = 45_000;
    const faults = partitioned.scenario.faults.map((f) => (f.type === 'partition' ? { ...f, until: healAt } : f));
    const run = await new Simulator({ scenario: { ...partitioned.scenario, faults, durationMs: healAt + 15_000 }, seed: 3 }).execute();
    for (const decisions of run.decisions) {
      const after = decisions.find((d) => d.at > healAt);
      expect(after?.at).toBeLessThan(healAt + 10_000);
    }
  }, 120_000);
});
