import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.js';
import { scenarioToYaml } from '../../src/sim/scenario-yaml.js';
import { shrink, targetProperty } from '../../src/sim/shrink.js';
import { lighterLoads, pinned, withoutNode, withWindow } from '../../src/sim/shrink-steps.js';
import { summarize } from '../../src/sim/run-summary.js';
import { strategiesOf } from '../../src/sim/strategies.js';
import type { FaultEvent, Scenario } from '../../src/sim/scenario-types.js';

const NAMES = ['v0', 'v1', 'v2', 'v3'];

/**
 * Short runs of four validators, one of them `byzantine: random`, a partition that heals and
 * a crash, with a tight liveness bound so that whether a seed fails depends on its draws.
 */
const scenarios = fc
  .record({
    side: fc.shuffledSubarray(NAMES, { minLength: 1, maxLength: 2 }),
    crashed: fc.constantFrom(...NAMES),
    drop: fc.constantFrom(0, 0.1, 0.2),
    boundMs: fc.constantFrom(600, 1000, 1500),
  })
  .map(
    ({ side, crashed, drop, boundMs }): Scenario => ({
      name: 'generated',
      // Deliberately not among the seeds tried: a shrunk file must carry the failing one.
      seed: 1000,
      durationMs: 5000,
      livenessBoundMs: boundMs,
      validators: NAMES.map((name, i) => (i === 3 ? { name, power: 10, byzantine: 'random' as const } : { name, power: 10 })),
      network: { delay: { kind: 'uniform', minMs: 5, maxMs: 80 }, drop, duplicate: 0 },
      faults: [
        { type: 'partition', at: 1000, until: 3000, groups: [side, NAMES.filter((n) => !side.includes(n))] },
        { type: 'crash', at: 1500, node: crashed, restartAt: 2500 },
      ],
      timeouts: { propose: 300, prevote: 100, precommit: 100, nextBlockDelay: 100 },
    }),
  );

describe('a shrunk scenario reproduces on its own', () => {
  it('written as YAML and read back, it violates the same property with its own seed, event for event', { timeout: 180_000 }, async () => {
    let shrunk = 0;
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario) => {
        let failing: { seed: number; property: NonNullable<ReturnType<typeof targetProperty>> } | undefined;
        for (let seed = 1; seed <= 8 && !failing; seed++) {
          const property = targetProperty((await summarize({ scenario, seed, mutation: 'ignore-lock' })).violations);
          if (property) failing = { seed, property };
        }
        if (!failing) return; // nothing to shrink in this one
        const result = await shrink(scenario, failing.seed, undefined, { mutation: 'ignore-lock', maxRuns: 16 });
        expect(result.property).toBe(failing.property);
        const file = scenarioToYaml({ ...result.scenario, name: 'generated-shrunk' });
        const read = parseScenario(file, 'generated-shrunk.yaml');
        expect(read.seed).toBe(failing.seed);
        expect(read.validators.some((v) => v.byzantine === 'random')).toBe(false);
        const again = await summarize({ scenario: read, seed: read.seed, mutation: 'ignore-lock' });
        expect(again.violations.map((v) => v.property)).toContain(failing.property);
        expect(again.traceHash).toBe(result.summary.traceHash);
        shrunk++;
      }),
      { numRuns: 3, seed: 15 },
    );
    expect(shrunk).toBeGreaterThan(0);
  });

  it('names the strategy the seed drew in place of random, without changing the run', { timeout: 60_000 }, async () => {
    const [scenario] = fc.sample(scenarios, { numRuns: 1, seed: 7 }) as [Scenario];
    const seed = 5;
    const fixed = pinned(scenario, seed);
    expect(fixed.seed).toBe(seed);
    expect(fixed.validators[3]?.byzantine).toBe(strategiesOf(scenario, seed)[3]);
    const [before, after] = [await summarize({ scenario, seed }), await summarize({ scenario: fixed, seed })];
    expect(after.traceHash).toBe(before.traceHash);
  });
});

