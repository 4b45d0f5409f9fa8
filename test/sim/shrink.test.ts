import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { loadScenario, parseScenario } from '../../src/sim/scenario.js';
import { scenarioToYaml } from '../../src/sim/scenario-yaml.js';
import { shrink } from '../../src/sim/shrink.js';
import { summarize } from '../../src/sim/run-summary.js';

describe('scenario YAML', async () => {
  it('writes every shipped scenario and the spec examples back as YAML that parses to the same scenario', async () => {
    const spec = await readFile('spec/faults.md', 'utf8');
    const examples = [...spec.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string).filter((b) => b.includes('duration_ms:'));
    const scenarios = [
      ...(await Promise.all(['one-byzantine', 'two-byzantine', 'partition-heal', 'slash-double-signer'].map((n) => loadScenario(`scripts/scenarios/${n}.yaml`)))),
      ...examples.map((text, i) => parseScenario(text, `example-${i}.yaml`)),
    ];
    expect(scenarios.length).toBeGreaterThanOrEqual(5);
    for (const s of scenarios) expect(parseScenario(scenarioToYaml(s), `${s.name}.yaml`)).toEqual(s);
  });
});

describe('shrinking a failing run', async () => {
  it('keeps the violation with the same seed while removing faults, noise and length', { timeout: 240_000 }, async () => {
    // The first 15 s of the shipped scenario, and the first seed that breaks agreement in them
    // (gossip relays equivocations, so not every seed splits the correct validators).
    const scenario = { ...(await loadScenario('scripts/scenarios/two-byzantine.yaml')), durationMs: 15_000 };
    let seed = 0;
    for (let candidate = 1; candidate <= 40 && seed === 0; candidate++) {
      const summary = await summarize({ scenario, seed: candidate });
      if (summary.violations.some((v) => v.property === 'agreement')) seed = candidate;
    }
    expect(seed).toBeGreaterThan(0);
    const result = await shrink(scenario, seed, 'agreement', { maxRuns: 100 });
    // No candidate may crash the simulator (it did: a slashed equivocator signed a vote with index -1).
    expect(result.crashes).toEqual([]);
    expect(result.scenario.faults.length).toBeLessThan(scenario.faults.length);
    expect(result.scenario.durationMs).toBeLessThan(scenario.durationMs / 4);
    expect(result.steps.length).toBeGreaterThan(0);
    // The shrunk scenario, written and read back, still fails the same way with the same seed.
    const again = await summarize({ scenario: parseScenario(scenarioToYaml(result.scenario), 'shrunk.yaml'), seed });
    expect(again.traceHash).toBe(result.summary.traceHash);
    expect(again.violations.some((v) => v.property === 'agreement')).toBe(true);
    // Both equivocators are needed: neither was made correct.
    expect(result.scenario.validators.filter((v) => v.byzantine)).toHaveLength(2);
  });

  it('refuses to shrink a run that does not fail', { timeout: 60_000 }, async () => {
    const scenario = await loadScenario('scripts/scenarios/partition-heal.yaml');
    await expect(shrink(scenario, 1, 'agreement')).rejects.toThrow(/does not violate agreement/);
  });
});
