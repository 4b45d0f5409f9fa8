import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { COMMIT_FLAG_ABSENT, COMMIT_FLAG_COMMIT, PRECOMMIT, PREVOTE, voteSignBytes, type Vote, type VoteType } from '../../src/codec/vote.js';
import { createConsensusState, step, type ConsensusEffect, type ConsensusState } from '../../src/consensus/index.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { BulkSigner } from '../../src/crypto/bulk-signer.js';
import { keyPairFromSeed } from '../../src/crypto/ed25519.js';

const CHAIN = 'cmt-sm-test';
const signers = [0, 1, 2, 3].map((i) => new BulkSigner(keyPairFromSeed(sha256(utf8(`sm-${i}`)))));
const set = ValidatorSet.fromGenesis(signers.map((s) => ({ publicKey: s.keyPair.publicKey, power: 1 })));
const signerAt = (index: number) => signers.find((s) => set.indexOf(addressFromPublicKey(s.keyPair.publicKey)) === index) as BulkSigner;
const NIL = new Uint8Array(0);

function vote(index: number, type: VoteType, height: number, round: number, blockHash: Uint8Array): Vote {
  const signer = signerAt(index);
  const unsigned = { type, height, round, blockHash };
  return { ...unsigned, validatorAddress: addressFromPublicKey(signer.keyPair.publicKey), validatorIndex: index, signature: signer.sign(voteSignBytes(CHAIN, unsigned)) };
}

/** An instance that is validator `selfIndex`, past the next-block delay of height 1 and in round 0. */
function started(selfIndex: number | null): ConsensusState {
  const s = createConsensusState({ chainId: CHAIN, selfAddress: selfIndex === null ? null : set.getByIndex(selfIndex)!.address });
  step(s, { type: 'startHeight', height: 1, validators: set, timeouts: DEFAULT_CONSENSUS_PARAMS.timeouts, lastValidators: null, lastCommit: null });
  step(s, { type: 'timeout', height: 1, round: 0, step: 'newHeight' });
  return s;
}

/** Index of a validator that does not propose round 0 or 1. */
const proposerIndex = (round: number) => set.indexOf(set.proposerForRound(round).address);
const bystander = [0, 1, 2, 3].find((i) => i !== proposerIndex(0) && i !== proposerIndex(1)) as number;

function propose(s: ConsensusState, round: number, block: Uint8Array, polRound = -1): ConsensusEffect[] {
  const effects = step(s, { type: 'proposal', proposal: { height: 1, round, polRound, blockHash: sha256(block), signature: new Uint8Array(64) }, block });
  return [...effects, ...step(s, { type: 'proposalValidated', height: 1, round, blockHash: sha256(block), valid: true })];
}

const votesOf = (effects: ConsensusEffect[]) =>
  effects.filter((e) => e.type === 'signVote').map((e) => `${e.voteType === PREVOTE ? 'prevote' : 'precommit'} ${e.round} ${toHex(e.blockHash) || 'nil'}`);

