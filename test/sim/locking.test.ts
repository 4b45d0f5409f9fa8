/**
 * The locking property (src/sim/checkers.ts): a correct validator that precommitted a block
 * prevotes another only on a proof-of-lock from its lock's round on. Judged from generated
 * vote logs against a brute-force reading of the rule, and shown failing on a core whose
 * lock rule is broken (mutation accept-old-pol) while the real core is clean on the same run.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/sim/checkers.js';
import type { SimRun, VoteRecord } from '../../src/sim/run-types.js';
import { runScenario } from '../../src/sim/run-scenario.js';
import { loadScenario } from '../../src/sim/scenario.js';

const VALIDATORS = ['aa', 'bb', 'cc', 'dd'];
const BLOCKS = ['', 'b1', 'b2'];

function runOf(votes: VoteRecord[], byzantine: string[], complete = true): SimRun {
  return {
    seed: 1,
    traceHash: '',
    endMs: 1000,
    gstMs: 0,
    down: [],
    validators: VALIDATORS.map((address) => ({ name: `v-${address}`, address, power: 1, byzantine: byzantine.includes(address) ? 'amnesia' : null })),
    decisions: VALIDATORS.map(() => [{ height: 1, round: 0, blockHash: 'x', valid: true, appHash: 'r', at: 1 }]),
    doubleSigns: [],
    evidence: [],
    timeline: [],
    faults: [],
    messages: { sent: 0, lost: 0, junk: 0 },
    votes,
    votesComplete: complete,
  };
}

/** The rule read literally: some precommit (r1, v1) and later prevote (r2, v2 ∉ {nil, v1}) of one correct validator with no polka for v2 in [r1, r2). */
function breaksLock(votes: readonly VoteRecord[], who: string): boolean {
  const polka = (round: number, hash: string): boolean => new Set(votes.filter((v) => v.type === 1 && v.round === round && v.blockHash === hash).map((v) => v.validator)).size * 3 > VALIDATORS.length * 2;
  return votes.some(
    (pc) =>
      pc.validator === who &&
      pc.type === 2 &&
      pc.blockHash !== '' &&
      votes.some((pv) => {
        if (pv.validator !== who || pv.type !== 1 || pv.round <= pc.round || pv.blockHash === '' || pv.blockHash === pc.blockHash) return false;
        for (let r = pc.round; r < pv.round; r++) if (polka(r, pv.blockHash)) return false;
        return true;
      }),
  );
}

const vote = fc.record({
  validator: fc.constantFrom(...VALIDATORS),
  round: fc.integer({ min: 0, max: 3 }),
  type: fc.constantFrom(1, 2),
  blockHash: fc.constantFrom(...BLOCKS),
});

describe('the locking property', () => {
  it('names exactly the correct validators whose votes break the lock rule, at every height', () => {
    fc.assert(
      fc.property(fc.array(vote, { maxLength: 40 }), fc.subarray(VALIDATORS), (drawn, byzantine) => {
        const votes: VoteRecord[] = drawn.map((v) => ({ ...v, at: 0, height: 1 }));
        const check = checkRun(runOf(votes, byzantine), 10_000);
        const named = check.violations.filter((v) => v.property === 'locking').map((v) => v.message.split(' ')[0]);
        const expected = VALIDATORS.filter((a) => !byzantine.includes(a) && breaksLock(votes, a)).map((a) => `v-${a}`);
        expect(named.sort()).toEqual(expected.sort());
        expect(check.judged).toContain('locking');
      }),
      { numRuns: 500 },
    );
  });

  it('is not judged from a vote record that may have missed a polka', () => {
    const votes: VoteRecord[] = [
      { at: 0, validator: 'aa', height: 1, round: 0, type: 2, blockHash: 'b1' },
      { at: 0, validator: 'aa', height: 1, round: 1, type: 1, blockHash: 'b2' },
    ];
    expect(checkRun(runOf(votes, []), 10_000).violations.map((v) => v.property)).toContain('locking');
    const partial = checkRun(runOf(votes, [], false), 10_000);
    expect(partial.violations.map((v) => v.property)).not.toContain('locking');
    expect(partial.judged).not.toContain('locking');
  });

  it('catches a core that unlocks on an older proof-of-lock, and the real core is clean on the same run', async () => {
    // The run `cmt sim mutations --mutation accept-old-pol` caught first (spec/faults.md, the catch table).
    const scenario = await loadScenario(join(import.meta.dirname, '..', '..', 'scripts', 'scenarios', 'generic', 'wan-fast-timeouts.yaml'));
    const broken = await runScenario(scenario, 14, { mutation: 'accept-old-pol' });
    expect(broken.check.violations.map((v) => v.property)).toContain('locking');
    const real = await runScenario(scenario, 14);
    expect(real.check.violations).toEqual([]);
    expect(real.check.judged).toContain('locking');
  }, 120_000);

  it('holds for a validator whose WAL loses its tail at every restart: the sign state keeps the lock', async () => {
    // crash-storm-wan seed 21: before the sign state kept the lock, v1 came back from a cut WAL unlocked and prevoted another block (found by `cmt sim mutations`, on the unmodified core).
    const scenario = await loadScenario(join(import.meta.dirname, '..', '..', 'scripts', 'scenarios', 'generic', 'crash-storm-wan.yaml'));
    const { check } = await runScenario(scenario, 21);
    expect(check.violations).toEqual([]);
    expect(check.judged).toContain('locking');
  }, 120_000);
});
