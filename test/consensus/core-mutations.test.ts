/**
 * Each mutation of the core (src/consensus/mutations.ts) changes one rule of Algorithm 1 and
 * nothing else: the same inputs give the paper's answer without it and the broken answer with
 * it. Four validators of power 1, as in state-machine.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { PRECOMMIT, PREVOTE, voteSignBytes, type Vote, type VoteType } from '../../src/codec/vote.js';
import { createConsensusState, step, type ConsensusEffect, type ConsensusState } from '../../src/consensus/index.js';
import type { MutationName } from '../../src/consensus/mutations.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { BulkSigner } from '../../src/crypto/bulk-signer.js';
import { keyPairFromSeed } from '../../src/crypto/ed25519.js';

const CHAIN = 'cmt-mutation-test';
const signers = [0, 1, 2, 3].map((i) => new BulkSigner(keyPairFromSeed(sha256(utf8(`mut-${i}`)))));
const set = ValidatorSet.fromGenesis(signers.map((s) => ({ publicKey: s.keyPair.publicKey, power: 1 })));
const signerAt = (index: number) => signers.find((s) => set.indexOf(addressFromPublicKey(s.keyPair.publicKey)) === index) as BulkSigner;
const NIL = new Uint8Array(0);
const A = utf8('A');
const B = utf8('B');
const hashA = sha256(A);
const hashB = sha256(B);

function vote(index: number, type: VoteType, round: number, blockHash: Uint8Array): Vote {
  const unsigned = { type, height: 1, round, blockHash };
  return { ...unsigned, validatorAddress: addressFromPublicKey(signerAt(index).keyPair.publicKey), validatorIndex: index, signature: signerAt(index).sign(voteSignBytes(CHAIN, unsigned)) };
}

function started(selfIndex: number, mutation: MutationName | null): ConsensusState {
  const s = createConsensusState({ chainId: CHAIN, selfAddress: set.getByIndex(selfIndex)!.address, ...(mutation ? { unsafeMutations: [mutation] } : {}) });
  step(s, { type: 'startHeight', height: 1, validators: set, timeouts: DEFAULT_CONSENSUS_PARAMS.timeouts, lastValidators: null, lastCommit: null });
  step(s, { type: 'timeout', height: 1, round: 0, step: 'newHeight' });
  return s;
}

const proposerIndex = (round: number) => set.indexOf(set.proposerForRound(round).address);

function propose(s: ConsensusState, round: number, block: Uint8Array, polRound = -1): ConsensusEffect[] {
  const effects = step(s, { type: 'proposal', proposal: { height: 1, round, polRound, blockHash: sha256(block), signature: new Uint8Array(64) }, block });
  return [...effects, ...step(s, { type: 'proposalValidated', height: 1, round, blockHash: sha256(block), valid: true })];
}

const votesOf = (effects: ConsensusEffect[]) =>
  effects.filter((e) => e.type === 'signVote').map((e) => `${e.voteType === PREVOTE ? 'prevote' : 'precommit'} ${e.round} ${toHex(e.blockHash) || 'nil'}`);

/** Others' votes fed one by one; the effects of all. */
function feed(s: ConsensusState, voters: number[], type: VoteType, round: number, hash: Uint8Array): ConsensusEffect[] {
  return voters.flatMap((i) => step(s, { type: 'vote', vote: vote(i, type, round, hash) }));
}

/** Ends the current round with +2/3 nil precommits and the precommit timeout. */
function endRound(s: ConsensusState, voters: number[]): ConsensusEffect[] {
  const round = s.round;
  return [...feed(s, voters, PRECOMMIT, round, NIL), ...step(s, { type: 'timeout', height: 1, round, step: 'precommit' })];
}

/** A validator that proposes none of rounds 0-2, and the other three. */
const me = [0, 1, 2, 3].find((i) => ![0, 1, 2].some((r) => proposerIndex(r) === i)) ?? 0;
const others = [0, 1, 2, 3].filter((i) => i !== me);

/** Locks on A in round `lockRound` (prevote and +2/3 prevotes for A), then moves to round `until` with nil precommits. */
function lockedOnA(s: ConsensusState, lockRound: number, until: number): void {
  while (s.round < lockRound) endRound(s, others);
  propose(s, lockRound, A);
  feed(s, others, PREVOTE, lockRound, hashA);
  expect(s.lockedRound).toBe(lockRound);
  while (s.round < until) endRound(s, others);
}