describe('consensus state machine, one instance', () => {
  it('a locked validator prevotes nil for a different block without a newer proof-of-lock', () => {
    const s = started(bystander);
    const blockA = utf8('A');
    const hashA = sha256(blockA);
    expect(votesOf(propose(s, 0, blockA))).toEqual([`prevote 0 ${toHex(hashA)}`]);
    const others = [0, 1, 2, 3].filter((i) => i !== bystander);
    const effects = others.flatMap((i) => step(s, { type: 'vote', vote: vote(i, PREVOTE, 1, 0, hashA) }));
    expect(votesOf(effects)).toEqual([`precommit 0 ${toHex(hashA)}`]);
    expect(s.lockedRound).toBe(0);
    // Nobody else precommits; round 0 ends by the precommit timeout after +2/3 nil precommits.
    for (const i of others) step(s, { type: 'vote', vote: vote(i, PRECOMMIT, 1, 0, NIL) });
    step(s, { type: 'timeout', height: 1, round: 0, step: 'precommit' });
    expect(s.round).toBe(1);
    expect(votesOf(propose(s, 1, utf8('B')))).toEqual(['prevote 1 nil']);
  });

  it('a validator that is round 1 proposer and holds a valid value re-proposes it with its proof-of-lock round', () => {
    const me = proposerIndex(1);
    const s = started(me);
    const blockA = utf8('A');
    const hashA = sha256(blockA);
    propose(s, 0, blockA);
    for (const i of [0, 1, 2, 3].filter((i) => i !== me)) step(s, { type: 'vote', vote: vote(i, PREVOTE, 1, 0, hashA) });
    for (const i of [0, 1, 2, 3].filter((i) => i !== me)) step(s, { type: 'vote', vote: vote(i, PRECOMMIT, 1, 0, NIL) });
    const effects = step(s, { type: 'timeout', height: 1, round: 0, step: 'precommit' });
    const proposal = effects.find((e) => e.type === 'signProposal');
    expect(proposal).toMatchObject({ round: 1, polRound: 0, blockHash: hashA });
    expect(effects.some((e) => e.type === 'buildProposal')).toBe(false);
  });

  it('waits for the check of a proposal that arrived before the propose timeout, then prevotes it', () => {
    const s = started(bystander);
    const block = utf8('slow to check');
    const hash = sha256(block);
    step(s, { type: 'proposal', proposal: { height: 1, round: 0, polRound: -1, blockHash: hash, signature: new Uint8Array(64) }, block });
    expect(votesOf(step(s, { type: 'timeout', height: 1, round: 0, step: 'propose' }))).toEqual([]);
    expect(s.step).toBe('propose');
    expect(votesOf(step(s, { type: 'proposalValidated', height: 1, round: 0, blockHash: hash, valid: true }))).toEqual([`prevote 0 ${toHex(hash)}`]);
    // Without a proposal, the timeout still means nil at once.
    const t = started(bystander);
    expect(votesOf(step(t, { type: 'timeout', height: 1, round: 0, step: 'propose' }))).toEqual(['prevote 0 nil']);
  });

  it('skips to a higher round once validators with more than 1/3 of the power are there', () => {
    const s = started(bystander);
    const others = [0, 1, 2, 3].filter((i) => i !== bystander);
    step(s, { type: 'vote', vote: vote(others[0]!, PREVOTE, 1, 5, NIL) });
    expect(s.round).toBe(0);
    const effects = step(s, { type: 'vote', vote: vote(others[1]!, PRECOMMIT, 1, 5, NIL) });
    expect(s.round).toBe(5);
    expect(effects).toContainEqual({ type: 'scheduleTimeout', height: 1, round: 5, step: 'propose', durationMs: 1000 + 5 * 250 });
  });

  it('reports two different votes from one validator and counts only the first', () => {
    const s = started(bystander);
    const other = (bystander + 1) % 4;
    const a = vote(other, PREVOTE, 1, 0, sha256(utf8('A')));
    const b = vote(other, PREVOTE, 1, 0, sha256(utf8('B')));
    expect(step(s, { type: 'vote', vote: a }).some((e) => e.type === 'equivocation')).toBe(false);
    expect(step(s, { type: 'vote', vote: a })).toEqual([]);
    const effects = step(s, { type: 'vote', vote: b });
    expect(effects).toContainEqual({ type: 'equivocation', voteA: a, voteB: b });
    expect(s.votes!.prevotes(0).powerFor(b.blockHash)).toBe(0);
  });

  it('ignores messages for other heights, far-future rounds and votes whose index does not match the address', () => {
    const s = started(bystander);
    expect(step(s, { type: 'vote', vote: vote(1, PREVOTE, 7, 0, NIL) })).toEqual([]);
    expect(step(s, { type: 'vote', vote: vote(1, PREVOTE, 1, 5000, NIL) })).toEqual([]);
    expect(step(s, { type: 'vote', vote: { ...vote(1, PREVOTE, 1, 0, NIL), validatorIndex: 2 } })).toEqual([]);
    expect(s.votes!.roundsWithVotes()).toEqual([]);
    expect(s.votes!.prevotes(0).all()).toHaveLength(0);
  });

  it('a node that is not a validator follows and decides without signing anything', () => {
    const s = started(null);
    const block = utf8('A');
    const hash = sha256(block);
    const effects = [...propose(s, 0, block)];
    for (const i of [0, 1, 2]) effects.push(...step(s, { type: 'vote', vote: vote(i, PREVOTE, 1, 0, hash) }));
    for (const i of [0, 1, 2]) effects.push(...step(s, { type: 'vote', vote: vote(i, PRECOMMIT, 1, 0, hash) }));
    expect(effects.some((e) => e.type === 'signVote' || e.type === 'signProposal')).toBe(false);
    expect(effects.find((e) => e.type === 'decide')).toMatchObject({ height: 1, round: 0, blockHash: hash });
  });

  it('late precommits for the previous height complete the last commit of the next proposal', () => {
    const me = proposerIndex(0);
    const s = started(me);
    const block = utf8('A');
    const hash = sha256(block);
    propose(s, 0, block);
    const late = [0, 1, 2, 3].filter((i) => i !== me);
    for (const i of [me, ...late.slice(0, 2)]) step(s, { type: 'vote', vote: vote(i, PREVOTE, 1, 0, hash) });
    let decided: ConsensusEffect | undefined;
    for (const i of [me, ...late.slice(0, 2)]) decided ??= step(s, { type: 'vote', vote: vote(i, PRECOMMIT, 1, 0, hash) }).find((e) => e.type === 'decide');
    if (decided?.type !== 'decide') throw new Error('expected a decision');
    expect(decided.commit.signatures.filter((x) => x.flag === COMMIT_FLAG_COMMIT)).toHaveLength(3);
    // One precommit arrives while the block is applied, another during the next height's next-block delay.
    step(s, { type: 'vote', vote: vote(late[2]!, PRECOMMIT, 1, 0, hash) });
    const next = set.copyIncrementProposerPriority(1);
    step(s, { type: 'startHeight', height: 2, validators: next, timeouts: DEFAULT_CONSENSUS_PARAMS.timeouts, lastValidators: set, lastCommit: decided.commit });
    expect(s.lastCommit!.signatures.every((x) => x.flag === COMMIT_FLAG_COMMIT)).toBe(true);
    expect(s.lastCommit!.signatures.some((x) => x.flag === COMMIT_FLAG_ABSENT)).toBe(false);
  });
});
