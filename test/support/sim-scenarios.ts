/** Scenarios the simulator tests share: a quiet 4-validator base, and a short one whose tight liveness bound fails some seeds cheaply. */
import type { Scenario } from '../../src/sim/scenario-types.js';

/** Four equal validators on a quiet network for 30 s; `over` replaces any field. */
export function baseScenario(name: string, over: Partial<Scenario> = {}): Scenario {
  return {
    name,
    seed: 1,
    durationMs: 30_000,
    validators: ['v0', 'v1', 'v2', 'v3'].map((v) => ({ name: v, power: 10 })),
    network: { delay: { kind: 'uniform', minMs: 5, maxMs: 20 }, drop: 0, duplicate: 0 },
    faults: [],
    livenessBoundMs: 20_000,
    timeouts: { nextBlockDelay: 100 },
    ...over,
  };
}

/** Short runs with a liveness bound too tight for some seeds' draws: failing runs come cheap. `header` goes first (a seed line, say). */
export function tightScenarioYaml(header = ''): string {
  return `name: tight
${header}duration_ms: 5000
liveness_bound_ms: 600
timeouts: { propose_ms: 300, prevote_ms: 100, precommit_ms: 100, commit_ms: 100 }
validators:
  - { name: v0, power: 10 }
  - { name: v1, power: 10 }
  - { name: v2, power: 10 }
  - { name: v3, power: 10, byzantine: random }
network: { delay: { uniform: [5, 80] }, drop: 0.1 }
faults:
  - { type: partition, at: 1000, until: 3000, groups: [[v0, v1], [v2, v3]] }
  - { type: crash, at: 1500, node: v1, restart_at: 2500 }
`;
}

/**
 * Two halves of four validators cut apart from 1 s to 2.5 s: with the quorum-off-by-one
 * mutation each half decides its own block (a fork with a timeline worth drawing).
 */
export const SPLIT_SCENARIO_YAML = `name: split
seed: 1
duration_ms: 4000
liveness_bound_ms: 20000
timeouts: { propose_ms: 300, prevote_ms: 100, precommit_ms: 100, commit_ms: 100 }
validators:
  - { name: v0, power: 1 }
  - { name: v1, power: 1 }
  - { name: v2, power: 1 }
  - { name: v3, power: 1 }
network:
  delay: { uniform: [5, 40] }
faults:
  - { type: partition, at: 1000, until: 2500, groups: [[v0, v1], [v2, v3]] }
`;