describe('shrink steps', () => {
  const node = fc.constantFrom(...NAMES);
  const fault: fc.Arbitrary<FaultEvent> = fc.oneof(
    fc.record({ at: fc.nat(1000), length: fc.integer({ min: 1, max: 1000 }), side: fc.shuffledSubarray(NAMES, { minLength: 1, maxLength: 3 }) }).map(
      ({ at, length, side }): FaultEvent => ({ type: 'partition', at, until: at + length, groups: [side, NAMES.filter((n) => !side.includes(n))] }),
    ),
    fc.record({ at: fc.nat(1000), length: fc.integer({ min: 1, max: 1000 }), node }).map(({ at, length, node: n }): FaultEvent => ({ type: 'crash', at, node: n, restartAt: at + length })),
    fc.record({ at: fc.nat(1000), from: node, to: node }).filter(({ from, to }) => from !== to).map(({ at, from, to }): FaultEvent => ({ type: 'link', at, from, to, oneWay: true, behaviour: { drop: 1 } })),
    fc.record({ at: fc.nat(1000), length: fc.integer({ min: 1, max: 1000 }), node }).map(({ at, length, node: n }): FaultEvent => ({ type: 'pause', at, until: at + length, node: n })),
  );
  const withFaults = fc.array(fault, { maxLength: 6 }).map(
    (faults): Scenario => ({
      name: 's',
      seed: 1,
      durationMs: 5000,
      livenessBoundMs: 1000,
      validators: NAMES.map((name) => ({ name, power: 10 })),
      network: { delay: { kind: 'fixed', ms: 5 }, drop: 0, duplicate: 0 },
      faults,
      timeouts: {},
    }),
  );

  it('dropping a validator leaves a valid scenario that names it nowhere', () => {
    fc.assert(
      fc.property(withFaults, node, (scenario, name) => {
        const without = withoutNode(scenario, name) as Scenario;
        const read = parseScenario(scenarioToYaml(without), 's.yaml');
        expect(read.validators.map((v) => v.name)).not.toContain(name);
        expect(JSON.stringify(read.faults)).not.toContain(`"${name}"`);
        // Faults about other validators stay.
        expect(read.faults.length).toBeGreaterThanOrEqual(scenario.faults.filter((f) => !JSON.stringify(f).includes(`"${name}"`)).length);
      }),
    );
  });

  it('dropping a validator drops its twin and the faults about the twin; dropping a full node keeps the validators', () => {
    const scenario: Scenario = {
      name: 't',
      seed: 1,
      durationMs: 5000,
      livenessBoundMs: 1000,
      validators: NAMES.map((name) => ({ name, power: 10 })),
      nodes: [{ name: 'v1b', twinOf: 'v1' }, { name: 'full' }],
      network: { delay: { kind: 'fixed', ms: 5 }, drop: 0, duplicate: 0 },
      faults: [
        { type: 'partition', at: 100, until: 900, groups: [['v0', 'v1'], ['v1b', 'v2', 'v3', 'full']] },
        { type: 'crash', at: 200, node: 'v1b', restartAt: 300 },
        { type: 'messages', at: 0, until: 1000, filter: { kinds: ['precommit'], signer: ['v1'] }, behaviour: { drop: 1 } },
        { type: 'messages', at: 0, until: 1000, filter: { from: ['v1', 'v2'] }, behaviour: { drop: 0.5 } },
        { type: 'slowCpu', at: 400, forMs: 100, node: 'v0', msPerEvent: 5, when: { height: 2, proposer: 'v1' } },
      ],
      load: { txsPerSecond: 8, memoBytes: 100 },
      delegations: [{ at: 1000, to: 'v1', amount: 100 }],
      timeouts: {},
    };
    expect(parseScenario(scenarioToYaml(scenario), 't.yaml')).toEqual(scenario);
    const noV1 = parseScenario(scenarioToYaml(withoutNode(scenario, 'v1') as Scenario), 't.yaml');
    expect(noV1.nodes).toEqual([{ name: 'full' }]);
    expect(noV1.delegations).toBeUndefined();
    expect(noV1.faults).toEqual([
      { type: 'partition', at: 100, until: 900, groups: [['v0'], ['v2', 'v3', 'full']] },
      { type: 'messages', at: 0, until: 1000, filter: { from: ['v2'] }, behaviour: { drop: 0.5 } },
    ]);
    const noFull = parseScenario(scenarioToYaml(withoutNode(scenario, 'full') as Scenario), 't.yaml');
    expect(noFull.validators).toHaveLength(4);
    expect(noFull.nodes).toEqual([{ name: 'v1b', twinOf: 'v1' }]);
    expect(noFull.faults[0]).toEqual({ type: 'partition', at: 100, until: 900, groups: [['v0', 'v1'], ['v1b', 'v2', 'v3']] });
    // A triggered fault's window is its for_ms.
    expect(withWindow(scenario.faults[4] as FaultEvent, 10)).toMatchObject({ at: 400, forMs: 10 });
    expect(lighterLoads(scenario).map((l) => l.scenario.load)).toEqual([{ txsPerSecond: 0, memoBytes: 100 }, { txsPerSecond: 1, memoBytes: 100 }, { txsPerSecond: 4, memoBytes: 100 }, { txsPerSecond: 8 }]);
  });

  it('a shortened window starts where it did and ends sooner', () => {
    fc.assert(
      fc.property(withFaults, fc.integer({ min: 1, max: 999 }), (scenario, length) => {
        for (const f of scenario.faults) {
          const short = withWindow(f, length);
          expect(short.at).toBe(f.at);
          const end = short.type === 'crash' ? short.restartAt : 'until' in short ? short.until : undefined;
          if (f.type !== 'link') expect(end).toBe(f.at + length);
        }
      }),
    );
  });
});
