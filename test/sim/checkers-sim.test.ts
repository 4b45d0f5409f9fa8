/**
 * The new checkers on real simulated runs, each shown failing on a deliberately broken system:
 * a core that ignores its lock forks across rounds and the forensics names the correct (but
 * mutated) validators, which the accountability property reports; two equivocators of four
 * fork and are named, which it accepts; and a quorum that should stay live under a partition
 * that never heals is flagged when one of its members is made deaf.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run-scenario.js';
import { loadScenario } from '../../src/sim/scenario.js';
import type { Scenario } from '../../src/sim/scenario-types.js';
import { baseScenario } from '../support/sim-scenarios.js';

const base = (over: Partial<Scenario> = {}): Scenario => baseScenario('checkers', over);

describe('accountability on simulated forks', () => {
  it('reports the correct validators a lock-ignoring core makes fork across rounds, and nothing for the real core', async () => {
    // simulator.test.ts's scenario for this mutation; seed 93 is the first of 1..250 that forks across rounds since requests cross links as TCP streams (60e5db0).
    const slowFromV0 = (to: string) => ({ type: 'link' as const, at: 0, until: 20_000, from: 'v0', to, oneWay: true, behaviour: { delay: { kind: 'uniform' as const, minMs: 1000, maxMs: 3000 } } });
    const scenario = base({
      network: { delay: { kind: 'exponential', minMs: 5, meanMs: 40 }, drop: 0.3, duplicate: 0 },
      faults: ['v1', 'v2', 'v3'].map(slowFromV0),
      timeouts: { nextBlockDelay: 50, propose: 200, prevote: 50, precommit: 50, proposeDelta: 20, prevoteDelta: 20, precommitDelta: 20 },
    });
    const broken = await runScenario(scenario, 93, { mutation: 'ignore-lock' });
    const accountability = broken.check.accountability;
    expect(accountability?.rounds.length).toBe(2);
    expect(accountability?.amnesia.length).toBeGreaterThan(0);
    expect(accountability?.exceedsOneThird).toBe(true);
    expect(accountability?.namedCorrect).toEqual(accountability?.named);
    expect(broken.check.violations.filter((v) => v.property === 'accountability').map((v) => v.message)).toEqual([`fork at height ${accountability?.height}: the evidence names correct validator(s) ${accountability?.named.join(', ')}`]);
    expect((await runScenario(scenario, 93)).check.violations).toEqual([]);
  }, 60_000);

  it('accepts a fork by two equivocators of four: both named, nobody else', async () => {
    // Seed 19 is the first of 1..40 that forks within 20 s.
    const scenario = { ...(await loadScenario('scripts/scenarios/two-byzantine.yaml')), durationMs: 20_000 };
    const { check } = await runScenario(scenario, 19);
    expect(check.violations.map((v) => v.property)).toContain('agreement');
    expect(check.accountability).toMatchObject({ named: ['v0', 'v1'], namedCorrect: [], exceedsOneThird: true });
    expect(check.violations.filter((v) => v.property === 'accountability')).toEqual([]);
  }, 60_000);
});

describe('liveness of the connected quorum', () => {
  // v0 is cut off for good from the start: v1, v2, v3 hold 3/4 of the power and reach each other.
  const scenario = base({ durationMs: 8_000, livenessBoundMs: 5_000, faults: [{ type: 'partition', at: 0, groups: [['v0'], ['v1', 'v2', 'v3']] }] });

  it('judges the quorum and finds it live', async () => {
    const { check, run } = await runScenario(scenario, 1);
    expect(run.gstMs).toBeNull();
    expect(check.liveness).toMatchObject({ basis: 'connected-quorum', nodes: ['v1', 'v2', 'v3'] });
    expect(check.violations).toEqual([]);
  }, 60_000);

  it('flags the quorum when a bug makes one of its members deaf to consensus messages', async () => {
    const { check } = await runScenario(scenario, 1, { intercept: (m) => (m.to === 1 ? [] : undefined) });
    expect(check.livenessChecked).toBe(true);
    expect(check.violations.filter((v) => v.property === 'liveness').map((v) => v.message.split(' ')[0])).toEqual(['v1', 'v2', 'v3']);
  }, 60_000);
});