describe('mutations of the core change exactly one rule', () => {
  it('ignore-lock: a validator locked on A prevotes a new B (the paper: nil)', () => {
    for (const [mutation, expected] of [[null, 'prevote 1 nil'], ['ignore-lock', `prevote 1 ${toHex(hashB)}`]] as const) {
      const s = started(me, mutation);
      lockedOnA(s, 0, 1);
      expect(votesOf(propose(s, 1, B)), String(mutation)).toEqual([expected]);
    }
  });

  it('accept-old-pol: a validator locked on A in round 1 prevotes B re-proposed with a polka of round 0 (the paper: nil)', () => {
    for (const [mutation, expected] of [[null, 'prevote 2 nil'], ['accept-old-pol', `prevote 2 ${toHex(hashB)}`]] as const) {
      const s = started(me, mutation);
      // A polka for B in round 0 that this validator saw too late to lock on (it prevoted nil).
      step(s, { type: 'timeout', height: 1, round: 0, step: 'propose' });
      feed(s, others, PREVOTE, 0, hashB);
      endRound(s, others);
      lockedOnA(s, 1, 2);
      expect(votesOf(propose(s, 2, B, 0)), String(mutation)).toEqual([expected]);
    }
  });

  it('accept-old-pol leaves a newer proof-of-lock alone: it unlocks with or without the mutation', () => {
    for (const mutation of [null, 'accept-old-pol'] as const) {
      const s = started(me, mutation);
      lockedOnA(s, 0, 1);
      step(s, { type: 'timeout', height: 1, round: 1, step: 'propose' });
      feed(s, others, PREVOTE, 1, hashB);
      endRound(s, others);
      expect(votesOf(propose(s, 2, B, 1)), String(mutation)).toEqual([`prevote 2 ${toHex(hashB)}`]);
    }
  });

  it('forget-valid-value: after a polka for A the round-1 proposer builds a new block (the paper: re-proposes A)', () => {
    const proposer = proposerIndex(1);
    const rest = [0, 1, 2, 3].filter((i) => i !== proposer);
    for (const mutation of [null, 'forget-valid-value'] as const) {
      const s = started(proposer, mutation);
      if (proposerIndex(0) !== proposer) propose(s, 0, A);
      feed(s, rest, PREVOTE, 0, hashA);
      const effects = endRound(s, rest);
      if (mutation === null) {
        expect(effects.find((e) => e.type === 'signProposal')).toMatchObject({ round: 1, polRound: 0, blockHash: hashA });
        expect(s.validRound).toBe(0);
      } else {
        expect(effects.some((e) => e.type === 'buildProposal')).toBe(true);
        expect(effects.some((e) => e.type === 'signProposal')).toBe(false);
        expect(s.validRound).toBe(-1);
      }
    }
  });

  it('quorum-off-by-one: two of four prevotes count as a polka (the paper: three)', () => {
    for (const [mutation, locks] of [[null, false], ['quorum-off-by-one', true]] as const) {
      const s = started(me, mutation);
      // The core counts its own vote only when the driver feeds it back: two others prevote A.
      const effects = [...propose(s, 0, A), ...feed(s, others.slice(0, 2), PREVOTE, 0, hashA)];
      // Two prevotes for A of total power 4: 2 * 3 > 8 is false, (2 + 1) * 3 > 8 is true.
      expect(s.votes!.prevotes(0).powerFor(hashA), String(mutation)).toBe(2);
      expect(s.votes!.prevotes(0).hasTwoThirdsFor(hashA), String(mutation)).toBe(locks);
      expect(votesOf(effects).includes(`precommit 0 ${toHex(hashA)}`), String(mutation)).toBe(locks);
      expect(s.lockedRound, String(mutation)).toBe(locks ? 0 : -1);
    }
  });

  it('quorum-off-by-one: one unit early only, one prevote of four is no polka even so', () => {
    const s = started(me, 'quorum-off-by-one');
    propose(s, 0, A);
    feed(s, others.slice(0, 1), PREVOTE, 0, hashA);
    expect(s.votes!.prevotes(0).hasTwoThirdsFor(hashA)).toBe(false);
    expect(s.lockedRound).toBe(-1);
  });
});
