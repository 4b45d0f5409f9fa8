/**
 * Disk faults on a crash (spec/faults.md, "The engine"): the WAL cut at a point drawn from the
 * seed or one record corrupted, the sign state lost or rolled back to a backup. Either layer
 * of double-sign safety alone — the WAL replay, the priv-validator's sign state — keeps a
 * restarted correct validator from signing twice; with both damaged nothing on the node
 * remembers its last vote, and the double-sign checker reports what it then signs (a finding:
 * the node does not look for its own signatures on the chain before signing again, as
 * CometBFT's double_sign_check_height does). A WAL damaged in the middle makes the node refuse
 * to start, as CometBFT's does: the run records it as down with the reason.
 */
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/sim/checkers.js';
import type { DiskDamage, FaultEvent, Scenario } from '../../src/sim/scenario-types.js';
import { Simulator } from '../../src/sim/simulator.js';
import { FAST_TIMEOUTS } from '../support/sim-consensus.js';

/** v1 crashes four times, each time restarting 200 ms later on a damaged disk; a backup is 300 ms old. */
function scenario(seed: number, disk: DiskDamage): Scenario {
  const faults: FaultEvent[] = [];
  for (let k = 0; k < 4; k++) {
    const at = 1_000 + k * 700 + seed * 13;
    const damage = typeof disk.signState === 'object' ? { ...disk, signState: { backupAt: at - 300 } } : disk;
    faults.push({ type: 'crash', at, node: 'v1', restartAt: at + 200, disk: damage });
  }
  return {
    name: 'disk-faults',
    seed,
    durationMs: 4_500,
    validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 10 })),
    network: { delay: { kind: 'exponential', minMs: 2, meanMs: 15 }, drop: 0, duplicate: 0 },
    faults,
    livenessBoundMs: 2_000,
    timeouts: FAST_TIMEOUTS,
  };
}

async function run(seed: number, disk: DiskDamage) {
  const s = scenario(seed, disk);
  const r = await new Simulator({ scenario: s, seed }).execute();
  return { run: r, check: checkRun(r, s.livenessBoundMs) };
}

describe('disk faults on a crash', () => {
  it('a WAL cut short, or a sign state lost, alone does not make a restarted validator sign twice', async () => {
    // Seeds where both layers damaged together do double-sign (the next test): each layer alone holds there.
    const cases: [number, DiskDamage][] = [
      [2, { wal: 'truncate' }],
      [6, { signState: 'lost' }],
      [2, { signState: { backupAt: 0 } }],
    ];
    for (const [seed, disk] of cases) {
      const { run: r, check } = await run(seed, disk);
      expect(r.faults.filter((f) => f.description.startsWith('disk of v1')).length).toBe(4);
      expect(r.doubleSigns).toEqual([]);
      expect(check.violations).toEqual([]);
      // It came back on the damaged disk each time (its core ran again after the last restart).
      expect(r.timeline.some((p) => p.node === 1 && p.at > 1_000 + 3 * 700 + seed * 13 + 200)).toBe(true);
    }
  });

  it('with the WAL cut and the sign state rolled back to a backup, the checker reports the correct validator signing twice (finding)', async () => {
    const { run: r, check } = await run(2, { wal: 'truncate', signState: { backupAt: 0 } });
    expect(r.faults.some((f) => /WAL cut to \d+ of \d+ bytes; sign state rolled back/.test(f.description))).toBe(true);
    expect(r.doubleSigns.map((d) => d.node)).toContain(1);
    expect(check.violations.map((v) => v.property)).toContain('doubleSign');
  });

  it('a WAL record corrupted in the middle makes the node refuse to start: down with the reason, the run goes on', async () => {
    const { run: r, check } = await run(1, { wal: 'corrupt' });
    expect(r.refusedToStart?.map((x) => x.node)).toEqual(['v1']);
    expect(r.refusedToStart?.[0]?.reason).toMatch(/^WAL_CORRUPT: .*consensus WAL damaged at byte \d+/);
    expect(r.down).toEqual(['v1']);
    // Down for good: it is not asked to be live, and the others go on.
    const refusedAt = r.refusedToStart![0]!.at;
    expect(r.decisions[1]!.some((d) => d.at > refusedAt)).toBe(false);
    expect(r.decisions[0]!.some((d) => d.at > refusedAt + 1_000)).toBe(true);
    expect(check.violations).toEqual([]);
  });
});
