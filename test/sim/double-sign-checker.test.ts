/**
 * The honest double-sign checker watches votes on the wire, before any guard, so it must be
 * able to fail: with both layers of signing safety switched off (the priv-validator's guard, and
 * the WAL holding an own vote before it leaves), a crash between the vote leaving and the WAL's
 * fsync makes the restarted validator sign a second, different vote, and the checker reports
 * it. With the real order and guard, the same crash times never do.
 */
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../src/sim/simulator.js';
import type { FaultEvent, Scenario } from '../../src/sim/scenario-types.js';
import type { MutationSet } from '../../src/consensus/mutations.js';

const names = ['v0', 'v1', 'v2', 'v3'];

function scenario(faults: FaultEvent[]): Scenario {
  return {
    name: 'crash-in-the-window',
    seed: 1,
    durationMs: 6_000,
    validators: names.map((name) => ({ name, power: 10 })),
    network: { delay: { kind: 'fixed', ms: 5 }, drop: 0, duplicate: 0 },
    faults,
    livenessBoundMs: 60_000,
    timeouts: { nextBlockDelay: 50 },
  };
}

/**
 * When v0 first prevotes another validator's block at height 5 or later, in a run without
 * faults: its own proposal would be replayed from the WAL (it is logged before it leaves), a
 * received one is lost with the unsynced tail.
 */
/** Both layers of double-sign safety off: the signer's guard, and the WAL before broadcast. */
const BROKEN_SIGNING: MutationSet = ['sign-without-state', 'broadcast-before-wal'];

async function firstPrevoteAt(brokenSigning: boolean): Promise<number> {
  const sim = new Simulator({ scenario: scenario([]), seed: 1, recordEffects: true, ...(brokenSigning ? { mutation: BROKEN_SIGNING } : {}), stopAtHeight: 12 });
  await sim.execute();
  const built = new Set(sim.effectLog.filter((l) => l.split(' ')[1] === '0' && l.split(' ')[2] === 'build').map((l) => l.split(' ')[3]));
  const line = sim.effectLog.find((l) => {
    const [, node, kind, type, position, hash] = l.split(' ');
    return node === '0' && kind === 'vote' && type === '1' && Number(position?.split('/')[0]) >= 5 && hash !== 'nil' && !built.has(position as string);
  });
  if (!line) throw new Error('v0 never prevoted a block');
  return Number(line.split(' ')[0]);
}

async function doubleSignsWithCrashesAfter(at: number, brokenSigning: boolean): Promise<number[]> {
  const found: number[] = [];
  // Each offset is its own run: the crash lands at a different point of signing, sending and logging the vote.
  for (let offset = 0; offset <= 8; offset++) {
    const crash: FaultEvent = { type: 'crash', at: at + offset, node: 'v0', restartAt: at + offset + 20 };
    const run = await new Simulator({ scenario: scenario([crash]), seed: 1, ...(brokenSigning ? { mutation: BROKEN_SIGNING } : {}) }).execute();
    if (run.doubleSigns.some((d) => d.node === 0)) found.push(offset);
  }
  return found;
}

describe('the double-sign checker', () => {
  it('reports a validator whose guard and WAL order are broken, after a crash between its vote leaving and the fsync', async () => {
    const at = await firstPrevoteAt(true);
    expect((await doubleSignsWithCrashesAfter(at, true)).length).toBeGreaterThan(0);
  }, 120_000);

  it('reports nothing for the real guard and order, crashed at the same points', async () => {
    const at = await firstPrevoteAt(false);
    expect(await doubleSignsWithCrashesAfter(at, false)).toEqual([]);
  }, 120_000);
});
