import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { PRECOMMIT, PREVOTE, voteSignBytes, type Vote } from '../../src/codec/vote.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { keyPairFromSeed, sign } from '../../src/crypto/ed25519.js';
import type { ChainState } from '../../src/node/chain-state.js';
import { checkEvidence, duplicateVoteEvidence, evidenceKey, type EvidenceContext } from '../../src/node/evidence.js';

const CHAIN = 'cmt-evidence-test';
const keys = [0, 1, 2].map((i) => keyPairFromSeed(sha256(utf8(`ev-${i}`))));
const set = ValidatorSet.fromGenesis(keys.map((k, i) => ({ publicKey: k.publicKey, power: 10 + i })));
const BLOCK_TIME = 1_700_000_123_000;

function vote(keyIndex: number, fill: number, overrides: Partial<Vote> = {}): Vote {
  const key = keys[keyIndex]!;
  const address = addressFromPublicKey(key.publicKey);
  const unsigned = { type: PREVOTE as Vote['type'], height: 5, round: 1, blockHash: new Uint8Array(32).fill(fill), ...overrides };
  return { ...unsigned, validatorAddress: address, validatorIndex: set.indexOf(address), signature: sign(key.privateKey, voteSignBytes(CHAIN, unsigned)), ...overrides };
}

function ctx(lastBlockHeight = 10, maxAge = DEFAULT_CONSENSUS_PARAMS.evidenceMaxAgeBlocks): EvidenceContext {
  const state = { chainId: CHAIN, lastBlockHeight, consensusParams: { ...DEFAULT_CONSENSUS_PARAMS, evidenceMaxAgeBlocks: maxAge } } as ChainState;
  return { state, validatorsAt: async (h) => (h <= lastBlockHeight + 1 ? set : undefined), blockTimeAt: async (h) => (h <= lastBlockHeight ? BLOCK_TIME : undefined) };
}

describe('duplicate-vote evidence', () => {
  const good = duplicateVoteEvidence(vote(0, 2), vote(0, 1), set, BLOCK_TIME);

  it('is valid for two different signed votes of one validator, in one canonical order', async () => {
    expect(await checkEvidence(good, ctx())).toBeNull();
    expect(good.voteA.blockHash[0]).toBe(1);
    expect(evidenceKey(duplicateVoteEvidence(vote(0, 1), vote(0, 2), set, BLOCK_TIME))).toEqual(evidenceKey(good));
  });

  it('rejects votes that do not conflict, or do not match each other', async () => {
    expect(await checkEvidence({ ...good, voteB: good.voteA }, ctx())).toMatch(/canonical order/);
    expect(await checkEvidence({ ...good, voteA: good.voteB, voteB: good.voteA }, ctx())).toMatch(/canonical order/);
    expect(await checkEvidence({ ...good, voteB: vote(0, 3, { round: 2 }) }, ctx())).toMatch(/different heights, rounds or types/);
    expect(await checkEvidence({ ...good, voteB: vote(0, 3, { type: PRECOMMIT }) }, ctx())).toMatch(/different heights, rounds or types/);
    expect(await checkEvidence({ ...good, voteB: vote(1, 3) }, ctx())).toMatch(/different validators/);
  });

  it('rejects a bad signature, wrong power fields, a wrong time, and heights not committed or too old', async () => {
    const forged = { ...good.voteB, signature: new Uint8Array(64).fill(9) };
    expect(await checkEvidence({ ...good, voteB: forged }, ctx())).toMatch(/signature/);
    expect(await checkEvidence({ ...good, validatorPower: 99 }, ctx())).toMatch(/power fields/);
    expect(await checkEvidence({ ...good, totalVotingPower: 1 }, ctx())).toMatch(/power fields/);
    expect(await checkEvidence({ ...good, time: BLOCK_TIME + 1 }, ctx())).toMatch(/time/);
    expect(await checkEvidence(good, ctx(4))).toMatch(/not committed yet/);
    expect(await checkEvidence(good, ctx(100, 10))).toMatch(/older than 10 blocks/);
    expect(await checkEvidence(good, { ...ctx(), state: { ...ctx().state, chainId: 'other' } })).toMatch(/signature/);
  });
});
