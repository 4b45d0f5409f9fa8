import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run-scenario.js';
import { perValidator, runTimeline } from '../../src/sim/run-timeline.js';
import { MAX_MARKERS, timelineSvg } from '../../src/sim/timeline-svg.js';
import type { SimRun } from '../../src/sim/run-types.js';
import type { Scenario } from '../../src/sim/scenario-types.js';

const scenario: Scenario = {
  name: 'timeline',
  seed: 3,
  durationMs: 6000,
  livenessBoundMs: 30_000,
  validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 10 })),
  network: { delay: { kind: 'uniform', minMs: 5, maxMs: 40 }, drop: 0, duplicate: 0 },
  // v3 is cut off for a while: the others keep deciding, v3's lane shows the gap.
  faults: [{ type: 'partition', at: 2000, until: 3500, groups: [['v0', 'v1', 'v2'], ['v3']] }],
  timeouts: { propose: 300, prevote: 100, precommit: 100, nextBlockDelay: 100 },
};

describe('the timeline shows proposals, votes and locks', () => {
  it('per validator, as the run recorded them, in the JSON and in the picture', { timeout: 60_000 }, async () => {
    const { run, check } = await runScenario(scenario, scenario.seed);
    const json = runTimeline(run, check, scenario.name, null);
    const names = ['v0', 'v1', 'v2', 'v3'];
    expect(json.perValidator.map((v) => v.name)).toEqual(names);
    const decided = run.decisions[0] ?? [];
    expect(decided.length).toBeGreaterThan(3);
    for (const [i, v] of json.perValidator.entries()) {
      // A correct validator precommits a block only in the round it locks it: the lock record is there.
      for (const x of v.votes.filter((x) => x.type === 'precommit' && x.block !== 'nil')) {
        expect(v.locks.some((l) => l.height === x.height && l.lockedRound === x.round && l.lockedValue === x.block)).toBe(true);
      }
      // Most heights it decided it voted on itself (a height it missed comes by sync, without its votes).
      const own = (run.decisions[i] ?? []).filter((d) => v.votes.some((x) => x.type === 'prevote' && x.height === d.height) && v.votes.some((x) => x.type === 'precommit' && x.height === d.height && x.block === d.blockHash));
      expect(own.length).toBeGreaterThan((run.decisions[i]?.length ?? 0) / 2);
      // Proposals: the ones it made name it; the ones it accepted name the round's proposer.
      expect(v.proposals.filter((p) => p.made).every((p) => p.proposer === v.name)).toBe(true);
      expect(v.proposals.filter((p) => !p.made).every((p) => names.includes(p.proposer) && p.proposer !== v.name)).toBe(true);
    }
    // Each decided block was proposed by someone, and accepted by the others.
    for (const d of decided) {
      const made = json.perValidator.flatMap((v) => v.proposals.filter((p) => p.made && p.height === d.height && p.blockHash === d.blockHash));
      expect(made.length).toBeGreaterThan(0);
    }
    const svg = timelineSvg(run, scenario.faults, 'timeline');
    const votes = json.perValidator.reduce((s, v) => s + v.votes.length, 0);
    expect(svg.match(/<circle /g)?.length).toBe(json.perValidator.reduce((s, v) => s + v.votes.filter((x) => x.type === 'prevote').length, 0) + 1);
    expect((svg.match(/<circle /g)?.length ?? 0) + (svg.match(/<rect x="[^"]*" y="[^"]*" width="5"/g)?.length ?? 0)).toBe(votes + 2);
    const locked = json.perValidator.reduce((s, v) => s + v.locks.filter((l) => l.lockedRound >= 0).length, 0);
    expect(svg.match(/<title>locked at /g)?.length).toBe(locked);
    if (process.env.TIMELINE_SVG) await writeFile(process.env.TIMELINE_SVG, svg);
    expect(svg).toContain('partition v0,v1,v2 | v3');
  });

  it('keeps a picture of a long run bounded and says what it left out', () => {
    // 50 heights × 40 rounds × 4 validators of votes: far past the cap.
    const validators = ['a', 'b', 'c', 'd'].map((name, i) => ({ name, address: String(i).repeat(40), power: 1, byzantine: null }));
    const votes: NonNullable<SimRun['votes']> = [];
    for (let h = 1; h <= 50; h++) for (let r = 0; r < 40; r++) for (const v of validators) for (const type of [1, 2]) votes.push({ at: h * 1000 + r * 20, validator: v.address, height: h, round: r, type, blockHash: r % 2 ? '' : 'ab'.repeat(32) });
    const run: SimRun = {
      seed: 1, traceHash: '', endMs: 51_000, gstMs: 0, down: [], validators, decisions: validators.map(() => []), doubleSigns: [], evidence: [], timeline: [], faults: [], messages: { sent: 0, lost: 0, junk: 0 }, votes,
    };
    const svg = timelineSvg(run, [], 'long');
    const markers = (svg.match(/<(circle|rect|polygon) /g) ?? []).length;
    expect(votes.length).toBeGreaterThanOrEqual(4 * MAX_MARKERS);
    expect(markers).toBeLessThanOrEqual(MAX_MARKERS + 10);
    expect(svg).toMatch(/markers: every \d+th drawn \(cap 4000\)/);
    expect(perValidator(run)[0]?.votes).toHaveLength(50 * 40 * 2);
  });
});
