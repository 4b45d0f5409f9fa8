/**
 * The writer (src/sim/scenario-yaml.ts) and the parser agree: any valid Scenario written as
 * YAML reads back equal, so a shrunk scenario written to a file runs as the one that failed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.js';
import { scenarioToYaml } from '../../src/sim/scenario-yaml.js';
import { scenarioArb } from './scenario-arbitrary.js';

describe('scenarioToYaml', () => {
  it('parseScenario(scenarioToYaml(s)) equals s for generated scenarios of every construct', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        // structuredClone: fast-check's records have no prototype; the parser's are plain objects.
        expect(parseScenario(scenarioToYaml(s), 'roundtrip.yaml')).toStrictEqual(structuredClone(s));
      }),
      { numRuns: 300 },
    );
  });

  it('the generator reaches every fault type, triggers, for_ms, disk damage, twins and load', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const f of s.faults) {
          seen.add(f.type);
          if (f.when) seen.add('when');
          if (f.forMs !== undefined) seen.add('forMs');
          if (f.type === 'crash' && f.disk) seen.add('disk');
        }
        if (s.nodes?.some((n) => n.twinOf)) seen.add('twin');
        if (s.load) seen.add('load');
      }),
      { numRuns: 300, seed: 7 },
    );
    expect([...seen].sort()).toEqual(['clockDrift', 'clockSkew', 'crash', 'disk', 'forMs', 'link', 'load', 'messages', 'network', 'partition', 'pause', 'slowCpu', 'slowDisk', 'twin', 'when'].sort());
  });
});
