/** One seed names the same Byzantine strategies in the simulator and in the chaos runner. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { strategiesOf } from '../../src/sim/strategies.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { Simulator } from '../../src/sim/simulator.js';

const SCENARIO = parseScenario(
  `name: draw
duration_ms: 1000
validators:
  - { name: v0, power: 10, byzantine: random }
  - { name: v1, power: 10 }
  - { name: v2, power: 10, byzantine: double-prevote }
  - { name: v3, power: 10, byzantine: random }
network: { delay: 1 }
`,
  'draw.yaml',
);

describe('strategiesOf', () => {
  it('draws what the simulator draws for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const simulated = new Simulator({ scenario: SCENARIO, seed }).nodes.map((n) => n.strategy?.name ?? null);
        expect(strategiesOf(SCENARIO, seed)).toEqual(simulated);
      }),
      { numRuns: 20 },
    );
  });

  it('keeps the named strategies and leaves correct validators correct', () => {
    const drawn = strategiesOf(SCENARIO, 7);
    expect(drawn[1]).toBeNull();
    expect(drawn[2]).toBe('double-prevote');
  });
});

describe('runChaos', () => {
  it('refuses a scenario with simulator-only parts before it makes a testnet, naming each of them', async () => {
    const { runChaos } = await import('../../src/cli/chaos-runner.js');
    const { mkdtemp, readdir, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'cmt-chaos-delegations-'));
    try {
      const scenario = { ...SCENARIO, delegations: [{ at: 10, to: 'v1', amount: 100 }] };
      await expect(runChaos(scenario, dir, () => undefined)).rejects.toMatchObject({ code: 'INVALID_SCENARIO', message: expect.stringMatching(/run in the simulator only \(cmt sim\): delegations; remove them/) });
      const everything = parseScenario(
        `duration_ms: 1000
validators: [{ name: v0, power: 1, start_at: 5 }, { name: v1, power: 1 }]
nodes: [{ name: t, twin_of: v0 }]
load: { txs_per_second: 5 }
faults:
  - { type: crash, at: 10, restart_at: 20, node: v1, disk: { wal: corrupt } }
  - { type: slow_disk, at: 1, node: v0, fsync_ms: 5 }
  - { type: slow_cpu, at: 1, node: v0, ms_per_event: 5 }
  - { type: clock_drift, at: 1, node: v0, ppm: 50 }
  - { type: messages, at: 1, filter: { kinds: [prevote] }, drop: 1 }
`,
        'all.yaml',
      );
      const refused = await runChaos(everything, dir, () => undefined).catch((err: Error) => err.message);
      expect(refused).toMatch(/nodes \(full nodes and twins: t\); load; start_at of v0; faults\[0\]: crash disk damage; faults\[1\]: slow_disk; faults\[2\]: slow_cpu; remove them/);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
