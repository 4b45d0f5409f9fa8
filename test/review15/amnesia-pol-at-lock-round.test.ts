/**
 * review15: the amnesia rule names a correct validator. A correct validator locked on A in
 * round r1 may prevote B in r2 > r1 on a proposal whose proof-of-lock round is r1 itself
 * (Tendermint line 28: lockedRound ≤ vr; this core: rules.ts `s.lockedRound <= proposal.polRound`).
 * Two polkas in one round need more than 1/3 equivocating — exactly what a fork has — so the
 * accountability checker must excuse a prevote by a polka in [r1, r2), not only in (r1, r2).
 *
 * Seven validators of power 1, three Byzantine (b0..b2, more than 1/3) equivocating in round 0:
 * c0, c1 prevote A and see a polka for A (b0..b2 + c0 + c1 = 5 > 14/3); c2, c3 prevote B and so
 * do b0..b2: a polka for B in round 0 too. c0 decides A in round 0 (with the Byzantine
 * precommits); c1 precommits A, locks it, but sees no +2/3 precommits. In round 1, B is proposed
 * with polRound 0: c1 (lockedRound 0 ≤ 0) prevotes B, as the core's own rule makes it; B gets
 * a polka in round 1 and c1..c3 decide B. The Byzantine three are the culprits; c1 is not.
 */
import { describe, expect, it } from 'vitest';
import { amnesiaAt } from '../../src/sim/accountability.js';
import type { VoteRecord } from '../../src/sim/run-types.js';

const PREVOTE = 1;
const PRECOMMIT = 2;
const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);
const BYZ = ['b0', 'b1', 'b2'];
const powers = Object.fromEntries(['b0', 'b1', 'b2', 'c0', 'c1', 'c2', 'c3'].map((v) => [v, 1]));

const vote = (validator: string, round: number, type: number, blockHash: string): VoteRecord => ({ at: 0, validator, height: 5, round, type, blockHash });

describe('review15: amnesia and a proof-of-lock from the lock round itself', () => {
  it('does not name a correct validator that unlocked on a polka of its own lock round', () => {
    const votes: VoteRecord[] = [
      // Round 0: the Byzantine three prevote and precommit both A and B.
      ...BYZ.flatMap((b) => [vote(b, 0, PREVOTE, A), vote(b, 0, PREVOTE, B), vote(b, 0, PRECOMMIT, A), vote(b, 0, PRECOMMIT, B)]),
      vote('c0', 0, PREVOTE, A),
      vote('c1', 0, PREVOTE, A),
      vote('c2', 0, PREVOTE, B),
      vote('c3', 0, PREVOTE, B),
      vote('c0', 0, PRECOMMIT, A),
      vote('c1', 0, PRECOMMIT, A),
      vote('c2', 0, PRECOMMIT, B),
      vote('c3', 0, PRECOMMIT, B),
      // Round 1: B proposed with polRound 0; c1 (locked on A at round 0) prevotes it, as rules.ts allows.
      ...BYZ.map((b) => vote(b, 1, PREVOTE, B)),
      vote('c1', 1, PREVOTE, B),
      vote('c2', 1, PREVOTE, B),
      vote('c3', 1, PREVOTE, B),
      ...BYZ.map((b) => vote(b, 1, PRECOMMIT, B)),
      vote('c1', 1, PRECOMMIT, B),
      vote('c2', 1, PRECOMMIT, B),
      vote('c3', 1, PRECOMMIT, B),
    ];
    const named = amnesiaAt(votes, 5, powers).map((p) => p.validator);
    // c1 followed the protocol: a polka for B existed in round 0 (its lock round), which unlocks it.
    expect(named).not.toContain('c1');
  });
});
